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
  lookback_ = std::max(t_.tCCD_S, t_.tCCD_L);
  mask_ = kInitialRing - 1;
  row_.assign(kInitialRing, kEmpty);
  data_.assign(kInitialRing, kEmpty);
  col_.assign(kInitialRing, ColumnSlot{});
}

void HbmCommandCalendar::advance(HbmTick now) {
  if (now < now_) throw std::logic_error("HbmCommandCalendar::advance: time went backwards");
  now_ = now;
  data_dense_ = std::max(data_dense_, now_);
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
  std::vector<ColumnSlot> col(size);
  const std::uint64_t m = size - 1;
  for (std::size_t i = 0; i <= mask_; ++i) {
    if (row_[i] >= floor) row[row_[i] & m] = row_[i];
    if (data_[i] >= floor) data[data_[i] & m] = data_[i];
    if (col_[i].cycle >= floor) col[col_[i].cycle & m] = col_[i];
  }
  row_.swap(row);
  data_.swap(data);
  col_.swap(col);
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
      for (HbmTick d = -(span - 1); d <= span - 1; ++d) {
        const HbmTick y = c + d;
        const ColumnSlot& s = col_[y & mask_];
        if (s.cycle != y) continue;
        const HbmTick need = s.bank_group == bank_group ? t_.tCCD_L : t_.tCCD_S;
        if ((d < 0 ? -d : d) < need) next = std::max(next, y + need);
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
  col_[c & mask_] = ColumnSlot{c, bank_group};
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
