// Fuzz target: an HDF5 trace (`tessera trace gen -o F.h5`), read as `tessera run --trace F.h5` is.
#include "tests/fuzz/fuzz_support.h"
#include "workloads/workload_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".h5");
  return tessera::fuzz::refuse_only_with_error([&] { tessera::load_workload(path); });
}
