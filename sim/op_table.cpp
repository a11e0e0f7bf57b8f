#include "sim/op_table.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/hash.h"
#include "base/io/atomic_file.h"
#include "base/types.h"

namespace tessera {

// The JSON forms, field by field under the members' own names (nlohmann/json's macros); in
// namespace tessera, where argument-dependent lookup finds them.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(OpRecord, duration_fs, start_offset_fs, tiles, engine_cycles, hbm_bytes, sram_bytes,
                                   energy_j, static_pj, throttled_s, peak_window_w, delta_cycles, stats)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StatsLayout::Group, path, kind, clock_mhz, names, units, descriptions)

namespace {

constexpr int kFormat = 1;

std::string hex_hash(const std::string& text) { return fmt::format("{:016x}", Fnv1a64().add(text).value()); }

StatsLayout layout_from_json(const nlohmann::json& j) {
  StatsLayout l;
  j.get_to(l.groups);
  for (const auto& g : l.groups)
    if (g.units.size() != g.names.size() || g.descriptions.size() != g.names.size())
      throw std::runtime_error("layout group lists differ in length");
  return l;
}

}  // namespace

OpTable::OpTable(std::string cache_dir) { set_cache_dir(std::move(cache_dir)); }

OpTable& shared_op_table() {
  static OpTable table;
  return table;
}

void OpTable::set_cache_dir(std::string cache_dir) {
  dir_ = std::move(cache_dir);
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec || !std::filesystem::is_directory(dir_))
    throw Error(fmt::format("--op-cache {}: cannot create the directory: {}", dir_, ec ? ec.message() : "not a directory"));
}

std::string OpTable::record_path(const std::string& config_key, const std::string& name) const {
  return (std::filesystem::path(dir_) / hex_hash(config_key) / (name + ".json")).string();
}

std::optional<std::string> OpTable::read_checked(const std::string& path, const std::string& key) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;  // not cached yet
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const nlohmann::json j = nlohmann::json::parse(text.str());
    const std::string payload = j.at("payload").get<std::string>();
    if (j.at("format").get<int>() == kFormat && j.at("key").get<std::string>() == key &&
        j.at("checksum").get<std::string>() == hex_hash(payload))
      return payload;
  } catch (const std::exception&) {
  }
  ++counts_.corrupt;
  return std::nullopt;
}

void OpTable::write_checked(const std::string& path, const std::string& key, const std::string& payload) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  const nlohmann::json j{{"format", kFormat}, {"key", key}, {"checksum", hex_hash(payload)}, {"payload", payload}};
  write_text_atomically(path, j.dump(1) + "\n");
}

const OpRecord* OpTable::find(const std::string& config_key, const std::string& op_key) {
  const std::string key = config_key + '\n' + op_key;
  if (auto it = records_.find(key); it != records_.end()) {
    ++counts_.reused;
    return &it->second;
  }
  if (dir_.empty()) return nullptr;
  const auto payload = read_checked(record_path(config_key, hex_hash(op_key)), key);
  if (!payload) return nullptr;
  try {
    OpRecord r = nlohmann::json::parse(*payload).get<OpRecord>();
    ++counts_.loaded;
    return &records_.emplace(key, std::move(r)).first->second;
  } catch (const std::exception&) {
    ++counts_.corrupt;
    return nullptr;
  }
}

const OpRecord& OpTable::insert(const std::string& config_key, const std::string& op_key, OpRecord record) {
  const std::string key = config_key + '\n' + op_key;
  ++counts_.simulated;
  if (!dir_.empty()) write_checked(record_path(config_key, hex_hash(op_key)), key, nlohmann::json(record).dump());
  return records_.insert_or_assign(key, std::move(record)).first->second;
}

const StatsLayout* OpTable::layout(const std::string& config_key) {
  if (auto it = layouts_.find(config_key); it != layouts_.end()) return &it->second;
  if (dir_.empty()) return nullptr;
  const auto payload = read_checked(record_path(config_key, "layout"), config_key);
  if (!payload) return nullptr;
  try {
    return &layouts_.emplace(config_key, layout_from_json(nlohmann::json::parse(*payload))).first->second;
  } catch (const std::exception&) {
    ++counts_.corrupt;
    return nullptr;
  }
}

void OpTable::set_layout(const std::string& config_key, StatsLayout layout) {
  if (!dir_.empty()) write_checked(record_path(config_key, "layout"), config_key, nlohmann::json(layout.groups).dump());
  layouts_.insert_or_assign(config_key, std::move(layout));
}

}  // namespace tessera
