#include "models/memory/hbm_command_calendar.h"

#include <algorithm>
#include <stdexcept>

namespace tessera {
namespace {
constexpr std::size_t kInitialRing = 1024;
}

HbmCommandCalendar::HbmCommandCalendar(const HbmBusTiming& t) : t_(t) {
  if (t_.tCCD_S < 1 || t_.tCCD_L < 1 || t_.tRRD < 1 || t_.burst_cycles < 1 || t_.tFAW < 0)
    throw std::logic_error("HbmCommandCalendar: tCCD_S, tCCD_L, tRRD and burst cycles must be >= 1");
  if (t_.tCCD_S > t_.tCCD_L) throw std::logic_error("HbmCommandCalendar: tCCD_S must not exceed tCCD_L");
  lookback_ = std::max(t_.tCCD_S, t_.tCCD_L);
  mask_ = kInitialRing - 1;
  row_.assign(kInitialRing, kEmpty);
  data_.assign(kInitialRing, kEmpty);
  col_any_.assign(kInitialRing / 64, 0);
  col_cleared_ = -lookback_;
}

HbmTick HbmCommandCalendar::latest_in(const BitRing& r, HbmTick lo, HbmTick hi) const {
  // Rings hold a multiple of 64 cycles, so ring words start at cycles that are multiples of 64.
  for (HbmTick y = hi; y >= lo;) {
    const std::uint64_t index = static_cast<std::uint64_t>(y) & mask_;
    const unsigned bit = static_cast<unsigned>(index & 63);
    const HbmTick base = y - bit;  // the cycle of the word's bit 0
    std::uint64_t m = r[index >> 6] & (bit == 63 ? ~std::uint64_t{0} : (std::uint64_t{2} << bit) - 1);
    if (base < lo) m &= ~((std::uint64_t{1} << (lo - base)) - 1);
    if (m != 0) return base + (63 - __builtin_clzll(m));
    y = base - 1;
  }
  return kEmpty;
}

void HbmCommandCalendar::forget_columns(HbmTick floor) {
  if (floor <= col_cleared_) return;
  const HbmTick size = HbmTick(mask_ + 1);
  auto clear = [&](BitRing& r) {
    if (floor - col_cleared_ >= size) {
      std::fill(r.begin(), r.end(), 0);
      return;
    }
    for (HbmTick y = col_cleared_; y < floor;) {  // a word at a time
      const std::uint64_t index = static_cast<std::uint64_t>(y) & mask_;
      const unsigned bit = static_cast<unsigned>(index & 63);
      const HbmTick n = std::min<HbmTick>(64 - bit, floor - y);
      const std::uint64_t bits = n == 64 ? ~std::uint64_t{0} : ((std::uint64_t{1} << n) - 1) << bit;
      r[index >> 6] &= ~bits;
      y += n;
    }
  };
  clear(col_any_);
  for (auto& g : col_group_) clear(g);
  col_cleared_ = floor;
}

void HbmCommandCalendar::advance(HbmTick now) {
  if (now < now_) throw std::logic_error("HbmCommandCalendar::advance: time went backwards");
  now_ = now;
  data_dense_ = std::max(data_dense_, now_);
  forget_columns(now_ - lookback_);
  const HbmTick horizon = now_ - std::max(t_.tFAW, t_.tRRD);
  auto keep = std::lower_bound(acts_.begin(), acts_.end(), horizon);
  acts_.erase(acts_.begin(), keep);
}

void HbmCommandCalendar::grow(HbmTick c) {
  // Live reservations lie in [now - lookback, ...); a ring of size W holds them without
  // aliasing as long as every reserved cycle is below now - lookback + W.
  const HbmTick floor = now_ - lookback_;
  std::size_t size = mask_ + 1;
  while (c - floor >= HbmTick(size)) size *= 2;
  std::vector<HbmTick> row(size, kEmpty), data(size, kEmpty);
  const std::uint64_t m = size - 1;
  for (std::size_t i = 0; i <= mask_; ++i) {
    if (row_[i] >= floor) row[row_[i] & m] = row_[i];
    if (data_[i] >= floor) data[data_[i] & m] = data_[i];
  }
  // Column bits: every live cycle lies in [floor, floor + old size) (bits before floor are clear).
  forget_columns(floor);
  auto regrow = [&](BitRing& r) {
    BitRing grown(size / 64, 0);
    for (HbmTick y = floor; y < floor + HbmTick(mask_ + 1); ++y) {
      const std::uint64_t i = static_cast<std::uint64_t>(y) & mask_;
      if (r[i >> 6] >> (i & 63) & 1) set_bit(grown, static_cast<std::uint64_t>(y) & m);
    }
    r.swap(grown);
  };
  regrow(col_any_);
  for (auto& g : col_group_) regrow(g);
  row_.swap(row);
  data_.swap(data);
  mask_ = m;
}

HbmTick HbmCommandCalendar::place_precharge(HbmTick earliest) {
  HbmTick c = std::max(earliest, now_);
  while (!row_free(c)) ++c;
  reach(c);
  row_[c & mask_] = c;
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
  for (HbmTick next; (next = activate_conflict(t)) != 0;) t = next;
  reach(t);
  row_[t & mask_] = t;
  acts_.insert(std::upper_bound(acts_.begin(), acts_.end(), t), t);
  return t;
}

HbmTick HbmCommandCalendar::place_column(HbmTick earliest, std::uint32_t bank_group, HbmTick data_latency) {
  HbmTick c = std::max({earliest, now_, data_dense_ - data_latency});
  const HbmTick span = lookback_;
  if (!(c >= col_high_ + span && c + data_latency >= data_high_)) {
    // Slow path: skip the stretch where no burst's data can fit at all.
    extend_packed();
    c = std::max(c, data_packed_ - data_latency);
  }
  // Fast path: past every reservation (the usual case for the next burst of a run), nothing can
  // conflict, so skip the scans.
  if (c >= col_high_ + span && c + data_latency >= data_high_) return reserve_column(c, bank_group, data_latency);
  for (;;) {
    HbmTick next = c;
    for (HbmTick j = 0; j < t_.burst_cycles; ++j) {
      const HbmTick y = c + data_latency + j;
      if (!data_free(y)) next = y - data_latency + 1;  // the data must start after y
    }
    if (next == c) {
      // Any column command closer than tCCD_S, or one of the same bank group closer than
      // tCCD_L, pushes c past the latest such command (tCCD_S <= tCCD_L, so a same-group
      // command within tCCD_S is covered by the second test too).
      const HbmTick any = latest_in(col_any_, c - (t_.tCCD_S - 1), c + (t_.tCCD_S - 1));
      if (any != kEmpty) next = std::max(next, any + t_.tCCD_S);
      if (bank_group < col_group_.size()) {
        const HbmTick same = latest_in(col_group_[bank_group], c - (t_.tCCD_L - 1), c + (t_.tCCD_L - 1));
        if (same != kEmpty) next = std::max(next, same + t_.tCCD_L);
      }
    }
    if (next == c) break;
    c = next;
  }
  return reserve_column(c, bank_group, data_latency);
}

void HbmCommandCalendar::extend_packed() {
  HbmTick p = std::max(data_packed_, now_);
  while (p < data_high_) {
    if (!data_free(p)) {
      ++p;
      continue;
    }
    HbmTick q = p;
    while (q < data_high_ && data_free(q) && q - p < t_.burst_cycles) ++q;
    // A gap of a burst's length, or one running into the free time after every reservation.
    if (q - p >= t_.burst_cycles || q >= data_high_) break;
    p = q;
  }
  data_packed_ = p;
}

HbmTick HbmCommandCalendar::reserve_column(HbmTick c, std::uint32_t bank_group, HbmTick data_latency) {
  reach(c + data_latency + t_.burst_cycles);
  if (bank_group >= col_group_.size()) col_group_.resize(bank_group + 1, BitRing(col_any_.size(), 0));
  const std::uint64_t index = static_cast<std::uint64_t>(c) & mask_;
  set_bit(col_any_, index);
  set_bit(col_group_[bank_group], index);
  for (HbmTick j = 0; j < t_.burst_cycles; ++j) data_[(c + data_latency + j) & mask_] = c + data_latency + j;
  while (!data_free(data_dense_)) ++data_dense_;
  col_high_ = std::max(col_high_, c);
  data_high_ = std::max(data_high_, c + data_latency + t_.burst_cycles);
  return c;
}

}  // namespace tessera

namespace tessera {

HbmTick HbmCommandCalendar::place_run(HbmTick earliest, std::uint32_t bank_group, HbmTick data_latency,
                                      std::uint32_t bursts, HbmTick step) {
  HbmTick c = place_column(earliest, bank_group, data_latency);
  // After the first burst, the rest of the run stays on the fast path as long as nothing was
  // reserved beyond it: every later burst is then past all reservations (step >= tCCD_L and
  // step >= burst cycles), so it is placed without scanning.
  for (std::uint32_t k = 1; k < bursts; ++k) {
    const HbmTick next = c + step;
    if (next >= col_high_ + lookback_ && next + data_latency >= data_high_) c = reserve_column(next, bank_group, data_latency);
    else c = place_column(next, bank_group, data_latency);
  }
  return c;
}

}  // namespace tessera
