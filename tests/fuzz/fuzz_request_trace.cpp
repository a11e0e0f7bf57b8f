// Fuzz target: a serving request trace (CSV or JSON Lines), read as `tessera serve --trace F` is.
#include "serving/request_stream.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".csv");
  return tessera::fuzz::refuse_only_with_error([&] { tessera::read_request_trace(path); });
}
