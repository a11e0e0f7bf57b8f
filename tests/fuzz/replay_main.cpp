// Replays fuzz inputs through a target without libFuzzer, so the normal (and the sanitizer)
// test suite runs every seed and every regression input: tessera_fuzz_replay_<target> FILE|DIR...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const int rc = LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  const std::string& refusal = tessera::fuzz::last_refusal();
  std::printf("%s (%zu bytes): %s\n", file.string().c_str(), bytes.size(),
              refusal.empty() ? "accepted" : ("refused: " + refusal.substr(0, 200)).c_str());
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::filesystem::path arg = argv[i];
      if (!std::filesystem::exists(arg)) {
        std::fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
        return 2;
      }
      std::vector<std::filesystem::path> files;
      if (std::filesystem::is_directory(arg)) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(arg))
          if (entry.is_regular_file()) files.push_back(entry.path());
      } else {
        files.push_back(arg);
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        replay(f);
        ++count;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replay: the target let an exception escape: %s\n", e.what());
    return 1;
  }
  std::printf("replayed %zu inputs\n", count);
  return 0;
}
