// What every fuzz target shares: the input as a file (the readers take paths, as users give them)
// and the rule that a reader may refuse bad input only with tessera::Error. Anything else that
// escapes (another exception, a crash, a sanitizer report, a hang) is a bug that libFuzzer reports.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/types.h"

namespace tessera::fuzz {

/// The input as text.
inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Writes the input to one scratch file per process (ending in `extension`) and returns its path.
inline std::string as_file(const std::uint8_t* data, std::size_t size, const std::string& extension) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("tessera-fuzz-" + std::to_string(::getpid()) + extension);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path.string();
}

/// Why the last input was refused, or empty when it was accepted (the replay program prints it).
inline std::string& last_refusal() {
  static std::string reason;
  return reason;
}

/// Runs `read`; a tessera::Error is the reader refusing the input, which is fine.
template <typename Read>
int refuse_only_with_error(Read&& read) {
  last_refusal().clear();
  try {
    read();
  } catch (const tessera::Error& e) {
    last_refusal() = e.what();
    if (last_refusal().empty()) last_refusal() = "(an error without a message)";
  }
  return 0;
}

}  // namespace tessera::fuzz
