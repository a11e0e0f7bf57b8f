// Fuzz target: a deployment (configs/deployments/*.yaml), parsed and validated as `tessera tco` does.
#include "econ/deployment.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = tessera::fuzz::text_of(data, size);
  return tessera::fuzz::refuse_only_with_error([&] { tessera::econ::parse_deployment(text, "fuzz-deployment.yaml"); });
}
