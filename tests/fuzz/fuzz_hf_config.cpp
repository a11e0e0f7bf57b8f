// Fuzz target: a Hugging Face config.json, read and validated as `--model config.json` is.
#include "tests/fuzz/fuzz_support.h"
#include "workloads/model_card.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".json");
  return tessera::fuzz::refuse_only_with_error([&] { tessera::validate_model_card(tessera::load_model_card(path)); });
}
