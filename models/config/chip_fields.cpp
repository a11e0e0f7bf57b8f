// The chip config schema, declared once: every key of configs/chips/*.yaml with its member,
// accepted values, unit and help. parse_chip_config(), to_yaml(), chip_config_keys() (--list-keys)
// and the key tables of docs/chip-config.md all come from these tables. Rules between keys are
// the `then` checks, run right after the key they are reported on.
// Longer than 600 lines: the whole schema in one place reads as the key reference.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "base/config/field_table.h"
#include "models/config/chip_config.h"

namespace tessera {
namespace {

using namespace config;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::vector<std::string> data_type_names() {
  std::vector<std::string> types;
  for (DataType t : kAllDataTypes) types.emplace_back(to_string(t));
  return types;
}

// A data-type key of a `<data type>: value` map; unknown types are named with a suggestion.
DataType data_type_key(ConfigReader& map, const std::string& key) {
  const auto t = parse_data_type(key);
  if (t) return *t;
  const auto types = data_type_names();
  const auto near = did_you_mean(key, types);
  map.fail(key, fmt::format("unknown data type '{}'{}; expected one of: {}", key,
                            near ? fmt::format(" (did you mean '{}'?)", *near) : "", join(types)));
}

// A `<data type>: value` map written in kAllDataTypes order.
template <class T> YAML::Node data_type_map(const std::map<DataType, T>& values) {
  YAML::Node n(YAML::NodeType::Map);
  for (DataType t : kAllDataTypes)
    if (auto it = values.find(t); it != values.end()) n[std::string(to_string(t))] = number_node(it->second);
  return n;
}

YAML::Node flow_list(const std::vector<std::string>& items) {
  YAML::Node n(YAML::NodeType::Sequence);
  for (const auto& s : items) n.push_back(s);
  n.SetStyle(YAML::EmitterStyle::Flow);
  return n;
}

// "bytes" must split into `banks` equal banks (scratchpad, global SRAM).
template <class S> void check_equal_banks(ConfigReader& r, const S& s) {
  if (s.bytes % s.banks != 0)
    r.fail("bytes", fmt::format("expected a whole multiple of banks ({}) so that banks are equal, got {}", s.banks,
                                s.bytes));
}

// --- clocks ---

// A clock from 1 MHz to 100 GHz: outside it the cycle arithmetic (femtosecond periods) breaks
// down -- a period below 10 fs, or runs longer than the simulation clock holds.
Rule clock_rule() { return at_least_number(1).at_most(100000); }

const Section<ClockConfig>& clock_fields() {
  static const Section<ClockConfig> s{{
      value("core_mhz", &ClockConfig::core_mhz, clock_rule(), "MHz", "core clock in MHz"),
      value("noc_mhz", &ClockConfig::noc_mhz, clock_rule(), "MHz", "on-chip network clock in MHz"),
      value("sram_mhz", &ClockConfig::sram_mhz, clock_rule(), "MHz", "global SRAM clock in MHz"),
  }};
  return s;
}

// --- cores ---

const Section<MatrixEngineConfig>& matrix_fields() {
  using M = MatrixEngineConfig;
  static const std::string kDataflows = "a non-empty list of dataflows, each one of ws, os, is";
  static const Section<M> s{{
      value("count", &M::count, at_least(1), "", "matrix engines per core"),
      value("rows", &M::rows, at_least(1).at_most(65536), "", "systolic array rows"),
      value("cols", &M::cols, at_least(1).at_most(65536), "", "systolic array columns"),
      custom<M>(
          {"dataflows", "list of ws|os|is", "non-empty, no repeats", "",
           "supported dataflows (weight-, output-, input-stationary); the first is the default",
           "the long names `weight_stationary` etc. are accepted"},
          [](ConfigReader& r, M& m) {
            const auto names = r.string_list("dataflows", kDataflows);
            if (names.empty()) r.fail_expected("dataflows", kDataflows);
            for (std::size_t i = 0; i < names.size(); ++i) {
              const auto d = parse_dataflow(names[i]);
              if (!d)
                r.fail("dataflows", fmt::format("expected {}, got '{}' at index {} (ws = weight-stationary, os = "
                                                "output-stationary, is = input-stationary)",
                                                kDataflows, names[i], i));
              if (std::find(m.dataflows.begin(), m.dataflows.end(), *d) != m.dataflows.end())
                r.fail("dataflows",
                       fmt::format("expected {} without repeats, got '{}' twice", kDataflows, names[i]));
              m.dataflows.push_back(*d);
            }
          },
          [](const M& m) {
            std::vector<std::string> names;
            for (Dataflow d : m.dataflows) names.emplace_back(to_string(d));
            return flow_list(names);
          }),
      custom<M>(
          {"macs_per_cycle", "map data type -> integer", "at least one entry; each a whole multiple p >= 1 of rows x cols",
           "", "dense MACs per cycle per engine for each supported type (" + join(data_type_names()) + ")",
           "each PE does p MACs per cycle along K; leave out unsupported types"},
          [](ConfigReader& r, M& m) {
            ConfigReader macs = r.child("macs_per_cycle");
            const std::uint64_t pes = std::uint64_t(m.rows) * m.cols;
            for (const auto& kv : macs.node()) {
              const std::string key = kv.first.Scalar();
              const DataType t = data_type_key(macs, key);
              const std::string expected = fmt::format(
                  "MACs per cycle per engine: a whole multiple p >= 1 of rows x cols = {} (each PE does p MACs per "
                  "cycle); leave out unsupported types",
                  pes);
              const auto v = macs.required<std::uint64_t>(key, expected);
              if (v == 0 || v % pes != 0) macs.fail_expected(key, expected);
              m.macs_per_cycle[t] = v;
            }
            if (m.macs_per_cycle.empty())
              r.fail("macs_per_cycle", fmt::format("expected at least one entry <data type>: <MACs per cycle>, data "
                                                   "types: {}, got an empty map",
                                                   join(data_type_names())));
            macs.finish();
          },
          [](const M& m) { return data_type_map(m.macs_per_cycle); }),
      custom<M>(
          {"accumulator_bytes", "size", ">= rows x cols x 4", "B", "per engine, fp32 partial sums of output tiles",
           "holds one fp32 output tile"},
          [](ConfigReader& r, M& m) {
            const Bytes min_acc = std::uint64_t(m.rows) * m.cols * 4;
            const std::string expected =
                fmt::format("a size >= rows x cols x 4 B = {} (one fp32 output tile per engine)", min_acc);
            m.accumulator_bytes = r.bytes("accumulator_bytes", expected);
            if (m.accumulator_bytes < min_acc) r.fail_expected("accumulator_bytes", expected);
          },
          [](const M& m) { return number_node(m.accumulator_bytes); }),
  }};
  return s;
}

const Section<VectorUnitConfig>& vector_fields() {
  using V = VectorUnitConfig;
  static const Section<V> s{{
      value("lanes", &V::lanes, at_least(1), "", "vector lanes"),
      value("add_mul_per_lane", &V::add_mul_per_lane, positive(), "", "add/mul/FMA ops per lane per cycle")
          .constraints("fractions allowed (0.25 = one op every 4 cycles)"),
      value("exp_per_lane", &V::exp_per_lane, positive(), "", "exp/transcendental ops per lane per cycle"),
      value("reduce_per_lane", &V::reduce_per_lane, positive(), "", "reduction ops per lane per cycle"),
  }};
  return s;
}

const Section<ScratchpadConfig>& scratchpad_fields() {
  using S = ScratchpadConfig;
  static const Section<S> s{
      {
          value("bytes", &S::bytes, positive_size(), "B", "scratchpad capacity per core")
              .constraints(">= the minimal tile (below); a whole multiple of `banks`"),
          value("banks", &S::banks, power_of_two(), "", "scratchpad banks"),
          value("bytes_per_cycle_per_bank", &S::bytes_per_cycle_per_bank, at_least(1), "B/core cycle",
                "bytes per core cycle per bank"),
      },
      check_equal_banks<S>};
  return s;
}

const Section<DmaConfig>& dma_fields() {
  using D = DmaConfig;
  static const Section<D> s{{
      value("max_outstanding", &D::max_outstanding, at_least(1), "", "packets in flight per DMA engine"),
      value("packet_bytes", &D::packet_bytes, positive_size(), "B", "bytes per DMA packet")
          .constraints("<= `scratchpad.bytes`; larger packets mean fewer simulation events"),
  }};
  return s;
}

const Section<CoreConfig>& core_fields() {
  using C = CoreConfig;
  static const Section<C> s{{
      value("count", &C::count, at_least(1), "", "identical cores in this group"),
      section("matrix", &C::matrix, matrix_fields(), "matrix engines"),
      section("vector", &C::vector, vector_fields(), "vector unit"),
      section("scratchpad", &C::scratchpad, scratchpad_fields(), "scratchpad")
          .then([](ConfigReader& r, C& c) {
            const Bytes min_sp = min_scratchpad_bytes(c);
            if (c.scratchpad.bytes >= min_sp) return;
            Bytes widest = 0;
            for (const auto& [t, macs] : c.matrix.macs_per_cycle) widest = std::max(widest, bytes_per_element(t));
            r.child("scratchpad")
                .fail("bytes", fmt::format("expected at least {} bytes: one double-buffered minimal tile per matrix "
                                           "engine = count {} x (2 buffers x 2 operands x rows {} x cols {} x {} B "
                                           "widest input type + rows x cols x 4 B fp32 output tile), got {}",
                                           min_sp, c.matrix.count, c.matrix.rows, c.matrix.cols, widest,
                                           c.scratchpad.bytes));
          }),
      section("dma", &C::dma, dma_fields(), "DMA engine").then([](ConfigReader& r, C& c) {
        if (c.dma.packet_bytes > c.scratchpad.bytes)
          r.child("dma").fail("packet_bytes", fmt::format("expected a size <= scratchpad.bytes ({}), got {}",
                                                          c.scratchpad.bytes, c.dma.packet_bytes));
      }),
  }};
  return s;
}

// --- noc, global SRAM ---

const Section<NocConfig>& noc_fields() {
  using N = NocConfig;
  static const std::string kTopologies = "one of mesh, ring, crossbar";
  static const Section<N> s{{
      custom<N>({"topology", "string", kTopologies, "", "network shape", ""},
                [](ConfigReader& r, N& n) {
                  const auto t = parse_noc_topology(r.required<std::string>("topology", kTopologies));
                  if (!t) r.fail_expected("topology", kTopologies);
                  n.topology = *t;
                },
                [](const N& n) { return YAML::Node(std::string(to_string(n.topology))); }),
      value("dim_x", &N::dim_x, at_least(1), "", "routers along x (mesh), ring nodes factor (ring), 1 for crossbar")
          .constraints("ring: `dim_x x dim_y` nodes in one ring; 1 for a crossbar"),
      value("dim_y", &N::dim_y, at_least(1), "", "routers along y (mesh), ring nodes factor (ring), 1 for crossbar")
          .constraints("1 for a crossbar")
          .then([](ConfigReader& r, N& n) {
            if (n.topology != NocTopology::crossbar) return;
            // A crossbar is one switch; dims would have no effect, so anything but 1 x 1 is a mistake.
            if (n.dim_x != 1) r.fail("dim_x", fmt::format("expected 1 for a crossbar (one switch), got {}", n.dim_x));
            if (n.dim_y != 1) r.fail("dim_y", fmt::format("expected 1 for a crossbar (one switch), got {}", n.dim_y));
          }),
      value("link_bytes_per_cycle", &N::link_bytes_per_cycle, at_least(1), "B/NoC cycle",
            "bytes per NoC cycle per link and direction")
          .constraints("a crossbar: per port"),
      value("hop_latency_cycles", &N::hop_latency_cycles, at_least(1), "NoC cycles", "router + link NoC cycles per hop"),
  }};
  return s;
}

const Section<GlobalSramConfig>& global_sram_fields() {
  using G = GlobalSramConfig;
  static const Section<G> s{
      {
          value("bytes", &G::bytes, positive_size(), "B", "global SRAM / L2 capacity")
              .constraints("a whole multiple of `banks`"),
          value("banks", &G::banks, power_of_two(), "", "global SRAM banks"),
          value("bytes_per_cycle_per_bank", &G::bytes_per_cycle_per_bank, at_least(1), "B/SRAM cycle",
                "bytes per SRAM cycle per bank"),
          value("latency_cycles", &G::latency_cycles, at_least(1), "SRAM cycles", "access latency in SRAM cycles"),
      },
      check_equal_banks<G>};
  return s;
}

// --- hbm ---

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

Field<HbmTimingConfig> cycles(const char* key, std::uint32_t HbmTimingConfig::*member, const char* what,
                              std::uint64_t min = 1) {
  // Bounded: a DRAM timing of more than 16384 command clocks (several microseconds) is a typing
  // error, and would make the command calendar cover that much time per request.
  return value(key, member, at_least(min).at_most(min == 0 ? 1 << 20 : 16384), "cycles",
               fmt::format("{}, in HBM command-clock cycles", what));
}

const Section<HbmTimingConfig>& timing_fields() {
  using T = HbmTimingConfig;
  static const Section<T> s{
      {
          cycles("tRCD", &T::tRCD, "activate to read/write"),
          cycles("tRP", &T::tRP, "precharge to activate"),
          cycles("tCL", &T::tCL, "read command to first data"),
          cycles("tWL", &T::tWL, "write command to first data"),
          cycles("tRAS", &T::tRAS, "activate to precharge").constraints(">= `tRCD`"),
          cycles("tWR", &T::tWR, "end of write data to precharge"),
          cycles("tRTP", &T::tRTP, "read to precharge"),
          cycles("tCCD_S", &T::tCCD_S, "column to column, different bank group"),
          cycles("tCCD_L", &T::tCCD_L, "column to column, same bank group").constraints(">= `tCCD_S`"),
          cycles("tRRD", &T::tRRD, "activate to activate, different banks"),
          cycles("tFAW", &T::tFAW, "window for four activates").constraints(">= `tRRD`"),
          // 0 disables refresh, as the HBM channel and the energy model read it; any other value must
          // leave time between refreshes.
          cycles("tREFI", &T::tREFI, "average refresh interval, 0 = refresh disabled", 0)
              .constraints("0 (no refresh) or > `tRFC`"),
          cycles("tRFC", &T::tRFC, "all-bank refresh cycle time"),
          custom<T>({"tRFCpb", "integer", "0 to 16384, optional, default 0 (not given)", "cycles",
                     "per-bank refresh cycle time, in HBM command-clock cycles", "required by `hbm.refresh: per_bank`"},
                    [](ConfigReader& r, T& t) {
                      const auto v = r.optional<std::uint64_t>("tRFCpb", "an integer from 0 to 16384 (cycles)");
                      if (v && *v > 16384)
                        r.fail("tRFCpb", fmt::format("expected an integer from 0 to 16384 (per-bank refresh cycle "
                                                     "time in HBM command-clock cycles; 0 = not given), got {}",
                                                     *v));
                      t.tRFCpb = v ? static_cast<std::uint32_t>(*v) : 0;
                    },
                    [](const T& t) { return number_node(t.tRFCpb); }),
      },
      [](ConfigReader& r, T& t) {
        if (t.tRAS < t.tRCD)
          r.fail("tRAS", fmt::format("expected >= tRCD ({}): a row stays open at least until its first column "
                                     "command, got {}",
                                     t.tRCD, t.tRAS));
        if (t.tCCD_L < t.tCCD_S) r.fail("tCCD_L", fmt::format("expected >= tCCD_S ({}), got {}", t.tCCD_S, t.tCCD_L));
        if (t.tFAW < t.tRRD) r.fail("tFAW", fmt::format("expected >= tRRD ({}), got {}", t.tRRD, t.tFAW));
        if (t.tREFI != 0 && t.tREFI <= t.tRFC)
          r.fail("tREFI", fmt::format("expected > tRFC ({}): otherwise the device would refresh all the time, got {}",
                                      t.tRFC, t.tREFI));
      }};
  return s;
}

const Section<HbmConfig>& hbm_fields() {
  using H = HbmConfig;
  static const Section<H> s{{
      value("stacks", &H::stacks, at_least(1), "", "HBM stacks (or DRAM packages)"),
      value("channels_per_stack", &H::channels_per_stack, power_of_two(), "", "channels per stack"),
      value("pseudo_channels_per_channel", &H::pseudo_channels_per_channel, power_of_two(), "",
            "pseudo-channels per channel, 1 = legacy mode")
          .constraints("each pseudo-channel has its own controller"),
      value("bank_groups", &H::bank_groups, power_of_two(), "", "bank groups per pseudo-channel"),
      value("banks_per_group", &H::banks_per_group, power_of_two(), "", "banks per bank group"),
      value("bus_width_bits", &H::bus_width_bits, multiple_of(8), "bits", "data bits per pseudo-channel"),
      value("data_rate_gbps", &H::data_rate_gbps, positive().at_most(100), "Gb/s", "data rate per pin in Gb/s"),
      value("clock_mhz", &H::clock_mhz, clock_rule(), "MHz", "HBM command clock in MHz")
          .constraints("`data_rate_gbps x 1000 / clock_mhz` is a whole number of data beats per clock (2 for "
                       "HBM2/2e, 4 for HBM3, 8 for LPDDR5); all timings count its cycles")
          .then([](ConfigReader& r, H& h) {
            const double beats = h.data_rate_gbps * 1000.0 / h.clock_mhz;
            const double whole = std::round(beats);
            if (whole < 1 || std::abs(beats - whole) > 1e-9 * beats)
              r.fail("clock_mhz",
                     fmt::format("expected a clock that makes data_rate_gbps x 1000 / clock_mhz a whole number of "
                                 "beats per clock (e.g. {} MHz for 2 beats, {} MHz for 4), got {} ({} beats per clock)",
                                 h.data_rate_gbps * 500.0, h.data_rate_gbps * 250.0, h.clock_mhz, beats));
          }),
      value("burst_length", &H::burst_length, at_least(1), "", "beats per column command")
          .constraints("a whole multiple of the beats per clock; burst bytes = `bus_width_bits x burst_length / 8`")
          .then([](ConfigReader& r, H& h) {
            if (h.burst_length % h.beats_per_clock() != 0)
              r.fail("burst_length", fmt::format("expected a whole multiple of the {} beats per clock (data_rate_gbps "
                                                 "x 1000 / clock_mhz), so that a burst lasts whole clocks, got {}",
                                                 h.beats_per_clock(), h.burst_length));
          }),
      value("row_bytes", &H::row_bytes, power_of_two_size(), "B", "row (page) size per pseudo-channel")
          .constraints("a whole multiple of the burst")
          .then([](ConfigReader& r, H& h) {
            if (h.row_bytes % h.burst_bytes() != 0)
              r.fail("row_bytes", fmt::format("expected a whole multiple of the burst (bus_width_bits x burst_length "
                                              "/ 8 = {} B), got {}",
                                              h.burst_bytes(), h.row_bytes));
          }),
      value("capacity_gib", &H::capacity_gib, positive(), "GiB", "total DRAM capacity in GiB (2^30 bytes)")
          .constraints("a whole number >= 1 of rows per bank: capacity / (controllers x banks x `row_bytes`)")
          .then([](ConfigReader& r, H& h) {
            const double bytes = h.capacity_gib * double(1ull << 30);
            const double per_row_set = double(h.controllers()) * h.banks() * double(h.row_bytes);
            const double rows = bytes / per_row_set;
            if (rows < 1 || rows != std::floor(rows))
              r.fail("capacity_gib",
                     fmt::format("expected a capacity that gives a whole number >= 1 of rows per bank: capacity / "
                                 "(controllers {} x banks {} x row_bytes {}), got {} ({} rows per bank)",
                                 h.controllers(), h.banks(), h.row_bytes, h.capacity_gib, rows));
          }),
      value("address_mapping", &H::address_mapping, text("an address mapping string"), "",
            "address bits above the interleave chunk, most significant first: Ro row, Ba bank, Bg bank group, Co "
            "column chunk, Pc pseudo-channel, Ch channel (stacks included)")
          .constraints("each of the six fields exactly once, joined by `-`, e.g. `Ro-Ba-Co-Bg-Pc-Ch`")
          .then([](ConfigReader& r, H& h) { check_address_mapping(r, h.address_mapping); }),
      value("interleave_bytes", &H::interleave_bytes, power_of_two_size(), "B", "contiguous bytes per channel")
          .constraints("a whole multiple of the burst; <= `row_bytes`")
          .then([](ConfigReader& r, H& h) {
            if (h.interleave_bytes % h.burst_bytes() != 0 || h.interleave_bytes > h.row_bytes)
              r.fail("interleave_bytes", fmt::format("expected a whole multiple of the burst ({} B) and at most "
                                                     "row_bytes ({}), got {}",
                                                     h.burst_bytes(), h.row_bytes, h.interleave_bytes));
          }),
      value("queue_depth", &H::queue_depth, at_least(1), "", "requests per controller queue"),
      custom<H>({"refresh", "string", "one of all_bank, per_bank; optional, default all_bank", "",
                 "refresh scheme: every bank at once each tREFI, or one bank at a time each tREFI / banks",
                 "per_bank needs `timing.tRFCpb`, with tRFCpb < tREFI / banks"},
                [](ConfigReader& r, H& h) {
                  static const std::string kSchemes = "one of all_bank, per_bank";
                  const auto s = r.optional<std::string>("refresh", kSchemes);
                  if (!s || *s == "all_bank") h.refresh = HbmRefresh::all_bank;
                  else if (*s == "per_bank") h.refresh = HbmRefresh::per_bank;
                  else r.fail_expected("refresh", kSchemes);
                },
                [](const H& h) { return YAML::Node(std::string(to_string(h.refresh))); }),
      section("timing", &H::timing, timing_fields(), "JEDEC timings in HBM command-clock cycles")
          .then([](ConfigReader& r, H& h) {
            if (h.refresh != HbmRefresh::per_bank || h.timing.tREFI == 0) return;
            const std::uint64_t interval = h.timing.tREFI / h.banks();
            if (h.timing.tRFCpb == 0 || h.timing.tRFCpb >= interval)
              r.fail("timing.tRFCpb",
                     fmt::format("expected a per-bank refresh time from 1 to {} cycles with refresh: per_bank (one bank "
                                 "is refreshed every tREFI / banks = {} / {} cycles), got {}",
                                 interval - 1, h.timing.tREFI, h.banks(), h.timing.tRFCpb));
          }),
  }};
  return s;
}

// --- power ---

Section<ReadWriteEnergy> read_write_fields(const std::string& where) {
  using E = ReadWriteEnergy;
  return {{
      value("read", &E::read, non_negative(), "pJ/B", fmt::format("pJ per byte read {}", where)),
      value("write", &E::write, non_negative(), "pJ/B", fmt::format("pJ per byte written {}", where)),
  }};
}

const Section<VectorEnergy>& vector_energy_fields() {
  using E = VectorEnergy;
  static const Section<E> s{{
      value("add_mul", &E::add_mul, non_negative(), "pJ", "pJ per vector add/multiply/FMA operation"),
      value("exp", &E::exp, non_negative(), "pJ", "pJ per vector exp/transcendental operation"),
      value("reduce", &E::reduce, non_negative(), "pJ", "pJ per vector reduction operation"),
  }};
  return s;
}

const Section<StaticPowerConfig>& static_power_fields() {
  using P = StaticPowerConfig;
  static const Section<P> s{{
      value("matrix", &P::matrix, non_negative(), "W", "W of static power of all matrix engines at the nominal voltage"),
      value("vector", &P::vector, non_negative(), "W", "W of static power of all vector units"),
      value("scratchpad", &P::scratchpad, non_negative(), "W", "W of static power of all scratchpads"),
      value("global_sram", &P::global_sram, non_negative(), "W", "W of static power of the global SRAM"),
      value("noc", &P::noc, non_negative(), "W", "W of static power of the on-chip network"),
      value("hbm", &P::hbm, non_negative(), "W", "W of DRAM standby power, refresh excluded"),
      value("other", &P::other, non_negative(), "W", "W not attributed to a modelled unit (board, regulators, PHYs)"),
  }};
  return s;
}

const Section<OperatingPoint>& operating_point_fields() {
  static const Section<OperatingPoint> s{{
      value("core_mhz", &OperatingPoint::core_mhz, clock_rule(), "MHz", "core clock of this operating point in MHz")
          .constraints("ascending over the list"),
      value("volts", &OperatingPoint::volts, positive(), "V", "supply voltage of this operating point in V")
          .constraints("never below the previous (slower) point's"),
  }};
  return s;
}

// `chip` holds the sections read before power (clocks, cores): every data type the matrix
// engines support needs an energy, and the nominal point must be clocks.core_mhz. Null when
// the table only writes or lists.
Section<PowerConfig> power_fields(const ChipConfig* chip) {
  using P = PowerConfig;
  static const Section<ReadWriteEnergy> scratchpad = read_write_fields("at a core's scratchpad");
  static const Section<ReadWriteEnergy> sram = read_write_fields("at the global SRAM banks");
  static const Section<ReadWriteEnergy> hbm = read_write_fields("at DRAM, I/O included, activation excluded");
  return {{
      custom<P>({"pj_per_mac", "map data type -> number", ">= 0 each", "pJ",
                 "pJ per multiply-accumulate of this data type",
                 "an entry for every data type any core group's `macs_per_cycle` lists"},
                [chip](ConfigReader& r, P& p) {
                  ConfigReader macs = r.child("pj_per_mac");
                  for (const auto& kv : macs.node()) {
                    const std::string key = kv.first.Scalar();
                    const DataType t = data_type_key(macs, key);
                    p.pj_per_mac[t] = read_number(macs, key, non_negative(), "pJ per multiply-accumulate of this data type");
                  }
                  std::set<DataType> used;
                  for (const auto& g : chip->cores)
                    for (const auto& [t, m] : g.matrix.macs_per_cycle) used.insert(t);
                  for (DataType t : used)
                    if (!p.pj_per_mac.count(t))
                      macs.fail_expected(std::string(to_string(t)),
                                         "a number >= 0 (pJ per MAC): every data type in a matrix engine's "
                                         "macs_per_cycle needs an energy");
                  macs.finish();
                },
                [](const P& p) { return data_type_map(p.pj_per_mac); }),
      section("vector_pj_per_op", &P::vector_pj_per_op, vector_energy_fields(), "energy per vector operation"),
      section("scratchpad_pj_per_byte", &P::scratchpad_pj_per_byte, scratchpad, "scratchpad energy per byte"),
      section("sram_pj_per_byte", &P::sram_pj_per_byte, sram, "global SRAM energy per byte"),
      section("hbm_pj_per_byte", &P::hbm_pj_per_byte, hbm, "DRAM energy per byte"),
      value("hbm_activate_pj", &P::hbm_activate_pj, non_negative(), "pJ",
            "pJ per DRAM row activation, its precharge included"),
      value("hbm_refresh_pj", &P::hbm_refresh_pj, non_negative(), "pJ", "pJ per all-bank refresh of one pseudo-channel"),
      value("noc_pj_per_byte_hop", &P::noc_pj_per_byte_hop, non_negative(), "pJ/B",
            "pJ per byte per NoC link or crossbar port"),
      value("c2c_pj_per_bit", &P::c2c_pj_per_bit, non_negative(), "pJ/bit", "pJ per bit on a chip-to-chip link"),
      section("static_w", &P::static_w, static_power_fields(), "static power")
          .constraints("the sum must be below `tdp_w`"),
      [] {
        auto f = custom<P>(
            {"operating_points", "list of {core_mhz, volts}", "non-empty", "", "DVFS operating points", ""},
            [](ConfigReader& r, P& p) {
              auto points = r.children("operating_points");
              if (points.empty()) r.fail_expected("operating_points", "a non-empty list of {core_mhz, volts} points");
              for (auto& pr : points) {
                OperatingPoint op;
                read_section(pr, operating_point_fields(), op);
                if (!p.operating_points.empty()) {
                  const OperatingPoint& prev = p.operating_points.back();
                  if (op.core_mhz <= prev.core_mhz)
                    pr.fail("core_mhz", fmt::format("expected points in ascending order of clock: above the previous "
                                                    "point's {} MHz, got {}",
                                                    prev.core_mhz, op.core_mhz));
                  if (op.volts < prev.volts)
                    pr.fail("volts", fmt::format("expected a voltage not below the previous (slower) point's {} V, "
                                                 "got {}",
                                                 prev.volts, op.volts));
                }
                p.operating_points.push_back(op);
              }
            },
            [](const P& p) {
              YAML::Node points(YAML::NodeType::Sequence);
              for (const auto& op : p.operating_points) {
                YAML::Node n = write_section(operating_point_fields(), op);
                n.SetStyle(YAML::EmitterStyle::Flow);
                points.push_back(n);
              }
              return points;
            });
        f.list_nested = [](const std::string& path, std::vector<KeyInfo>& out) {
          for (auto& k : list_keys(operating_point_fields(), path + "[*]")) out.push_back(std::move(k));
        };
        return f;
      }(),
      custom<P>({"nominal_point", "integer", "an index into operating_points", "",
                 "index of the operating point that clocks.core_mhz describes",
                 "its `core_mhz` equals `clocks.core_mhz`"},
                [chip](ConfigReader& r, P& p) {
                  const std::string expected =
                      fmt::format("an index into operating_points, 0 .. {}, of the point whose core_mhz equals "
                                  "clocks.core_mhz ({})",
                                  p.operating_points.size() - 1, chip->clocks.core_mhz);
                  p.nominal_point = r.required<std::uint32_t>("nominal_point", expected);
                  if (p.nominal_point >= p.operating_points.size() ||
                      p.operating_points[p.nominal_point].core_mhz != chip->clocks.core_mhz)
                    r.fail_expected("nominal_point", expected);
                },
                [](const P& p) { return number_node(p.nominal_point); }),
      value("tdp_w", &P::tdp_w, positive(), "W", "power limit in W")
          .constraints("above the static power (the sum of `static_w`)")
          .then([](ConfigReader& r, P& p) {
            if (p.static_w.total() >= p.tdp_w)
              r.fail("tdp_w", fmt::format("expected a limit above the idle power (static_w sums to {} W), got {}",
                                          p.static_w.total(), p.tdp_w));
          }),
      value("throttle_window_us", &P::throttle_window_us, positive(), "us",
            "window over which average power is held to tdp_w, us"),
  }};
}

// --- calibration, top level ---

const Section<CalibrationConfig>& calibration_fields() {
  using C = CalibrationConfig;
  static const Section<C> s{{
      value("matrix_efficiency", &C::matrix_efficiency, fraction(), "",
            "achieved fraction of the matrix engines' dataflow timing")
          .constraints("matrix-engine tile cycles are divided by it (rounded up)"),
      value("hbm_efficiency", &C::hbm_efficiency, fraction(), "", "fraction of the DRAM clock and data rate achieved")
          .constraints("every DRAM timing stretches by its inverse"),
      value("dynamic_energy_scale", &C::dynamic_energy_scale, positive(), "",
            "multiplier on every work-proportional event energy")
          .constraints("not refresh, not static power"),
  }};
  return s;
}

const Section<ChipConfig>& chip_fields() {
  using C = ChipConfig;
  static const Section<C> s{{
      value("name", &C::name, text("a chip name (string)"), "", "chip name, recorded in results")
          .constraints("non-empty")
          .then([](ConfigReader& r, C& c) {
            if (c.name.empty()) r.fail_expected("name", "a non-empty chip name");
          }),
      value("description", &C::description, text("a one-line description (string)"), "", "one line for reports"),
      section("clocks", &C::clocks, clock_fields(), "clock per domain"),
      section_list("cores", &C::cores, core_fields(), "core groups"),
      section("noc", &C::noc, noc_fields(), "on-chip network"),
      section("global_sram", &C::global_sram, global_sram_fields(), "shared SRAM / L2"),
      section("hbm", &C::hbm, hbm_fields(), "DRAM: HBM, or another DRAM described with the same keys"),
      [] {
        auto f = custom<C>({"power", "map", "", "", "energy per event, static power, DVFS operating points, power limit",
                            "see below and docs/power.md"},
                           [](ConfigReader& r, C& c) {
                             ConfigReader power = r.child("power");
                             read_section(power, power_fields(&c), c.power);
                           },
                           [](const C& c) { return write_section(power_fields(nullptr), c.power); });
        f.list_nested = [](const std::string& path, std::vector<KeyInfo>& out) {
          for (auto& k : list_keys(power_fields(nullptr), path)) out.push_back(std::move(k));
        };
        return f;
      }(),
      section("calibration", &C::calibration, calibration_fields(), "the calibration factors")
          .constraints("see below and docs/calibration.md"),
  }};
  return s;
}

// The docs table of the top level: the sections themselves, not their keys.
std::string top_level_table() {
  std::vector<KeyInfo> keys;
  for (const auto& f : chip_fields().fields) keys.push_back(f.info);
  return format_key_table(keys);
}

}  // namespace

ChipConfig parse_chip_config(const YAML::Node& root, const std::string& source) {
  if (!root.IsMap())
    throw Error(fmt::format("{}: (top level): expected a map of chip settings (name, description, clocks, cores, "
                            "noc, global_sram, hbm, power, calibration), got {}",
                            source, root.IsNull() || !root.IsDefined() ? "an empty document" : "something else"));
  try {
    ConfigReader r(root, source);
    ChipConfig c;
    read_section(r, chip_fields(), c);
    return c;
  } catch (const YAML::Exception& e) {
    // Defensive: the readers never use yaml-cpp conversions, but no yaml-cpp exception may escape.
    throw Error(fmt::format("{}: malformed config: {}", source, e.what()));
  }
}

YAML::Node to_yaml(const ChipConfig& chip) { return write_section(chip_fields(), chip); }

std::vector<KeyInfo> chip_config_keys() { return list_keys(chip_fields()); }

std::string update_chip_config_doc(const std::string& doc) {
  std::string out = replace_generated_block(doc, "chip top level", top_level_table());
  out = replace_generated_block(out, "chip clocks", format_key_table(list_keys(clock_fields())));
  out = replace_generated_block(out, "chip cores", format_key_table(list_keys(core_fields())));
  out = replace_generated_block(out, "chip noc", format_key_table(list_keys(noc_fields())));
  out = replace_generated_block(out, "chip global_sram", format_key_table(list_keys(global_sram_fields())));
  out = replace_generated_block(out, "chip hbm", format_key_table(list_keys(hbm_fields())));
  out = replace_generated_block(out, "chip power", format_key_table(list_keys(power_fields(nullptr))));
  out = replace_generated_block(out, "chip calibration", format_key_table(list_keys(calibration_fields())));
  return out;
}

}  // namespace tessera
