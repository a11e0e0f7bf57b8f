// Fuzz target: an HDF5 trace (`tessera trace gen -o F.h5`), read as `tessera run --trace F.h5` is.
// After each input no HDF5 object may be left open: a handle Tessera forgets to close is reported
// here (libhdf5's own leaks on damaged files are suppressed, tests/fuzz/lsan_suppressions.cpp).
#include <hdf5.h>

#include <cstdio>
#include <cstdlib>

#include "tests/fuzz/fuzz_support.h"
#include "workloads/workload_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".h5");
  tessera::fuzz::refuse_only_with_error([&] { tessera::load_workload(path); });
  if (const ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); open > 0) {
    std::fprintf(stderr, "fuzz_hdf5_trace: %zd HDF5 objects left open after reading the input\n", open);
    std::abort();
  }
  return 0;
}
