// The shared command and data buses of one HBM pseudo-channel, as a calendar of reserved
// cycles. HbmChannel computes each request's commands ahead of time; the calendar finds the
// earliest cycle at or after a lower bound where a command is legal with respect to every
// command already reserved, before or after it, and reserves it:
//   row bus     one ACT or PRE per cycle; ACT also tRRD to every other ACT and at most four
//               ACTs in any tFAW window;
//   column bus  tCCD_L to column commands of the same bank group, tCCD_S to other groups;
//   data bus    a column command at c holds the data bus for [c + latency, c + latency + burst).
// HBM has separate row and column command buses, so a row and a column command may share a cycle.
// Reservations may be made out of order (a later request may use a gap before an earlier one's
// commands), which is how bursts of different bank groups interleave on the data bus.
//
// Cycles are in the HBM command clock. Callers advance() to the current cycle before placing;
// nothing is ever placed before the current cycle. Work per placement is proportional to the
// reserved cycles it has to skip, not to elapsed time.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace tessera {

using HbmTick = std::int64_t;  // signed so that "long ago" minus a timing stays negative

struct HbmBusTiming {
  HbmTick tCCD_S = 1, tCCD_L = 1, tRRD = 1, tFAW = 0;
  HbmTick burst_cycles = 1;  // data-bus cycles per column command
};

class HbmCommandCalendar {
 public:
  explicit HbmCommandCalendar(const HbmBusTiming& t);

  /// Forgets reservations that can no longer constrain a command at or after `now`.
  void advance(HbmTick now);
  /// Reserves a PRE (or any row command other than ACT) at the first free row-bus cycle >= earliest.
  HbmTick place_precharge(HbmTick earliest);
  /// Reserves an ACT at the first cycle >= earliest meeting the row bus, tRRD and tFAW.
  HbmTick place_activate(HbmTick earliest);
  /// Reserves a column command of `bank_group` at the first cycle >= earliest meeting tCCD_S/L
  /// whose data, `data_latency` cycles later (tCL or tWL), finds the data bus free.
  HbmTick place_column(HbmTick earliest, std::uint32_t bank_group, HbmTick data_latency);

  /// Reserves `bursts` column commands of one bank, each at least `step` after the previous
  /// (place_column for each); returns the last one's cycle.
  HbmTick place_run(HbmTick earliest, std::uint32_t bank_group, HbmTick data_latency, std::uint32_t bursts,
                    HbmTick step);

  HbmTick now() const { return now_; }

 private:
  static constexpr HbmTick kEmpty = std::numeric_limits<HbmTick>::min();
  /// Column reservations as bit rings (one bit per cycle, same indexing as the other rings):
  /// a window of cycles is then tested with a word or two instead of a slot per cycle.
  using BitRing = std::vector<std::uint64_t>;
  static void set_bit(BitRing& r, std::uint64_t index) { r[index >> 6] |= std::uint64_t{1} << (index & 63); }
  /// The latest cycle in [lo, hi] whose bit is set in `r`, or kEmpty.
  HbmTick latest_in(const BitRing& r, HbmTick lo, HbmTick hi) const;
  /// Clears the column bits of cycles before `floor` that are still in the rings.
  void forget_columns(HbmTick floor);
  bool row_free(HbmTick c) const { return row_[c & mask_] != c; }
  bool data_free(HbmTick c) const { return data_[c & mask_] != c; }
  /// Makes sure `c` can be reserved without aliasing a live reservation; grows the rings.
  void reach(HbmTick c) {
    if (c - (now_ - lookback_) >= HbmTick(mask_ + 1)) grow(c);
  }
  void grow(HbmTick c);
  HbmTick reserve_column(HbmTick c, std::uint32_t bank_group, HbmTick data_latency);
  /// 0 if an ACT at t is legal, else a later cycle worth trying.
  HbmTick activate_conflict(HbmTick t) const;

  HbmBusTiming t_;
  HbmTick now_ = 0;
  HbmTick lookback_ = 1;      // column slots before now that still constrain (tCCD)
  HbmTick data_dense_ = 0;    // every data-bus cycle in [now, data_dense_) is reserved
  /// Moves data_packed_ forward over data-bus stretches whose free gaps are all shorter than a
  /// burst (no burst can start there). Each cycle is passed once, so the cost is amortised.
  void extend_packed();
  HbmTick data_packed_ = 0;  // no free data-bus gap of a burst's length starts before this cycle
  HbmTick col_high_ = kEmpty / 2;   // latest column command reserved
  HbmTick data_high_ = kEmpty / 2;  // end of the latest data-bus reservation
  std::uint64_t mask_ = 0;    // ring size - 1 (power of two)
  std::vector<HbmTick> row_;  // row-bus ring: the cycle reserved in each slot
  std::vector<HbmTick> data_;
  BitRing col_any_;                   // column commands of every bank group
  std::vector<BitRing> col_group_;    // column commands per bank group (grown on first use)
  HbmTick col_cleared_ = 0;           // column bits of cycles before this one are clear
  std::vector<HbmTick> acts_;  // reserved ACT cycles, sorted, those that can still constrain
};

}  // namespace tessera
