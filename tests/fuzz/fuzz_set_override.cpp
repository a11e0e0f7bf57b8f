// Fuzz target: `--set key.path=value` overrides (one per input line) applied to the shipped H100
// chip config and validated, as `tessera run --chip h100 --set ...` does.
#include <sstream>
#include <vector>

#include "models/config/chip_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> overrides;
  std::istringstream lines(tessera::fuzz::text_of(data, size));
  for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  return tessera::fuzz::refuse_only_with_error([&] { tessera::load_chip_config("h100", overrides); });
}
