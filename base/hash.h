// A stable 64-bit hash (FNV-1a) for cache keys and fingerprints: the same bytes give the same
// value on every machine, build and run, unlike std::hash.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera {

class Fnv1a64 {
 public:
  /// Mixes `bytes` and then a separator, so ("ab","c") and ("a","bc") differ.
  Fnv1a64& add(std::string_view bytes) {
    for (unsigned char c : bytes) mix(c);
    mix(0xff);
    return *this;
  }
  std::uint64_t value() const { return h_; }

 private:
  void mix(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ull;
  }
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace tessera
