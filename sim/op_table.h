// The operator-timing table: what one operator costs on one chip, measured once by the
// cycle-level model and reused wherever the same operator meets the same starting state.
//
// Contract:
//  - A record is keyed by (resolved chip config and run options, tool version; the operator
//    before it; the operator itself). The predecessor stands for the state the operator
//    starts in: the global SRAM's contents and pending write-backs, open DRAM rows.
//  - With a cache directory, records persist as one JSON file each under
//    DIR/<config hash>/, written atomically (temporary file + rename), so concurrent
//    writers -- sweep workers, MPI ranks -- at worst write the same record twice. A file that
//    does not parse, whose checksum does not match or whose key differs is ignored (counted as
//    corrupt) and the record recomputed and rewritten.
//  - A record read from disk is bit-identical to the one that was written: numbers are stored
//    in JSON with round-trip precision.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera {

/// One operator's measurement, from the end of its predecessor (or time zero) to its own end.
struct OpRecord {
  std::uint64_t duration_fs = 0;
  std::uint64_t start_offset_fs = 0;  // from the predecessor's end to the first tile
  std::uint64_t tiles = 0;
  double engine_cycles = 0, hbm_bytes = 0, sram_bytes = 0;
  double energy_j = 0;       // the operator's share of the simulation's energy
  double static_pj = 0;      // of which static (static power x time)
  double throttled_s = 0;    // time below the requested operating point, the operator's share
  double peak_window_w = 0;  // highest throttle-window power seen in the simulation
  double delta_cycles = 0;   // SystemC delta cycles the measuring simulation took
  std::vector<std::vector<double>> stats;  // counter increments, stats[g][k] = group g, stat k
};

/// The units' statistics groups of one chip config, in registry order (names for OpRecord::stats).
struct StatsLayout {
  struct Group {
    std::string path, kind;
    double clock_mhz = 0;
    std::vector<std::string> names, units, descriptions;
  };
  std::vector<Group> groups;
};

struct OpTableCounts {
  std::uint64_t simulated = 0;  // records measured by a simulation in this process
  std::uint64_t reused = 0;     // lookups answered from memory
  std::uint64_t loaded = 0;     // records read from the cache directory
  std::uint64_t corrupt = 0;    // cache files ignored (unreadable, bad checksum, other key)
};

class OpTable {
 public:
  /// `cache_dir` empty: in memory only. Otherwise created if missing.
  explicit OpTable(std::string cache_dir = "");

  /// Starts (or stops, with "") persisting records under `cache_dir`, created if missing.
  void set_cache_dir(std::string cache_dir);

  /// The record for `op_key` under `config_key`, from memory or the cache directory.
  const OpRecord* find(const std::string& config_key, const std::string& op_key);
  /// Stores a freshly simulated record (and writes it to the cache directory).
  const OpRecord& insert(const std::string& config_key, const std::string& op_key, OpRecord record);

  const StatsLayout* layout(const std::string& config_key);
  void set_layout(const std::string& config_key, StatsLayout layout);

  const OpTableCounts& counts() const { return counts_; }
  const std::string& cache_dir() const { return dir_; }

 private:
  std::string record_path(const std::string& config_key, const std::string& name) const;
  std::optional<std::string> read_checked(const std::string& path, const std::string& key);
  void write_checked(const std::string& path, const std::string& key, const std::string& payload);

  std::string dir_;
  std::map<std::string, OpRecord> records_;   // by config_key + '\n' + op_key
  std::map<std::string, StatsLayout> layouts_;
  OpTableCounts counts_;
};

/// The process's table: what simulate() and OpTimer use when SimOptions::op_table is null, so
/// that every job in one process -- the chips of a compare, the points of a sweep worker, the
/// cases of validate -- shares its records. Single-threaded, like the SystemC kernel.
OpTable& shared_op_table();

}  // namespace tessera
