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

namespace {

constexpr int kFormat = 1;

std::string hex_hash(const std::string& text) { return fmt::format("{:016x}", Fnv1a64().add(text).value()); }

nlohmann::json to_json(const OpRecord& r) {
  return {{"duration_fs", r.duration_fs}, {"start_offset_fs", r.start_offset_fs}, {"tiles", r.tiles},
          {"engine_cycles", r.engine_cycles}, {"hbm_bytes", r.hbm_bytes}, {"sram_bytes", r.sram_bytes},
          {"energy_j", r.energy_j}, {"static_pj", r.static_pj}, {"throttled_s", r.throttled_s},
          {"peak_window_w", r.peak_window_w}, {"delta_cycles", r.delta_cycles},
          {"stats", r.stats}};
}

OpRecord record_from_json(const nlohmann::json& j) {
  OpRecord r;
  j.at("duration_fs").get_to(r.duration_fs);
  j.at("start_offset_fs").get_to(r.start_offset_fs);
  j.at("tiles").get_to(r.tiles);
  j.at("engine_cycles").get_to(r.engine_cycles);
  j.at("hbm_bytes").get_to(r.hbm_bytes);
  j.at("sram_bytes").get_to(r.sram_bytes);
  j.at("energy_j").get_to(r.energy_j);
  j.at("static_pj").get_to(r.static_pj);
  j.at("throttled_s").get_to(r.throttled_s);
  j.at("peak_window_w").get_to(r.peak_window_w);
  j.at("delta_cycles").get_to(r.delta_cycles);
  j.at("stats").get_to(r.stats);
  return r;
}

nlohmann::json to_json(const StatsLayout& l) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : l.groups)
    groups.push_back({{"path", g.path}, {"kind", g.kind}, {"clock_mhz", g.clock_mhz}, {"names", g.names},
                      {"units", g.units}, {"descriptions", g.descriptions}});
  return groups;
}

StatsLayout layout_from_json(const nlohmann::json& j) {
  StatsLayout l;
  for (const auto& g : j) {
    StatsLayout::Group& out = l.groups.emplace_back();
    g.at("path").get_to(out.path);
    g.at("kind").get_to(out.kind);
    g.at("clock_mhz").get_to(out.clock_mhz);
    g.at("names").get_to(out.names);
    g.at("units").get_to(out.units);
    g.at("descriptions").get_to(out.descriptions);
    if (out.units.size() != out.names.size() || out.descriptions.size() != out.names.size())
      throw std::runtime_error("layout group lists differ in length");
  }
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
    OpRecord r = record_from_json(nlohmann::json::parse(*payload));
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
  if (!dir_.empty()) write_checked(record_path(config_key, hex_hash(op_key)), key, to_json(record).dump());
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
  if (!dir_.empty()) write_checked(record_path(config_key, "layout"), config_key, to_json(layout).dump());
  layouts_.insert_or_assign(config_key, std::move(layout));
}

}  // namespace tessera
