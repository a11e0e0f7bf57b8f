// Chip description: plain structs mirroring configs/chips/*.yaml, filled and validated by
// load_chip_config() from the schema in chip_fields.cpp. Modules read only these structs, never raw YAML.
// Units are in the key names: *_mhz, *_bytes, *_cycles (cycles of the owning clock domain).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/types.h"

namespace tessera {

namespace config {
struct KeyInfo;
}

struct ClockConfig {
  double core_mhz = 0;  // cores: matrix engine, vector unit, scratchpad, DMA
  double noc_mhz = 0;   // on-chip network
  double sram_mhz = 0;  // global SRAM / L2
  // HBM runs on hbm.clock_mhz.
  bool operator==(const ClockConfig&) const = default;
};

struct MatrixEngineConfig {
  std::uint32_t count = 1;  // engines per core, each an independent rows x cols systolic array
  std::uint32_t rows = 0;
  std::uint32_t cols = 0;
  std::vector<Dataflow> dataflows;  // supported; the first is the default
  // MACs per cycle per engine for each supported data type. Must be a whole multiple p of
  // rows*cols: each PE then does p MACs per cycle along the reduction (K) dimension.
  std::map<DataType, std::uint64_t> macs_per_cycle;
  Bytes accumulator_bytes = 0;  // per engine, holds the fp32 partial sums of one output tile
  bool operator==(const MatrixEngineConfig&) const = default;
};

struct VectorUnitConfig {
  std::uint32_t lanes = 0;
  // Operations per lane per cycle for each class (fractions allowed: 0.25 = one op per lane every 4 cycles).
  double add_mul_per_lane = 0;
  double exp_per_lane = 0;
  double reduce_per_lane = 0;
  bool operator==(const VectorUnitConfig&) const = default;
};

struct ScratchpadConfig {
  Bytes bytes = 0;
  std::uint32_t banks = 0;
  std::uint32_t bytes_per_cycle_per_bank = 0;
  bool operator==(const ScratchpadConfig&) const = default;
};

struct DmaConfig {
  std::uint32_t max_outstanding = 0;  // packets in flight per DMA engine
  Bytes packet_bytes = 0;
  bool operator==(const DmaConfig&) const = default;
};

struct CoreConfig {
  std::uint32_t count = 0;  // identical cores in this group
  MatrixEngineConfig matrix;
  VectorUnitConfig vector;
  ScratchpadConfig scratchpad;
  DmaConfig dma;
  bool operator==(const CoreConfig&) const = default;
};

enum class NocTopology { mesh, ring, crossbar };
std::string_view to_string(NocTopology t);
std::optional<NocTopology> parse_noc_topology(std::string_view s);

struct NocConfig {
  NocTopology topology = NocTopology::mesh;
  std::uint32_t dim_x = 0, dim_y = 0;  // mesh: x*y routers; ring: x*y nodes in one ring; crossbar: ignored (1 switch)
  std::uint32_t link_bytes_per_cycle = 0;
  std::uint32_t hop_latency_cycles = 0;  // router + link traversal per hop
  bool operator==(const NocConfig&) const = default;
};

struct GlobalSramConfig {
  Bytes bytes = 0;
  std::uint32_t banks = 0;
  std::uint32_t bytes_per_cycle_per_bank = 0;
  std::uint32_t latency_cycles = 0;  // access latency in sram clock cycles
  bool operator==(const GlobalSramConfig&) const = default;
};

/// JEDEC timings in HBM command-clock cycles (tCK = 1 / hbm.clock_mhz).
struct HbmTimingConfig {
  std::uint32_t tRCD = 0, tRP = 0, tCL = 0, tWL = 0, tRAS = 0, tWR = 0, tRTP = 0;
  std::uint32_t tCCD_S = 0, tCCD_L = 0, tRRD = 0, tFAW = 0, tREFI = 0, tRFC = 0;
  std::uint32_t tRFCpb = 0;  // per-bank refresh cycle time; 0 = not given (all-bank refresh only)
  bool operator==(const HbmTimingConfig&) const = default;
};

/// How the controller refreshes: all banks at once every tREFI (REFab), or one bank at a time
/// every tREFI / banks (HBM3's REFpb), the others staying available.
enum class HbmRefresh { all_bank, per_bank };
std::string_view to_string(HbmRefresh r);

struct HbmConfig {
  std::uint32_t stacks = 0;
  std::uint32_t channels_per_stack = 0;
  std::uint32_t pseudo_channels_per_channel = 0;  // 1 = legacy mode; each pseudo-channel has its own controller
  std::uint32_t bank_groups = 0;                 // per pseudo-channel
  std::uint32_t banks_per_group = 0;
  std::uint32_t bus_width_bits = 0;              // per pseudo-channel
  double data_rate_gbps = 0;                     // per pin
  double clock_mhz = 0;                          // command clock; data_rate*1000/clock_mhz beats per clock
  std::uint32_t burst_length = 0;                // beats per column command
  Bytes row_bytes = 0;                           // page size per pseudo-channel
  double capacity_gib = 0;
  // Address bits above the interleave chunk, most significant first, e.g. "Ro-Ba-Bg-Co-Pc-Ch".
  // Fields: Ro row, Ba bank, Bg bank group, Co column chunk, Pc pseudo-channel, Ch channel (incl. stack).
  std::string address_mapping;
  Bytes interleave_bytes = 0;                    // contiguous bytes per channel before the next field
  std::uint32_t queue_depth = 0;                 // requests per controller queue
  HbmRefresh refresh = HbmRefresh::all_bank;
  HbmTimingConfig timing;
  bool operator==(const HbmConfig&) const = default;

  std::uint32_t controllers() const { return stacks * channels_per_stack * pseudo_channels_per_channel; }
  Bytes burst_bytes() const { return Bytes(bus_width_bits) * burst_length / 8; }
  /// Peak bandwidth of all controllers, bytes per second.
  double peak_bytes_per_second() const {
    return double(controllers()) * bus_width_bits / 8.0 * data_rate_gbps * 1e9;
  }
  std::uint32_t banks() const { return bank_groups * banks_per_group; }  // per pseudo-channel
  /// Data beats per command clock: data_rate_gbps * 1000 / clock_mhz (validated to be a whole number).
  std::uint32_t beats_per_clock() const;
};

/// One DVFS operating point: a core clock and the supply voltage it runs at.
struct OperatingPoint {
  double core_mhz = 0;
  double volts = 0;
  bool operator==(const OperatingPoint&) const = default;
};

struct ReadWriteEnergy {
  double read = 0;   // pJ per byte read
  double write = 0;  // pJ per byte written
  bool operator==(const ReadWriteEnergy&) const = default;
};

/// pJ per vector-unit operation, by operation class.
struct VectorEnergy {
  double add_mul = 0, exp = 0, reduce = 0;
  bool operator==(const VectorEnergy&) const = default;
};

/// Static power (leakage, clock tree at rest, standby, board) in watts at the nominal
/// operating point, by unit kind. It is drawn whether a unit works or waits; its sum plus HBM
/// refresh is the idle power. On-die kinds scale with V/V_nominal; hbm and other do not.
struct StaticPowerConfig {
  double matrix = 0, vector = 0, scratchpad = 0, global_sram = 0, noc = 0;
  double hbm = 0;    // DRAM standby (background) power, refresh excluded
  double other = 0;  // not attributed to a modelled unit: board, VRM losses, host and chip-to-chip PHYs, fans
  bool operator==(const StaticPowerConfig&) const = default;
  double total() const { return matrix + vector + scratchpad + global_sram + noc + hbm + other; }
};

/// Energy per event at the nominal operating point (docs/power.md), static power, DVFS
/// operating points and the power limit. The energy model reads it; no timing path does.
struct PowerConfig {
  std::map<DataType, double> pj_per_mac;  // every type a matrix engine supports
  VectorEnergy vector_pj_per_op;
  ReadWriteEnergy scratchpad_pj_per_byte;
  ReadWriteEnergy sram_pj_per_byte;       // global SRAM / L2 banks
  ReadWriteEnergy hbm_pj_per_byte;        // DRAM data movement incl. I/O, activation excluded
  double hbm_activate_pj = 0;             // one ACT and its PRE, per pseudo-channel row
  double hbm_refresh_pj = 0;              // one all-bank REF of one pseudo-channel
  double noc_pj_per_byte_hop = 0;         // one byte over one NoC link or crossbar port
  double c2c_pj_per_bit = 0;              // chip-to-chip links (multi-chip runs)
  StaticPowerConfig static_w;
  std::vector<OperatingPoint> operating_points;  // ascending core_mhz
  std::uint32_t nominal_point = 0;        // index of the point that clocks.core_mhz describes
  double tdp_w = 0;                       // power limit, W, averaged over throttle_window_us
  double throttle_window_us = 0;
  bool operator==(const PowerConfig&) const = default;

  const OperatingPoint& nominal() const { return operating_points.at(nominal_point); }
};

/// The few factors fitted on published measurements (docs/calibration.md). 1 = uncalibrated.
struct CalibrationConfig {
  double matrix_efficiency = 1;     // (0, 1]: matrix-engine tile cycles are stretched by 1 / this
  double hbm_efficiency = 1;        // (0, 1]: the DRAM runs at this fraction of its clock and data rate
  double dynamic_energy_scale = 1;  // > 0: multiplies every work-proportional event energy
  bool operator==(const CalibrationConfig&) const = default;
};

struct ChipConfig {
  std::string name;
  std::string description;
  ClockConfig clocks;
  std::vector<CoreConfig> cores;  // groups of identical cores
  NocConfig noc;
  GlobalSramConfig global_sram;
  HbmConfig hbm;
  PowerConfig power;
  CalibrationConfig calibration;
  bool operator==(const ChipConfig&) const = default;

  std::uint32_t total_cores() const;
  /// Peak dense MAC throughput of the whole chip for `t` (MACs per second); 0 if unsupported.
  double peak_macs_per_second(DataType t) const;
};

/// The minimal-tile rule the loader enforces on scratchpad.bytes: for each of the group's
/// matrix.count engines, double-buffered A and B input tiles of rows x cols elements of the widest
/// input type the engine supports (2 buffers x 2 operands x rows x cols x bytes) plus one fp32
/// output tile (rows x cols x 4 B).
Bytes min_scratchpad_bytes(const CoreConfig& core);

/// Names of the chips under configs/chips/ ($TESSERA_HOME first, then the source tree), sorted.
std::vector<std::string> shipped_chip_names();

/// Finds a chip: an existing path is used as is; otherwise NAME resolves to
/// configs/chips/NAME.yaml under $TESSERA_HOME or the source tree. Throws Error listing the shipped chips.
std::string resolve_chip_path(const std::string& name_or_path);

/// Loads, applies `overrides` ("key.path=value", e.g. "cores[0].matrix.rows=256" or
/// "cores[*].matrix.rows=256"), and validates. Errors name the file, the key path and what was expected.
ChipConfig load_chip_config(const std::string& name_or_path, const std::vector<std::string>& overrides = {});

/// Parses and validates an already-loaded YAML tree; `source` names it in errors.
ChipConfig parse_chip_config(const YAML::Node& root, const std::string& source);

/// The resolved config as YAML (what a result file records).
YAML::Node to_yaml(const ChipConfig& chip);

/// Every chip key (list elements as [*]) with its type, accepted values, unit and help, in file
/// order: what --list-keys prints.
std::vector<config::KeyInfo> chip_config_keys();

/// `doc` (docs/chip-config.md) with its generated key tables (between the BEGIN/END GENERATED
/// markers) rebuilt from the schema. Throws Error when a marker is missing.
std::string update_chip_config_doc(const std::string& doc);

}  // namespace tessera
