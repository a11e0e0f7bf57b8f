#include "models/memory/address_mapping.h"

#include <algorithm>
#include <array>
#include <bit>
#include <string_view>

#include <fmt/format.h>

namespace tessera {
namespace {

constexpr std::string_view kMappingKey = "hbm.address_mapping";
constexpr std::string_view kExpected =
    "expected each of Ro, Ba, Bg, Co, Pc, Ch exactly once, most significant first, separated by "
    "'-' (e.g. \"Ro-Ba-Bg-Co-Pc-Ch\")";

struct FieldSpec {
  std::string_view token;
  std::string_view count_key;  // the config key that sets how many values the field takes
};

// Indexed by AddressMapping::Kind.
constexpr std::array<FieldSpec, 6> kSpecs = {{
    {"Ro", "hbm.capacity_gib / (controllers * banks * hbm.row_bytes)"},
    {"Ba", "hbm.banks_per_group"},
    {"Bg", "hbm.bank_groups"},
    {"Co", "hbm.row_bytes / hbm.interleave_bytes"},
    {"Pc", "hbm.pseudo_channels_per_channel"},
    {"Ch", "hbm.stacks * hbm.channels_per_stack"},
}};

[[noreturn]] void fail(const std::string& mapping, const std::string& what) {
  throw Error(fmt::format("{}: \"{}\": {}", kMappingKey, mapping, what));
}

}  // namespace

AddressMapping::AddressMapping(const HbmConfig& hbm)
    : interleave_(hbm.interleave_bytes), burst_bytes_(hbm.burst_bytes()), row_bytes_(hbm.row_bytes),
      pseudo_channels_(hbm.pseudo_channels_per_channel) {
  if (burst_bytes_ == 0)
    throw Error("hbm.burst_length: bus_width_bits * burst_length / 8 must be at least one byte");
  if (interleave_ == 0 || !std::has_single_bit(interleave_) || interleave_ % burst_bytes_ != 0 ||
      interleave_ > row_bytes_)
    throw Error(fmt::format(
        "hbm.interleave_bytes: {} must be a power of two, a multiple of the burst size ({} bytes) "
        "and at most hbm.row_bytes ({})",
        interleave_, burst_bytes_, row_bytes_));
  interleave_bits_ = static_cast<unsigned>(std::countr_zero(interleave_));

  // Parse MSB first.
  const std::string& text = hbm.address_mapping;
  std::vector<Kind> msb_first;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t dash = text.find('-', pos);
    if (dash == std::string::npos) dash = text.size();
    std::string_view tok(text.data() + pos, dash - pos);
    auto it = std::find_if(kSpecs.begin(), kSpecs.end(), [&](const FieldSpec& s) { return s.token == tok; });
    if (it == kSpecs.end())
      fail(text, fmt::format("unknown field \"{}\"; {}", tok, kExpected));
    Kind k = static_cast<Kind>(it - kSpecs.begin());
    if (std::find(msb_first.begin(), msb_first.end(), k) != msb_first.end())
      fail(text, fmt::format("field {} appears twice; {}", tok, kExpected));
    msb_first.push_back(k);
    pos = dash + 1;
  }
  for (std::size_t i = 0; i < kSpecs.size(); ++i)
    if (std::find(msb_first.begin(), msb_first.end(), static_cast<Kind>(i)) == msb_first.end())
      fail(text, fmt::format("field {} is missing; {}", kSpecs[i].token, kExpected));

  const std::uint64_t banks = std::uint64_t(hbm.bank_groups) * hbm.banks_per_group;
  const bool row_is_msb = msb_first.front() == Kind::row;
  if (!row_is_msb) {
    const double total = hbm.capacity_gib * double(1ull << 30);
    const double per_row_set = double(hbm.controllers()) * double(banks) * double(row_bytes_);
    rows_ = per_row_set > 0 ? static_cast<std::uint64_t>(total / per_row_set) : 0;
  }
  auto count_of = [&](Kind k) -> std::uint64_t {
    switch (k) {
      case Kind::row: return row_is_msb ? 0 : rows_;
      case Kind::bank: return hbm.banks_per_group;
      case Kind::bank_group: return hbm.bank_groups;
      case Kind::column: return row_bytes_ / interleave_;
      case Kind::pseudo_channel: return hbm.pseudo_channels_per_channel;
      case Kind::channel: return std::uint64_t(hbm.stacks) * hbm.channels_per_stack;
    }
    return 0;
  };
  for (auto it = msb_first.rbegin(); it != msb_first.rend(); ++it) {
    const std::uint64_t n = count_of(*it);
    const bool unbounded = *it == Kind::row && row_is_msb;
    const FieldSpec& spec = kSpecs[std::size_t(*it)];
    if (!unbounded && n == 0)
      fail(text, fmt::format("field {} has no values ({}); expected at least 1", spec.token, spec.count_key));
    // Bank, bank group, column and pseudo-channel are DRAM address bits. The channel count
    // (stacks x channels) and the row count (from the capacity) need not be powers of two:
    // parts with 5 or 6 active stacks interleave over them by division.
    const bool bit_field = *it != Kind::channel && *it != Kind::row;
    if (bit_field && !std::has_single_bit(n))
      fail(text, fmt::format("field {} has {} values ({}); expected a power of two", spec.token, n,
                             spec.count_key));
    const bool pow2 = !unbounded && std::has_single_bit(n);
    fields_lsb_first_.push_back(
        Field{*it, unbounded ? 0 : n, pow2 ? static_cast<unsigned>(std::countr_zero(n)) : 0u, pow2});
  }
  // A run may continue into the next chunk only if the chunk index change moves the column.
  for (const Field& f : fields_lsb_first_) {
    if (f.count == 1) continue;
    columns_contiguous_ = f.kind == Kind::column;
    break;
  }
}

DramCoord AddressMapping::decode(std::uint64_t address) const {
  DramCoord c;
  const std::uint64_t offset = address & (interleave_ - 1);
  std::uint64_t x = address >> interleave_bits_;
  std::uint64_t ch = 0, pc = 0, co = 0;
  for (std::size_t i = 0; i < fields_lsb_first_.size(); ++i) {
    const Field& f = fields_lsb_first_[i];
    const bool last = i + 1 == fields_lsb_first_.size();
    std::uint64_t v;
    if (f.count == 0) {  // unbounded row field, necessarily the most significant
      v = x;
      x = 0;
    } else if (f.pow2) {
      v = x & (f.count - 1);
      x >>= f.bits;
    } else {
      v = x % f.count;
      x /= f.count;
    }
    switch (f.kind) {
      case Kind::row: c.row = v; break;
      case Kind::bank: c.bank = static_cast<std::uint32_t>(v); break;
      case Kind::bank_group: c.bank_group = static_cast<std::uint32_t>(v); break;
      case Kind::column: co = v; break;
      case Kind::pseudo_channel: pc = v; break;
      case Kind::channel: ch = v; break;
    }
    if (last && x != 0) c.row += x * rows_;  // beyond capacity: fold into higher rows
  }
  c.controller = static_cast<std::uint32_t>(ch * pseudo_channels_ + pc);
  c.column_byte = static_cast<std::uint32_t>(co * interleave_ + offset);
  return c;
}

void AddressMapping::split(std::uint64_t address, Bytes bytes, std::vector<RowRun>& out) const {
  while (bytes > 0) {
    RowRun run;
    run.at = decode(address);
    const Bytes span = columns_contiguous_ ? row_bytes_ - run.at.column_byte
                                           : interleave_ - (address & (interleave_ - 1));
    run.bytes = std::min(span, bytes);
    const Bytes first = run.at.column_byte / burst_bytes_;
    const Bytes last = (run.at.column_byte + run.bytes - 1) / burst_bytes_;
    run.bursts = static_cast<std::uint32_t>(last - first + 1);
    out.push_back(run);
    address += run.bytes;
    bytes -= run.bytes;
  }
}

}  // namespace tessera
