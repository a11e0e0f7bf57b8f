// A small name -> factory table for a role whose implementation a config key or option chooses
// (the NoC routing, the HBM scheduler, the collective algorithm, the sweep executor). Each role
// has one registry, filled once in a fixed order where it is defined; an unknown name gets an
// error that names the setting and lists the valid names, in that order.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/types.h"

namespace tessera {

template <class Factory>
class Registry {
 public:
  /// `role` names what the entries are, for errors ("NoC topology", "collective algorithm").
  Registry(std::string role, std::initializer_list<std::pair<std::string_view, Factory>> entries)
      : role_(std::move(role)), entries_(entries) {}

  /// The factory registered as `name`, or null.
  const Factory* find(std::string_view name) const {
    for (const auto& [n, f] : entries_)
      if (n == name) return &f;
    return nullptr;
  }
  /// The factory registered as `name`; throws Error "<setting>: unknown <role> '<name>' (valid:
  /// a, b, c)" otherwise.
  const Factory& at(std::string_view name, std::string_view setting) const {
    if (const Factory* f = find(name)) return *f;
    throw Error(fmt::format("{}: unknown {} '{}' (valid: {})", setting, role_, name, fmt::join(names(), ", ")));
  }
  /// The registered names, in registration order.
  std::vector<std::string_view> names() const {
    std::vector<std::string_view> out;
    for (const auto& e : entries_) out.push_back(e.first);
    return out;
  }

 private:
  std::string role_;
  std::vector<std::pair<std::string_view, Factory>> entries_;
};

}  // namespace tessera
