// Fuzz target: a serving workload (configs/serving/*.yaml), loaded and validated as `tessera serve` does.
#include "serving/request_stream.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".yaml");
  return tessera::fuzz::refuse_only_with_error([&] { tessera::load_stream_spec(path); });
}
