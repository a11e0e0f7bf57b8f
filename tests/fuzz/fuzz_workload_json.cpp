// Fuzz target: a workload file in JSON (operator list or trace), read as `tessera run --trace FILE` is.
#include "tests/fuzz/fuzz_support.h"
#include "workloads/workload_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".json");
  return tessera::fuzz::refuse_only_with_error([&] { tessera::load_workload(path); });
}
