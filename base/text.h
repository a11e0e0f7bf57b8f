// Small text helpers shared by the hand-written readers (config key paths, SCALE-Sim files).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace tessera {

/// `s` without leading and trailing whitespace (spaces, tabs, CR and LF included).
inline std::string_view trim(std::string_view s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// `s` in ASCII lower case.
inline std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

}  // namespace tessera
