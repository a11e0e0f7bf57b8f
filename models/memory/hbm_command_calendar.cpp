#include "models/memory/hbm_command_calendar.h"

#include <algorithm>
#include <stdexcept>

namespace tessera {
namespace {
constexpr std::size_t kInitialRing = 1024;
using Bits128 = unsigned __int128;
}  // namespace

HbmCommandCalendar::HbmCommandCalendar(const HbmBusTiming& t) : t_(t) {
  if (t_.tCCD_S < 1 || t_.tCCD_L < 1 || t_.tRRD < 1 || t_.burst_cycles < 1 || t_.tFAW < 0)
    throw std::logic_error("HbmCommandCalendar: tCCD_S, tCCD_L, tRRD and burst cycles must be >= 1");
  if (t_.tCCD_S > t_.tCCD_L) throw std::logic_error("HbmCommandCalendar: tCCD_S must not exceed tCCD_L");
  lookback_ = t_.tCCD_L;
  mask_ = kInitialRing - 1;
  row_.assign(kInitialRing / 64, 0);
  data_.assign(kInitialRing / 64, 0);
  col_any_.assign(kInitialRing / 64, 0);
  bits_cleared_ = live_floor();
}

std::uint64_t HbmCommandCalendar::any_in_windows(const BitRing& r, HbmTick from, HbmTick width) const {
  if (width > 64) {  // split the window: bit i = any in [from+i, from+i+64) or in the rest
    return any_in_windows(r, from, 64) | any_in_windows(r, from + 64, width - 64);
  }
  // The 128 bits of cycles [from, from + 128): enough for 64 windows of up to 65 cycles.
  const std::uint64_t words_mask = (mask_ >> 6);
  auto word_at = [&](HbmTick cycle) {
    const std::uint64_t i = static_cast<std::uint64_t>(cycle) & mask_;
    const unsigned bit = static_cast<unsigned>(i & 63);
    const std::uint64_t w = i >> 6;
    std::uint64_t v = r[w] >> bit;
    if (bit != 0) v |= r[(w + 1) & words_mask] << (64 - bit);
    return v;
  };
  Bits128 bits = Bits128(word_at(from)) | (Bits128(word_at(from + 64)) << 64);
  // OR of bits >> k for k in [0, width), by doubling the covered span.
  HbmTick covered = 1;
  for (; covered * 2 <= width; covered *= 2) bits |= bits >> covered;
  if (covered < width) bits |= bits >> (width - covered);
  return static_cast<std::uint64_t>(bits);
}

std::uint64_t HbmCommandCalendar::legal_mask(HbmTick from, std::uint32_t bank_group, HbmTick data_latency) const {
  constexpr std::uint64_t kAll = ~std::uint64_t{0};
  // Data bus: the burst's cycles [c + latency, c + latency + burst) must all be free.
  std::uint64_t illegal = any_in_windows(data_, from + data_latency, t_.burst_cycles);
  // Any column command closer than tCCD_S, or one of the same bank group closer than tCCD_L.
  if (illegal != kAll) illegal |= any_in_windows(col_any_, from - (t_.tCCD_S - 1), 2 * t_.tCCD_S - 1);
  if (illegal != kAll && bank_group < col_group_.size())
    illegal |= any_in_windows(col_group_[bank_group], from - (t_.tCCD_L - 1), 2 * t_.tCCD_L - 1);
  return ~illegal;
}

HbmTick HbmCommandCalendar::first_legal(HbmTick c, std::uint32_t bank_group, HbmTick data_latency, HbmTick& base,
                                        std::uint64_t& legal) {
  for (;;) {
    // Past every reservation (the usual case for the next burst of a lone run): nothing conflicts.
    if (c >= col_high_ + lookback_ && c + data_latency >= data_high_) return c;
    if (c < base || c >= base + 64) {
      c = std::max(c, data_dense_ - data_latency);  // earlier cycles' data would land on a full stretch
      base = c;
      reach(base + 64 + std::max(t_.tCCD_L, data_latency + t_.burst_cycles));
      legal = legal_mask(base, bank_group, data_latency);
    }
    const std::uint64_t from_c = legal >> (c - base);
    if (from_c != 0) return c + __builtin_ctzll(from_c);
    c = base + 64;
  }
}

void HbmCommandCalendar::reserve_column(HbmTick c, std::uint32_t bank_group, HbmTick data_latency,
                                        PendingBits& pending) {
  reach(c + data_latency + t_.burst_cycles);
  const HbmTick block = c & ~HbmTick{63};
  if (block != pending.col_block) {
    flush(bank_group, pending);
    pending.col_block = block;
  }
  pending.col |= std::uint64_t{1} << (c - block);
  for (HbmTick y = c + data_latency; y < c + data_latency + t_.burst_cycles; ++y) {
    const HbmTick data_block = y & ~HbmTick{63};
    if (data_block != pending.data_block) {
      if (pending.data != 0) or_block(data_, pending.data_block, pending.data);
      pending.data_block = data_block;
      pending.data = 0;
    }
    pending.data |= std::uint64_t{1} << (y - data_block);
  }
  col_high_ = std::max(col_high_, c);
  data_high_ = std::max(data_high_, c + data_latency + t_.burst_cycles);
}

void HbmCommandCalendar::flush(std::uint32_t bank_group, PendingBits& pending) {
  if (pending.col != 0) {
    if (bank_group >= col_group_.size()) col_group_.resize(bank_group + 1, BitRing(col_any_.size(), 0));
    or_block(col_any_, pending.col_block, pending.col);
    or_block(col_group_[bank_group], pending.col_block, pending.col);
    pending.col = 0;
  }
  if (pending.data != 0) {
    or_block(data_, pending.data_block, pending.data);
    pending.data = 0;
  }
  while (data_dense_ < data_high_ && test_bit(data_, data_dense_)) ++data_dense_;
}

HbmTick HbmCommandCalendar::place_column(HbmTick earliest, std::uint32_t bank_group, HbmTick data_latency) {
  return place_run(earliest, bank_group, data_latency, 1, std::max(t_.tCCD_L, t_.burst_cycles));
}

HbmTick HbmCommandCalendar::place_run(HbmTick earliest, std::uint32_t bank_group, HbmTick data_latency,
                                      std::uint32_t bursts, HbmTick step) {
  if (step < t_.tCCD_L || step < t_.burst_cycles)
    throw std::logic_error("HbmCommandCalendar::place_run: step must be >= tCCD_L and >= burst cycles");
  // A burst at c constrains only cycles closer than tCCD_L (column) or the burst length (data),
  // so the run's own bursts never change the legality of cycles >= c + step: one legal mask
  // serves every burst of the run that falls in its 64 cycles, and the run's bits may reach
  // the rings late (the rest of the calendar sees them once the run is placed).
  HbmTick base = kEmpty;
  std::uint64_t legal = 0;
  PendingBits pending;
  HbmTick c = std::max(earliest, now_);
  for (std::uint32_t k = 0; k < bursts; ++k) {
    if (k > 0) c += step;
    c = first_legal(c, bank_group, data_latency, base, legal);
    reserve_column(c, bank_group, data_latency, pending);
  }
  flush(bank_group, pending);
  return c;
}

void HbmCommandCalendar::forget_bits(HbmTick floor) {
  if (floor <= bits_cleared_) return;
  const HbmTick size = HbmTick(mask_ + 1);
  auto clear = [&](BitRing& r) {
    if (floor - bits_cleared_ >= size) {
      std::fill(r.begin(), r.end(), 0);
      return;
    }
    for (HbmTick block = bits_cleared_; block < floor; block += 64)
      r[(static_cast<std::uint64_t>(block) & mask_) >> 6] = 0;
  };
  clear(row_);
  clear(data_);
  clear(col_any_);
  for (auto& g : col_group_) clear(g);
  bits_cleared_ = floor;
}

void HbmCommandCalendar::advance(HbmTick now) {
  if (now < now_) throw std::logic_error("HbmCommandCalendar::advance: time went backwards");
  now_ = now;
  data_dense_ = std::max(data_dense_, now_);
  forget_bits(live_floor());
  const HbmTick horizon = now_ - std::max(t_.tFAW, t_.tRRD);
  auto keep = std::lower_bound(acts_.begin(), acts_.end(), horizon);
  acts_.erase(acts_.begin(), keep);
}

void HbmCommandCalendar::grow(HbmTick c) {
  // Live reservations lie in [live_floor, ...); a ring of size W holds them without aliasing
  // as long as every reserved (or read) cycle is below live_floor + W.
  const HbmTick floor = live_floor();
  std::size_t size = mask_ + 1;
  while (c - floor >= HbmTick(size)) size *= 2;
  const std::uint64_t m = size - 1;
  forget_bits(floor);
  // Every live cycle lies in [floor, floor + old size); both ends are multiples of 64, so the
  // rings move a word at a time.
  auto regrow = [&](BitRing& r) {
    BitRing grown(size / 64, 0);
    for (HbmTick block = floor; block < floor + HbmTick(mask_ + 1); block += 64)
      grown[(static_cast<std::uint64_t>(block) & m) >> 6] = r[(static_cast<std::uint64_t>(block) & mask_) >> 6];
    r.swap(grown);
  };
  regrow(row_);
  regrow(data_);
  regrow(col_any_);
  for (auto& g : col_group_) regrow(g);
  mask_ = m;
}

HbmTick HbmCommandCalendar::place_precharge(HbmTick earliest) {
  HbmTick c = std::max(earliest, now_);
  for (reach(c); !row_free(c); reach(++c)) {
  }
  set_bit(row_, c);
  return c;
}

HbmTick HbmCommandCalendar::activate_conflict(HbmTick t) const {
  if (!row_free(t)) return t + 1;
  // acts_ is sorted; i = first ACT after t (none equals t: its row slot would be taken).
  const std::size_t i = std::upper_bound(acts_.begin(), acts_.end(), t) - acts_.begin();
  if (i > 0 && t - acts_[i - 1] < t_.tRRD) return acts_[i - 1] + t_.tRRD;
  if (i < acts_.size() && acts_[i] - t < t_.tRRD) return acts_[i] + t_.tRRD;
  if (t_.tFAW > 0) {
    // With t inserted at position i, every five consecutive ACTs must span at least tFAW.
    auto at = [&](std::ptrdiff_t k) { return k < std::ptrdiff_t(i) ? acts_[k] : k == std::ptrdiff_t(i) ? t : acts_[k - 1]; };
    const std::ptrdiff_t n = std::ptrdiff_t(acts_.size()) + 1;
    for (std::ptrdiff_t j = std::max<std::ptrdiff_t>(0, std::ptrdiff_t(i) - 4); j <= std::ptrdiff_t(i) && j + 4 < n; ++j) {
      if (at(j + 4) - at(j) >= t_.tFAW) continue;
      // If t closes the window, the first legal cycle is window start + tFAW; otherwise t sits
      // inside a window of later ACTs and must move past them.
      return j + 4 == std::ptrdiff_t(i) ? at(j) + t_.tFAW : at(j + 4) + 1;
    }
  }
  return 0;
}

HbmTick HbmCommandCalendar::place_activate(HbmTick earliest) {
  HbmTick t = std::max(earliest, now_);
  for (HbmTick next; reach(t), (next = activate_conflict(t)) != 0;) t = next;
  set_bit(row_, t);
  acts_.insert(std::upper_bound(acts_.begin(), acts_.end(), t), t);
  return t;
}

}  // namespace tessera
