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

/// A Perfetto / Chrome trace-event file (opens in ui.perfetto.dev): one track per replica with
/// an event per iteration (decode sequences and prefill tokens in its args), and counter tracks
/// per replica for the KV blocks in use and the waiting queue. Written atomically.
void write_serving_timeline(const std::string& path, const ServingInputs& in, const ServingResult& r);

}  // namespace tessera
