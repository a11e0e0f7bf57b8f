// Fuzz target: a cluster config file (configs/clusters/*.yaml), loaded and validated as `--cluster FILE` is.
#include "cluster/cluster_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".yaml");
  return tessera::fuzz::refuse_only_with_error([&] { tessera::load_cluster_config(path); });
}
