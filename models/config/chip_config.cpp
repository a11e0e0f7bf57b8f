// Longer than 600 lines: one reader per chip-config section, beside the writer that mirrors it.
// Loading, validating and writing back chip configs (configs/chips/*.yaml). The layout mirrors
// the structs in chip_config.h one to one; docs/chip-config.md is the schema table.
// Every key is required: there are no silent defaults, and unknown keys are errors.
#include "models/config/chip_config.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "base/version.h"
#include "base/config/config_tree.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// --- typed readers with range checks; `what` names the value and its unit ---

std::uint32_t count_at_least(ConfigReader& r, const std::string& key, std::uint32_t min, const std::string& what) {
  const std::string expected = fmt::format("an integer >= {} ({})", min, what);
  const auto v = r.required<std::uint32_t>(key, expected);
  if (v < min) r.fail_expected(key, expected);
  return v;
}

std::uint32_t pow2_count(ConfigReader& r, const std::string& key, const std::string& what) {
  const std::string expected = fmt::format("a power of two >= 1 ({})", what);
  const auto v = r.required<std::uint32_t>(key, expected);
  if (!is_pow2(v)) r.fail_expected(key, expected);
  return v;
}

double positive(ConfigReader& r, const std::string& key, const std::string& what) {
  const std::string expected = fmt::format("a number > 0 ({})", what);
  const double v = r.required<double>(key, expected);
  if (!(v > 0)) r.fail_expected(key, expected);
  return v;
}

double non_negative(ConfigReader& r, const std::string& key, const std::string& what) {
  const std::string expected = fmt::format("a number >= 0 ({})", what);
  const double v = r.required<double>(key, expected);
  if (!(v >= 0) || !std::isfinite(v)) r.fail_expected(key, expected);
  return v;
}

Bytes positive_bytes(ConfigReader& r, const std::string& key, const std::string& what) {
  const std::string expected = fmt::format("a size > 0 ({})", what);
  const Bytes v = r.bytes(key, expected);
  if (v == 0) r.fail_expected(key, expected);
  return v;
}

Bytes pow2_bytes(ConfigReader& r, const std::string& key, const std::string& what) {
  const std::string expected = fmt::format("a power of two ({})", what);
  const Bytes v = r.bytes(key, expected);
  if (!is_pow2(v)) r.fail_expected(key, expected);
  return v;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// --- sections ---

ClockConfig parse_clocks(ConfigReader r) {
  ClockConfig c;
  c.core_mhz = positive(r, "core_mhz", "core clock in MHz");
  c.noc_mhz = positive(r, "noc_mhz", "on-chip network clock in MHz");
  c.sram_mhz = positive(r, "sram_mhz", "global SRAM clock in MHz");
  r.finish();
  return c;
}

MatrixEngineConfig parse_matrix(ConfigReader r) {
  MatrixEngineConfig m;
  m.count = count_at_least(r, "count", 1, "matrix engines per core");
  m.rows = count_at_least(r, "rows", 1, "systolic array rows");
  m.cols = count_at_least(r, "cols", 1, "systolic array columns");

  const std::string df_expected = "a non-empty list of dataflows, each one of ws, os, is";
  const auto names = r.string_list("dataflows", df_expected);
  if (names.empty()) r.fail_expected("dataflows", df_expected);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto d = parse_dataflow(names[i]);
    if (!d)
      r.fail("dataflows", fmt::format("expected {}, got '{}' at index {} (ws = weight-stationary, os = "
                                      "output-stationary, is = input-stationary)",
                                      df_expected, names[i], i));
    if (std::find(m.dataflows.begin(), m.dataflows.end(), *d) != m.dataflows.end())
      r.fail("dataflows", fmt::format("expected {} without repeats, got '{}' twice", df_expected, names[i]));
    m.dataflows.push_back(*d);
  }

  {
    ConfigReader macs = r.child("macs_per_cycle");
    const std::uint64_t pes = std::uint64_t(m.rows) * m.cols;
    std::vector<std::string> types;
    for (DataType t : kAllDataTypes) types.emplace_back(to_string(t));
    for (const auto& kv : macs.node()) {
      const std::string key = kv.first.Scalar();
      const auto t = parse_data_type(key);
      if (!t) {
        const auto near = did_you_mean(key, types);
        macs.fail(key, fmt::format("unknown data type '{}'{}; expected one of: {}", key,
                                   near ? fmt::format(" (did you mean '{}'?)", *near) : "", join(types)));
      }
      const std::string expected = fmt::format(
          "MACs per cycle per engine: a whole multiple p >= 1 of rows x cols = {} (each PE does p MACs per "
          "cycle); leave out unsupported types",
          pes);
      const auto v = macs.required<std::uint64_t>(key, expected);
      if (v == 0 || v % pes != 0) macs.fail_expected(key, expected);
      m.macs_per_cycle[*t] = v;
    }
    if (m.macs_per_cycle.empty())
      r.fail("macs_per_cycle",
             fmt::format("expected at least one entry <data type>: <MACs per cycle>, data types: {}, got an empty map",
                         join(types)));
    macs.finish();
  }

  {
    const Bytes min_acc = std::uint64_t(m.rows) * m.cols * 4;
    const std::string expected =
        fmt::format("a size >= rows x cols x 4 B = {} (one fp32 output tile per engine)", min_acc);
    m.accumulator_bytes = r.bytes("accumulator_bytes", expected);
    if (m.accumulator_bytes < min_acc) r.fail_expected("accumulator_bytes", expected);
  }
  r.finish();
  return m;
}

VectorUnitConfig parse_vector(ConfigReader r) {
  VectorUnitConfig v;
  v.lanes = count_at_least(r, "lanes", 1, "vector lanes");
  v.add_mul_per_lane = positive(r, "add_mul_per_lane", "add/mul/FMA ops per lane per cycle");
  v.exp_per_lane = positive(r, "exp_per_lane", "exp/transcendental ops per lane per cycle");
  v.reduce_per_lane = positive(r, "reduce_per_lane", "reduction ops per lane per cycle");
  r.finish();
  return v;
}

ScratchpadConfig parse_scratchpad(ConfigReader r) {
  ScratchpadConfig s;
  s.bytes = positive_bytes(r, "bytes", "scratchpad capacity per core");
  s.banks = pow2_count(r, "banks", "scratchpad banks");
  s.bytes_per_cycle_per_bank = count_at_least(r, "bytes_per_cycle_per_bank", 1, "bytes per core cycle per bank");
  if (s.bytes % s.banks != 0)
    r.fail("bytes", fmt::format("expected a whole multiple of banks ({}) so that banks are equal, got {}", s.banks,
                                s.bytes));
  r.finish();
  return s;
}

DmaConfig parse_dma(ConfigReader r) {
  DmaConfig d;
  d.max_outstanding = count_at_least(r, "max_outstanding", 1, "packets in flight per DMA engine");
  d.packet_bytes = positive_bytes(r, "packet_bytes", "bytes per DMA packet");
  r.finish();
  return d;
}

CoreConfig parse_core(ConfigReader r) {
  CoreConfig c;
  c.count = count_at_least(r, "count", 1, "identical cores in this group");
  c.matrix = parse_matrix(r.child("matrix"));
  c.vector = parse_vector(r.child("vector"));
  ConfigReader sp = r.child("scratchpad");
  c.scratchpad = parse_scratchpad(sp);
  const Bytes min_sp = min_scratchpad_bytes(c);
  if (c.scratchpad.bytes < min_sp) {
    Bytes widest = 0;
    for (const auto& [t, macs] : c.matrix.macs_per_cycle) widest = std::max(widest, bytes_per_element(t));
    sp.fail("bytes",
            fmt::format("expected at least {} bytes: one double-buffered minimal tile per matrix engine = "
                        "count {} x (2 buffers x 2 operands x rows {} x cols {} x {} B widest input type + "
                        "rows x cols x 4 B fp32 output tile), got {}",
                        min_sp, c.matrix.count, c.matrix.rows, c.matrix.cols, widest, c.scratchpad.bytes));
  }
  ConfigReader dma = r.child("dma");
  c.dma = parse_dma(dma);
  if (c.dma.packet_bytes > c.scratchpad.bytes)
    dma.fail("packet_bytes", fmt::format("expected a size <= scratchpad.bytes ({}), got {}", c.scratchpad.bytes,
                                         c.dma.packet_bytes));
  r.finish();
  return c;
}

NocConfig parse_noc(ConfigReader r) {
  NocConfig n;
  {
    const std::string expected = "one of mesh, ring, crossbar";
    const auto name = r.required<std::string>("topology", expected);
    const auto t = parse_noc_topology(name);
    if (!t) r.fail_expected("topology", expected);
    n.topology = *t;
  }
  n.dim_x = count_at_least(r, "dim_x", 1, "routers along x (mesh), ring nodes factor (ring), 1 for crossbar");
  n.dim_y = count_at_least(r, "dim_y", 1, "routers along y (mesh), ring nodes factor (ring), 1 for crossbar");
  if (n.topology == NocTopology::crossbar) {
    // A crossbar is one switch; dims would have no effect, so anything but 1 x 1 is a mistake.
    if (n.dim_x != 1) r.fail("dim_x", fmt::format("expected 1 for a crossbar (one switch), got {}", n.dim_x));
    if (n.dim_y != 1) r.fail("dim_y", fmt::format("expected 1 for a crossbar (one switch), got {}", n.dim_y));
  }
  n.link_bytes_per_cycle = count_at_least(r, "link_bytes_per_cycle", 1, "bytes per NoC cycle per link and direction");
  n.hop_latency_cycles = count_at_least(r, "hop_latency_cycles", 1, "router + link NoC cycles per hop");
  r.finish();
  return n;
}

GlobalSramConfig parse_global_sram(ConfigReader r) {
  GlobalSramConfig g;
  g.bytes = positive_bytes(r, "bytes", "global SRAM / L2 capacity");
  g.banks = pow2_count(r, "banks", "global SRAM banks");
  g.bytes_per_cycle_per_bank = count_at_least(r, "bytes_per_cycle_per_bank", 1, "bytes per SRAM cycle per bank");
  g.latency_cycles = count_at_least(r, "latency_cycles", 1, "access latency in SRAM cycles");
  if (g.bytes % g.banks != 0)
    r.fail("bytes", fmt::format("expected a whole multiple of banks ({}) so that banks are equal, got {}", g.banks,
                                g.bytes));
  r.finish();
  return g;
}

void check_address_mapping(ConfigReader& r, const std::string& mapping) {
  const std::string expected =
      "the six fields Ro, Ba, Bg, Co, Pc, Ch, each once, most significant first, joined by '-' "
      "(e.g. Ro-Ba-Co-Bg-Pc-Ch)";
  static const std::set<std::string> kFields = {"Ro", "Ba", "Bg", "Co", "Pc", "Ch"};
  std::set<std::string> seen;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = mapping.find('-', start);
    const std::string field = mapping.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
    if (!kFields.count(field) || !seen.insert(field).second) r.fail_expected("address_mapping", expected);
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  if (seen.size() != kFields.size()) r.fail_expected("address_mapping", expected);
}

HbmTimingConfig parse_timing(ConfigReader r) {
  HbmTimingConfig t;
  auto cyc = [&](const char* key, const char* what) {
    return count_at_least(r, key, 1, fmt::format("{}, in HBM command-clock cycles", what));
  };
  t.tRCD = cyc("tRCD", "activate to read/write");
  t.tRP = cyc("tRP", "precharge to activate");
  t.tCL = cyc("tCL", "read command to first data");
  t.tWL = cyc("tWL", "write command to first data");
  t.tRAS = cyc("tRAS", "activate to precharge");
  t.tWR = cyc("tWR", "end of write data to precharge");
  t.tRTP = cyc("tRTP", "read to precharge");
  t.tCCD_S = cyc("tCCD_S", "column to column, different bank group");
  t.tCCD_L = cyc("tCCD_L", "column to column, same bank group");
  t.tRRD = cyc("tRRD", "activate to activate, different banks");
  t.tFAW = cyc("tFAW", "window for four activates");
  t.tREFI = cyc("tREFI", "average refresh interval");
  t.tRFC = cyc("tRFC", "all-bank refresh cycle time");
  if (t.tRAS < t.tRCD)
    r.fail("tRAS", fmt::format("expected >= tRCD ({}): a row stays open at least until its first column "
                               "command, got {}",
                               t.tRCD, t.tRAS));
  if (t.tCCD_L < t.tCCD_S)
    r.fail("tCCD_L", fmt::format("expected >= tCCD_S ({}), got {}", t.tCCD_S, t.tCCD_L));
  if (t.tFAW < t.tRRD) r.fail("tFAW", fmt::format("expected >= tRRD ({}), got {}", t.tRRD, t.tFAW));
  if (t.tREFI <= t.tRFC)
    r.fail("tREFI", fmt::format("expected > tRFC ({}): otherwise the device would refresh all the time, got {}",
                                t.tRFC, t.tREFI));
  r.finish();
  return t;
}

HbmConfig parse_hbm(ConfigReader r) {
  HbmConfig h;
  h.stacks = count_at_least(r, "stacks", 1, "HBM stacks (or DRAM packages)");
  h.channels_per_stack = pow2_count(r, "channels_per_stack", "channels per stack");
  h.pseudo_channels_per_channel = pow2_count(r, "pseudo_channels_per_channel", "pseudo-channels per channel, 1 = legacy mode");
  h.bank_groups = pow2_count(r, "bank_groups", "bank groups per pseudo-channel");
  h.banks_per_group = pow2_count(r, "banks_per_group", "banks per bank group");
  {
    const std::string expected = "a multiple of 8 >= 8 (data bits per pseudo-channel)";
    h.bus_width_bits = r.required<std::uint32_t>("bus_width_bits", expected);
    if (h.bus_width_bits == 0 || h.bus_width_bits % 8 != 0) r.fail_expected("bus_width_bits", expected);
  }
  h.data_rate_gbps = positive(r, "data_rate_gbps", "data rate per pin in Gb/s");
  h.clock_mhz = positive(r, "clock_mhz", "HBM command clock in MHz");
  {
    const double beats = h.data_rate_gbps * 1000.0 / h.clock_mhz;
    const double whole = std::round(beats);
    if (whole < 1 || std::abs(beats - whole) > 1e-9 * beats)
      r.fail("clock_mhz", fmt::format("expected a clock that makes data_rate_gbps x 1000 / clock_mhz a whole number "
                                      "of beats per clock (e.g. {} MHz for 2 beats, {} MHz for 4), got {} "
                                      "({} beats per clock)",
                                      h.data_rate_gbps * 500.0, h.data_rate_gbps * 250.0, h.clock_mhz, beats));
  }
  h.burst_length = count_at_least(r, "burst_length", 1, "beats per column command");
  if (h.burst_length % h.beats_per_clock() != 0)
    r.fail("burst_length", fmt::format("expected a whole multiple of the {} beats per clock (data_rate_gbps x 1000 / "
                                       "clock_mhz), so that a burst lasts whole clocks, got {}",
                                       h.beats_per_clock(), h.burst_length));
  h.row_bytes = pow2_bytes(r, "row_bytes", "row (page) size per pseudo-channel");
  if (h.row_bytes % h.burst_bytes() != 0)
    r.fail("row_bytes", fmt::format("expected a whole multiple of the burst (bus_width_bits x burst_length / 8 = {} "
                                    "B), got {}",
                                    h.burst_bytes(), h.row_bytes));
  h.capacity_gib = positive(r, "capacity_gib", "total DRAM capacity in GiB (2^30 bytes)");
  {
    const double bytes = h.capacity_gib * double(1ull << 30);
    const double per_row_set = double(h.controllers()) * h.banks() * double(h.row_bytes);
    const double rows = bytes / per_row_set;
    if (rows < 1 || rows != std::floor(rows))
      r.fail("capacity_gib",
             fmt::format("expected a capacity that gives a whole number >= 1 of rows per bank: capacity / "
                         "(controllers {} x banks {} x row_bytes {}), got {} ({} rows per bank)",
                         h.controllers(), h.banks(), h.row_bytes, h.capacity_gib, rows));
  }
  h.address_mapping = r.required<std::string>("address_mapping", "an address mapping string");
  check_address_mapping(r, h.address_mapping);
  h.interleave_bytes = pow2_bytes(r, "interleave_bytes", "contiguous bytes per channel");
  if (h.interleave_bytes % h.burst_bytes() != 0 || h.interleave_bytes > h.row_bytes)
    r.fail("interleave_bytes", fmt::format("expected a whole multiple of the burst ({} B) and at most row_bytes ({}), "
                                           "got {}",
                                           h.burst_bytes(), h.row_bytes, h.interleave_bytes));
  h.queue_depth = count_at_least(r, "queue_depth", 1, "requests per controller queue");
  h.timing = parse_timing(r.child("timing"));
  r.finish();
  return h;
}

ReadWriteEnergy parse_read_write(ConfigReader r, const std::string& what) {
  ReadWriteEnergy e;
  e.read = non_negative(r, "read", fmt::format("pJ per byte read {}", what));
  e.write = non_negative(r, "write", fmt::format("pJ per byte written {}", what));
  r.finish();
  return e;
}

VectorEnergy parse_vector_energy(ConfigReader r) {
  VectorEnergy e;
  e.add_mul = non_negative(r, "add_mul", "pJ per vector add/multiply/FMA operation");
  e.exp = non_negative(r, "exp", "pJ per vector exp/transcendental operation");
  e.reduce = non_negative(r, "reduce", "pJ per vector reduction operation");
  r.finish();
  return e;
}

StaticPowerConfig parse_static_power(ConfigReader r) {
  StaticPowerConfig s;
  s.matrix = non_negative(r, "matrix", "W of static power of all matrix engines at the nominal voltage");
  s.vector = non_negative(r, "vector", "W of static power of all vector units");
  s.scratchpad = non_negative(r, "scratchpad", "W of static power of all scratchpads");
  s.global_sram = non_negative(r, "global_sram", "W of static power of the global SRAM");
  s.noc = non_negative(r, "noc", "W of static power of the on-chip network");
  s.hbm = non_negative(r, "hbm", "W of DRAM standby power, refresh excluded");
  s.other = non_negative(r, "other", "W not attributed to a modelled unit (board, regulators, PHYs)");
  r.finish();
  return s;
}

// `chip` holds the sections parsed so far (clocks, cores, hbm): the power section must cover
// every data type the matrix engines support and its nominal point must match clocks.core_mhz.
PowerConfig parse_power(ConfigReader r, const ChipConfig& chip) {
  PowerConfig p;
  std::set<DataType> used;
  for (const auto& g : chip.cores)
    for (const auto& [t, macs] : g.matrix.macs_per_cycle) used.insert(t);
  {
    ConfigReader macs = r.child("pj_per_mac");
    std::vector<std::string> types;
    for (DataType t : kAllDataTypes) types.emplace_back(to_string(t));
    for (const auto& kv : macs.node()) {
      const std::string key = kv.first.Scalar();
      const auto t = parse_data_type(key);
      if (!t) {
        const auto near = did_you_mean(key, types);
        macs.fail(key, fmt::format("unknown data type '{}'{}; expected one of: {}", key,
                                   near ? fmt::format(" (did you mean '{}'?)", *near) : "", join(types)));
      }
      p.pj_per_mac[*t] = non_negative(macs, key, "pJ per multiply-accumulate of this data type");
    }
    for (DataType t : used)
      if (!p.pj_per_mac.count(t))
        macs.fail_expected(std::string(to_string(t)),
                           "a number >= 0 (pJ per MAC): every data type in a matrix engine's macs_per_cycle needs "
                           "an energy");
    macs.finish();
  }
  p.vector_pj_per_op = parse_vector_energy(r.child("vector_pj_per_op"));
  p.scratchpad_pj_per_byte = parse_read_write(r.child("scratchpad_pj_per_byte"), "at a core's scratchpad");
  p.sram_pj_per_byte = parse_read_write(r.child("sram_pj_per_byte"), "at the global SRAM banks");
  p.hbm_pj_per_byte = parse_read_write(r.child("hbm_pj_per_byte"), "at DRAM, I/O included, activation excluded");
  p.hbm_activate_pj = non_negative(r, "hbm_activate_pj", "pJ per DRAM row activation, its precharge included");
  p.hbm_refresh_pj = non_negative(r, "hbm_refresh_pj", "pJ per all-bank refresh of one pseudo-channel");
  p.noc_pj_per_byte_hop = non_negative(r, "noc_pj_per_byte_hop", "pJ per byte per NoC link or crossbar port");
  p.c2c_pj_per_bit = non_negative(r, "c2c_pj_per_bit", "pJ per bit on a chip-to-chip link");
  p.static_w = parse_static_power(r.child("static_w"));

  const auto points = r.children("operating_points");
  if (points.empty()) r.fail_expected("operating_points", "a non-empty list of {core_mhz, volts} points");
  for (auto pr : points) {
    OperatingPoint op;
    op.core_mhz = positive(pr, "core_mhz", "core clock of this operating point in MHz");
    op.volts = positive(pr, "volts", "supply voltage of this operating point in V");
    pr.finish();
    if (!p.operating_points.empty()) {
      const OperatingPoint& prev = p.operating_points.back();
      if (op.core_mhz <= prev.core_mhz)
        pr.fail("core_mhz", fmt::format("expected points in ascending order of clock: above the previous point's "
                                        "{} MHz, got {}",
                                        prev.core_mhz, op.core_mhz));
      if (op.volts < prev.volts)
        pr.fail("volts", fmt::format("expected a voltage not below the previous (slower) point's {} V, got {}",
                                     prev.volts, op.volts));
    }
    p.operating_points.push_back(op);
  }
  {
    const std::string expected = fmt::format("an index into operating_points, 0 .. {}, of the point whose core_mhz "
                                             "equals clocks.core_mhz ({})",
                                             p.operating_points.size() - 1, chip.clocks.core_mhz);
    p.nominal_point = r.required<std::uint32_t>("nominal_point", expected);
    if (p.nominal_point >= p.operating_points.size() ||
        p.operating_points[p.nominal_point].core_mhz != chip.clocks.core_mhz)
      r.fail_expected("nominal_point", expected);
  }
  p.tdp_w = positive(r, "tdp_w", "power limit in W");
  if (p.static_w.total() >= p.tdp_w)
    r.fail("tdp_w", fmt::format("expected a limit above the idle power (static_w sums to {} W), got {}",
                                p.static_w.total(), p.tdp_w));
  p.throttle_window_us = positive(r, "throttle_window_us", "window over which average power is held to tdp_w, us");
  r.finish();
  return p;
}

CalibrationConfig parse_calibration(ConfigReader r) {
  CalibrationConfig c;
  auto fraction = [&](const char* key, const char* what) {
    const std::string expected = fmt::format("a number in (0, 1] ({})", what);
    const double v = r.required<double>(key, expected);
    if (!(v > 0 && v <= 1)) r.fail_expected(key, expected);
    return v;
  };
  c.matrix_efficiency = fraction("matrix_efficiency", "achieved fraction of the matrix engines' dataflow timing");
  c.hbm_efficiency = fraction("hbm_efficiency", "fraction of the DRAM clock and data rate achieved");
  c.dynamic_energy_scale = positive(r, "dynamic_energy_scale", "multiplier on every work-proportional event energy");
  r.finish();
  return c;
}

// --- writing back ---

// Numbers are written in their shortest form that reads back to the same value.
template <class T> YAML::Node num(T v) { return YAML::Node(fmt::format("{}", v)); }

YAML::Node flow_list(const std::vector<std::string>& items) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (const auto& s : items) n.push_back(s);
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

std::vector<fs::path> chip_dirs() {
  std::vector<fs::path> dirs;
  if (const char* home = std::getenv("TESSERA_HOME"); home && *home) dirs.push_back(fs::path(home) / "configs" / "chips");
  dirs.push_back(fs::path(kSourceDir) / "configs" / "chips");
  return dirs;
}

}  // namespace

// --- public ---

std::string_view to_string(NocTopology t) {
  switch (t) {
    case NocTopology::mesh: return "mesh";
    case NocTopology::ring: return "ring";
    case NocTopology::crossbar: return "crossbar";
  }
  return "?";
}

std::optional<NocTopology> parse_noc_topology(std::string_view s) {
  if (s == "mesh") return NocTopology::mesh;
  if (s == "ring") return NocTopology::ring;
  if (s == "crossbar") return NocTopology::crossbar;
  return std::nullopt;
}

std::uint32_t HbmConfig::beats_per_clock() const {
  return clock_mhz > 0 ? static_cast<std::uint32_t>(std::lround(data_rate_gbps * 1000.0 / clock_mhz)) : 0;
}

std::uint32_t ChipConfig::total_cores() const {
  std::uint32_t n = 0;
  for (const auto& g : cores) n += g.count;
  return n;
}

double ChipConfig::peak_macs_per_second(DataType t) const {
  double total = 0;
  for (const auto& g : cores) {
    auto it = g.matrix.macs_per_cycle.find(t);
    if (it == g.matrix.macs_per_cycle.end()) continue;
    total += double(g.count) * g.matrix.count * double(it->second) * clocks.core_mhz * 1e6;
  }
  return total;
}

Bytes min_scratchpad_bytes(const CoreConfig& core) {
  Bytes widest = 0;
  for (const auto& [t, macs] : core.matrix.macs_per_cycle) widest = std::max(widest, bytes_per_element(t));
  const Bytes pes = Bytes(core.matrix.rows) * core.matrix.cols;
  return Bytes(core.matrix.count) * (2 * 2 * pes * widest + pes * 4);
}

std::vector<std::string> shipped_chip_names() {
  std::set<std::string> names;
  for (const auto& dir : chip_dirs()) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".yaml") names.insert(e.path().stem().string());
  }
  return {names.begin(), names.end()};
}

std::string resolve_chip_path(const std::string& name_or_path) {
  std::error_code ec;
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               fs::path(name_or_path).extension() == ".yaml" ||
                               fs::path(name_or_path).extension() == ".yml";
  if (looks_like_path) throw Error(fmt::format("{}: no such chip config file", name_or_path));
  for (const auto& dir : chip_dirs()) {
    const fs::path p = dir / (name_or_path + ".yaml");
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  const auto names = shipped_chip_names();
  const auto near = did_you_mean(name_or_path, names);
  throw Error(fmt::format("unknown chip '{}': not a file, and no configs/chips/{}.yaml under $TESSERA_HOME or the "
                          "source tree{}; shipped chips: {}",
                          name_or_path, name_or_path, near ? fmt::format(" (did you mean '{}'?)", *near) : "",
                          names.empty() ? "(none found)" : join(names)));
}

ChipConfig load_chip_config(const std::string& name_or_path, const std::vector<std::string>& overrides) {
  const std::string path = resolve_chip_path(name_or_path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(fmt::format("{}: cannot open the chip config file", path));
  } catch (const YAML::ParserException& e) {
    throw Error(fmt::format("{}:{}:{}: YAML syntax error: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  for (const auto& o : overrides) apply_override(root, o, path);
  return parse_chip_config(root, path);
}

ChipConfig parse_chip_config(const YAML::Node& root, const std::string& source) {
  if (!root.IsMap())
    throw Error(fmt::format("{}: (top level): expected a map of chip settings (name, description, clocks, cores, "
                            "noc, global_sram, hbm, power, calibration), got {}",
                            source, root.IsNull() || !root.IsDefined() ? "an empty document" : "something else"));
  try {
    ConfigReader r(root, source);
    ChipConfig c;
    c.name = r.required<std::string>("name", "a chip name (string)");
    if (c.name.empty()) r.fail_expected("name", "a non-empty chip name");
    c.description = r.required<std::string>("description", "a one-line description (string)");
    c.clocks = parse_clocks(r.child("clocks"));
    const auto groups = r.children("cores");
    if (groups.empty()) r.fail_expected("cores", "a non-empty list of core groups");
    for (const auto& g : groups) c.cores.push_back(parse_core(g));
    c.noc = parse_noc(r.child("noc"));
    c.global_sram = parse_global_sram(r.child("global_sram"));
    c.hbm = parse_hbm(r.child("hbm"));
    c.power = parse_power(r.child("power"), c);
    c.calibration = parse_calibration(r.child("calibration"));
    r.finish();
    return c;
  } catch (const YAML::Exception& e) {
    // Defensive: the readers never use yaml-cpp conversions, but no yaml-cpp exception may escape.
    throw Error(fmt::format("{}: malformed config: {}", source, e.what()));
  }
}

YAML::Node to_yaml(const ChipConfig& chip) {
  YAML::Node root(YAML::NodeType::Map);
  root["name"] = chip.name;
  root["description"] = chip.description;
  YAML::Node clocks(YAML::NodeType::Map);
  clocks["core_mhz"] = num(chip.clocks.core_mhz);
  clocks["noc_mhz"] = num(chip.clocks.noc_mhz);
  clocks["sram_mhz"] = num(chip.clocks.sram_mhz);
  root["clocks"] = clocks;

  YAML::Node cores(YAML::NodeType::Sequence);
  for (const auto& g : chip.cores) {
    YAML::Node core(YAML::NodeType::Map);
    core["count"] = num(g.count);
    YAML::Node m(YAML::NodeType::Map);
    m["count"] = num(g.matrix.count);
    m["rows"] = num(g.matrix.rows);
    m["cols"] = num(g.matrix.cols);
    std::vector<std::string> dfs;
    for (Dataflow d : g.matrix.dataflows) dfs.emplace_back(to_string(d));
    m["dataflows"] = flow_list(dfs);
    YAML::Node macs(YAML::NodeType::Map);
    for (DataType t : kAllDataTypes)
      if (auto it = g.matrix.macs_per_cycle.find(t); it != g.matrix.macs_per_cycle.end())
        macs[std::string(to_string(t))] = num(it->second);
    m["macs_per_cycle"] = macs;
    m["accumulator_bytes"] = num(g.matrix.accumulator_bytes);
    core["matrix"] = m;
    YAML::Node v(YAML::NodeType::Map);
    v["lanes"] = num(g.vector.lanes);
    v["add_mul_per_lane"] = num(g.vector.add_mul_per_lane);
    v["exp_per_lane"] = num(g.vector.exp_per_lane);
    v["reduce_per_lane"] = num(g.vector.reduce_per_lane);
    core["vector"] = v;
    YAML::Node sp(YAML::NodeType::Map);
    sp["bytes"] = num(g.scratchpad.bytes);
    sp["banks"] = num(g.scratchpad.banks);
    sp["bytes_per_cycle_per_bank"] = num(g.scratchpad.bytes_per_cycle_per_bank);
    core["scratchpad"] = sp;
    YAML::Node dma(YAML::NodeType::Map);
    dma["max_outstanding"] = num(g.dma.max_outstanding);
    dma["packet_bytes"] = num(g.dma.packet_bytes);
    core["dma"] = dma;
    cores.push_back(core);
  }
  root["cores"] = cores;

  YAML::Node noc(YAML::NodeType::Map);
  noc["topology"] = std::string(to_string(chip.noc.topology));
  noc["dim_x"] = num(chip.noc.dim_x);
  noc["dim_y"] = num(chip.noc.dim_y);
  noc["link_bytes_per_cycle"] = num(chip.noc.link_bytes_per_cycle);
  noc["hop_latency_cycles"] = num(chip.noc.hop_latency_cycles);
  root["noc"] = noc;

  YAML::Node gs(YAML::NodeType::Map);
  gs["bytes"] = num(chip.global_sram.bytes);
  gs["banks"] = num(chip.global_sram.banks);
  gs["bytes_per_cycle_per_bank"] = num(chip.global_sram.bytes_per_cycle_per_bank);
  gs["latency_cycles"] = num(chip.global_sram.latency_cycles);
  root["global_sram"] = gs;

  const HbmConfig& h = chip.hbm;
  YAML::Node hbm(YAML::NodeType::Map);
  hbm["stacks"] = num(h.stacks);
  hbm["channels_per_stack"] = num(h.channels_per_stack);
  hbm["pseudo_channels_per_channel"] = num(h.pseudo_channels_per_channel);
  hbm["bank_groups"] = num(h.bank_groups);
  hbm["banks_per_group"] = num(h.banks_per_group);
  hbm["bus_width_bits"] = num(h.bus_width_bits);
  hbm["data_rate_gbps"] = num(h.data_rate_gbps);
  hbm["clock_mhz"] = num(h.clock_mhz);
  hbm["burst_length"] = num(h.burst_length);
  hbm["row_bytes"] = num(h.row_bytes);
  hbm["capacity_gib"] = num(h.capacity_gib);
  hbm["address_mapping"] = h.address_mapping;
  hbm["interleave_bytes"] = num(h.interleave_bytes);
  hbm["queue_depth"] = num(h.queue_depth);
  YAML::Node t(YAML::NodeType::Map);
  const HbmTimingConfig& tm = h.timing;
  t["tRCD"] = num(tm.tRCD);
  t["tRP"] = num(tm.tRP);
  t["tCL"] = num(tm.tCL);
  t["tWL"] = num(tm.tWL);
  t["tRAS"] = num(tm.tRAS);
  t["tWR"] = num(tm.tWR);
  t["tRTP"] = num(tm.tRTP);
  t["tCCD_S"] = num(tm.tCCD_S);
  t["tCCD_L"] = num(tm.tCCD_L);
  t["tRRD"] = num(tm.tRRD);
  t["tFAW"] = num(tm.tFAW);
  t["tREFI"] = num(tm.tREFI);
  t["tRFC"] = num(tm.tRFC);
  hbm["timing"] = t;
  root["hbm"] = hbm;

  const PowerConfig& p = chip.power;
  YAML::Node power(YAML::NodeType::Map);
  YAML::Node pj_mac(YAML::NodeType::Map);
  for (DataType dt : kAllDataTypes)
    if (auto it = p.pj_per_mac.find(dt); it != p.pj_per_mac.end()) pj_mac[std::string(to_string(dt))] = num(it->second);
  power["pj_per_mac"] = pj_mac;
  YAML::Node vec(YAML::NodeType::Map);
  vec["add_mul"] = num(p.vector_pj_per_op.add_mul);
  vec["exp"] = num(p.vector_pj_per_op.exp);
  vec["reduce"] = num(p.vector_pj_per_op.reduce);
  power["vector_pj_per_op"] = vec;
  auto rw = [](const ReadWriteEnergy& e) {
    YAML::Node n(YAML::NodeType::Map);
    n["read"] = num(e.read);
    n["write"] = num(e.write);
    return n;
  };
  power["scratchpad_pj_per_byte"] = rw(p.scratchpad_pj_per_byte);
  power["sram_pj_per_byte"] = rw(p.sram_pj_per_byte);
  power["hbm_pj_per_byte"] = rw(p.hbm_pj_per_byte);
  power["hbm_activate_pj"] = num(p.hbm_activate_pj);
  power["hbm_refresh_pj"] = num(p.hbm_refresh_pj);
  power["noc_pj_per_byte_hop"] = num(p.noc_pj_per_byte_hop);
  power["c2c_pj_per_bit"] = num(p.c2c_pj_per_bit);
  YAML::Node st(YAML::NodeType::Map);
  st["matrix"] = num(p.static_w.matrix);
  st["vector"] = num(p.static_w.vector);
  st["scratchpad"] = num(p.static_w.scratchpad);
  st["global_sram"] = num(p.static_w.global_sram);
  st["noc"] = num(p.static_w.noc);
  st["hbm"] = num(p.static_w.hbm);
  st["other"] = num(p.static_w.other);
  power["static_w"] = st;
  YAML::Node points(YAML::NodeType::Sequence);
  for (const auto& op : p.operating_points) {
    YAML::Node n(YAML::NodeType::Map);
    n["core_mhz"] = num(op.core_mhz);
    n["volts"] = num(op.volts);
    n.SetStyle(YAML::EmitterStyle::Flow);
    points.push_back(n);
  }
  power["operating_points"] = points;
  power["nominal_point"] = num(p.nominal_point);
  power["tdp_w"] = num(p.tdp_w);
  power["throttle_window_us"] = num(p.throttle_window_us);
  root["power"] = power;

  YAML::Node cal(YAML::NodeType::Map);
  cal["matrix_efficiency"] = num(chip.calibration.matrix_efficiency);
  cal["hbm_efficiency"] = num(chip.calibration.hbm_efficiency);
  cal["dynamic_energy_scale"] = num(chip.calibration.dynamic_energy_scale);
  root["calibration"] = cal;
  return root;
}

}  // namespace tessera
