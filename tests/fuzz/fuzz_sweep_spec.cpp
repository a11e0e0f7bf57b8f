// Fuzz target: a sweep spec (configs/sweeps/*.yaml), loaded, validated and expanded into its points
// as `tessera sweep --dry-run SPEC` does.
#include "sweep/points.h"
#include "sweep/spec.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = tessera::fuzz::as_file(data, size, ".yaml");
  return tessera::fuzz::refuse_only_with_error([&] {
    const tessera::sweep::SweepSpec spec = tessera::sweep::load_sweep_spec(path);
    tessera::sweep::generate_points(spec);
  });
}
