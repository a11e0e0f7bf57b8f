// Energy as an observer: a per-event energy table (from the chip's `power:` section) applied
// to the counters the units keep anyway (MACs, vector ops, bytes at each memory level, NoC
// link bytes, DRAM activates and refreshes), plus static power over time. No timing path calls
// into this; re-pricing an event never changes a cycle result. See docs/power.md.
//
// Equations, at operating point j with voltage V_j, nominal voltage V_0 and
// s = calibration.dynamic_energy_scale:
//   on-die event (MAC, vector op, scratchpad / SRAM byte, NoC byte-hop): e x s x (V_j / V_0)^2
//   DRAM data byte and activate:                                         e x s
//   DRAM refresh (background, not work):                                 e
//   static power of on-die kinds (matrix, vector, scratchpad, SRAM, NoC): P x (V_j / V_0)
//   static power of hbm (standby) and other (board):                     P
// Static power of a kind is shared evenly by its units; a kind without units in the run, and
// `other`, go to the "board" group that write_stats() adds, so the groups' energies sum to the
// total exactly.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/config/chip_config.h"
#include "base/stats/stats_registry.h"

namespace tessera {

/// Event energies (pJ) and static power (W) of one operating point, calibration applied.
struct EnergyTable {
  OperatingPoint point;
  double dynamic_scale = 1;  // (V / V_0)^2 for on-die events
  double leakage_scale = 1;  // V / V_0 for on-die static power
  std::array<double, 5> mac_pj{};  // by DataType
  double vector_add_mul_pj = 0, vector_exp_pj = 0, vector_reduce_pj = 0;
  double scratchpad_read_pj = 0, scratchpad_write_pj = 0;
  double sram_read_pj = 0, sram_write_pj = 0;
  double noc_byte_hop_pj = 0;
  double hbm_read_pj = 0, hbm_write_pj = 0, hbm_activate_pj = 0, hbm_refresh_pj = 0;
  double c2c_byte_pj = 0;
  StaticPowerConfig static_w;  // at this point's voltage
};

/// The table of operating point `index` of `chip.power.operating_points`.
EnergyTable energy_table(const ChipConfig& chip, std::uint32_t index);

/// Idle power (W) at operating point `index`: all static power plus DRAM refresh, which runs
/// whether or not there is work (hbm controllers x hbm_refresh_pj per tREFI).
double idle_power_w(const ChipConfig& chip, std::uint32_t index);

/// Energy added by one account() call.
struct EnergyDelta {
  double dynamic_pj = 0;  // work-proportional events
  double refresh_pj = 0;  // DRAM refresh
  double static_pj = 0;
  double total_pj() const { return dynamic_pj + refresh_pj + static_pj; }
};

/// Stat names the model writes into every group (write_stats()).
namespace energy_stats {
inline constexpr const char* kDynamic = "dynamic_energy_pj";
inline constexpr const char* kStatic = "static_energy_pj";
inline constexpr const char* kEnergy = "energy_pj";
}  // namespace energy_stats

/// Path and kind of the group write_stats() adds for power no unit accounts for.
inline constexpr const char* kBoardGroup = "chip.board";
inline constexpr const char* kBoardKind = "board";

class EnergyModel {
 public:
  /// Resolves the counters of every group in `stats` now; groups added later are not observed.
  EnergyModel(const ChipConfig& chip, const StatsRegistry& stats);

  /// Prices every counter increment since the previous call at operating point `point` and
  /// adds `seconds` of static power at that point. Returns what was added.
  EnergyDelta account(double seconds, std::uint32_t point);

  /// Writes dynamic_energy_pj, static_energy_pj and energy_pj into every observed group and
  /// adds the "chip.board" group (kind "board") holding static power no unit accounts for.
  /// Call once, after the last account().
  void write_stats(StatsRegistry& stats) const;

  /// What write_stats() would write now: (dynamic, static) pJ by group path, the board included.
  std::map<std::string, std::pair<double, double>> group_energies() const;

  double dynamic_pj() const { return dynamic_pj_; }  // refresh included
  double static_pj() const { return static_pj_; }
  double total_pj() const { return dynamic_pj_ + static_pj_; }
  /// Dynamic energy by unit kind ("matrix", "hbm", ...); DRAM refresh is under "hbm_refresh".
  const std::map<std::string, double>& dynamic_pj_by_kind() const { return by_kind_; }
  const EnergyTable& table(std::uint32_t point) const { return tables_.at(point); }

 private:
  enum class Event : std::uint8_t {
    mac_fp32, mac_bf16, mac_fp16, mac_fp8, mac_int8,
    vector_add_mul, vector_exp, vector_reduce,
    scratchpad_read, scratchpad_write, sram_read, sram_write, noc_byte_hop,
    hbm_read, hbm_write, hbm_activate, hbm_refresh, c2c_byte
  };
  struct Term {
    const Stat* stat;
    Event event;
    double last = 0;
  };
  struct Observed {
    StatGroup* group;  // the registry owns it; write_stats() adds the energy stats
    std::vector<Term> terms;
    std::size_t kind_index;  // into kinds_
    double dynamic_pj = 0, static_pj = 0;
  };
  static double price(const EnergyTable& t, Event e);
  static double static_w_of_kind(const EnergyTable& t, const std::string& kind);

  std::vector<EnergyTable> tables_;
  std::vector<Observed> observed_;
  std::vector<std::string> kinds_;
  std::vector<std::size_t> units_of_kind_;
  std::map<std::string, double> by_kind_;
  double board_static_pj_ = 0;
  double dynamic_pj_ = 0, static_pj_ = 0;
};

/// What one operator did, for splitting the run's energy over operators.
struct OpEnergyShare {
  double mac_pj = 0;        // MACs x pJ per MAC of its data type (GEMMs), at the nominal point
  double vector_cycles = 0; // vector-unit cycles (vector operators)
  double sram_bytes = 0;    // global-SRAM traffic (also weights scratchpad and NoC energy)
  double hbm_bytes = 0;
  double seconds = 0;       // end - start
};

/// Splits the model's energy over operators (joules each); the result sums to total_pj()
/// (docs/power.md, "Energy per operator"): each kind's dynamic energy in proportion to the
/// operator's share of that kind's work, refresh and static energy in proportion to duration.
/// A kind whose weights are all zero is split by duration too.
std::vector<double> attribute_energy_j(const EnergyModel& model, const std::vector<OpEnergyShare>& ops);

}  // namespace tessera
