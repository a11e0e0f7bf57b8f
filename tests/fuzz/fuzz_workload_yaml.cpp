// Fuzz target: an operator list in YAML (configs/workloads/*.yaml), read as `tessera run --workload FILE` is.
#include "tests/fuzz/fuzz_support.h"
#include "workloads/workload_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".yaml");
  return tessera::fuzz::refuse_only_with_error([&] { tessera::load_workload(path); });
}
