// Fuzz target: a chip config file (configs/chips/*.yaml), loaded and validated as `--chip FILE` is.
#include "models/config/chip_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".yaml");
  return tessera::fuzz::refuse_only_with_error([&] { tessera::load_chip_config(path); });
}
