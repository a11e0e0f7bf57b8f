// The serving simulation's result document (docs/results.md): summary figures, the per-request
// table and the per-iteration table, with every input it resolved.
#pragma once

#include <string>
#include <vector>

#include "base/result/result_document.h"
#include "serving/serving_sim.h"

namespace tessera {

inline constexpr const char* kServingFormat = "tessera.serving";
inline constexpr int kServingFormatVersion = 1;

struct ServingInputs {
  ReplicaSpec replica;
  StreamSpec stream;
  ServingOptions options;
  std::string model_source;
};

ResultDocument serving_document(const ServingInputs& in, const ServingResult& r);

}  // namespace tessera
