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
// nothing is ever placed before the current cycle. A column placement tests 64 candidate cycles
// per step with word operations, so its work grows with the reserved stretch it has to skip
// (1/64 per cycle), not with elapsed time.
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

  /// Reserves `bursts` column commands of one bank, each at the first legal cycle at least
  /// `step` after the previous (as place_column for each); returns the last one's cycle.
  /// step must be >= tCCD_L and >= burst cycles, so a burst never constrains the run's next one.
  HbmTick place_run(HbmTick earliest, std::uint32_t bank_group, HbmTick data_latency, std::uint32_t bursts,
                    HbmTick step);

  HbmTick now() const { return now_; }

 private:
  /// Reservations are bit rings, one bit per cycle (cycle y at bit y mod
  /// ring size), so legality is computed for 64 candidate cycles at once with word operations.
  using BitRing = std::vector<std::uint64_t>;
  static constexpr HbmTick kEmpty = std::numeric_limits<HbmTick>::min();
  void set_bit(BitRing& r, HbmTick cycle) const {
    const std::uint64_t i = static_cast<std::uint64_t>(cycle) & mask_;
    r[i >> 6] |= std::uint64_t{1} << (i & 63);
  }
  bool test_bit(const BitRing& r, HbmTick cycle) const {
    const std::uint64_t i = static_cast<std::uint64_t>(cycle) & mask_;
    return (r[i >> 6] >> (i & 63)) & 1;
  }
  /// Bit i = any bit of `r` set in cycles [from + i, from + i + width), for i in [0, 64).
  std::uint64_t any_in_windows(const BitRing& r, HbmTick from, HbmTick width) const;
  /// Bit i = a column command of `bank_group` with `data_latency` is legal at cycle from + i.
  std::uint64_t legal_mask(HbmTick from, std::uint32_t bank_group, HbmTick data_latency) const;
  /// The first legal column cycle >= c; `base`/`legal` cache one legal_mask between calls.
  HbmTick first_legal(HbmTick c, std::uint32_t bank_group, HbmTick data_latency, HbmTick& base,
                      std::uint64_t& legal);
  /// Bits of one run not yet written to the rings, one 64-cycle block per ring at a time (a
  /// run's bursts fall in few blocks, so the rings see a few word writes instead of four per burst).
  struct PendingBits {
    HbmTick col_block = kEmpty, data_block = kEmpty;  // first cycle of the block (multiple of 64)
    std::uint64_t col = 0, data = 0;
  };
  void reserve_column(HbmTick c, std::uint32_t bank_group, HbmTick data_latency, PendingBits& pending);
  void flush(std::uint32_t bank_group, PendingBits& pending);
  void or_block(BitRing& r, HbmTick block, std::uint64_t bits) {
    r[(static_cast<std::uint64_t>(block) & mask_) >> 6] |= bits;
  }
  /// Cycles before this one (a multiple of 64) can no longer constrain a placement.
  HbmTick live_floor() const { return (now_ - lookback_) & ~HbmTick{63}; }
  /// Clears the bits of cycles before `floor` (a multiple of 64) that are still in the rings.
  void forget_bits(HbmTick floor);
  bool row_free(HbmTick c) const { return !test_bit(row_, c); }
  /// Makes sure cycles up to `c` can be read or reserved without aliasing a live reservation.
  void reach(HbmTick c) {
    if (c - live_floor() >= HbmTick(mask_ + 1)) grow(c);
  }
  void grow(HbmTick c);
  /// 0 if an ACT at t is legal, else a later cycle worth trying.
  HbmTick activate_conflict(HbmTick t) const;

  HbmBusTiming t_;
  HbmTick now_ = 0;
  HbmTick lookback_ = 1;      // column cycles before now that still constrain (tCCD_L)
  HbmTick data_dense_ = 0;    // every data-bus cycle in [now, data_dense_) is reserved
  HbmTick col_high_ = kEmpty / 2;   // latest column command reserved
  HbmTick data_high_ = kEmpty / 2;  // end of the latest data-bus reservation
  std::uint64_t mask_ = 0;    // ring size - 1 (power of two, at least 64)
  BitRing row_;                       // row-bus commands (ACT, PRE)
  BitRing data_;                      // data-bus cycles
  BitRing col_any_;                   // column commands of every bank group
  std::vector<BitRing> col_group_;    // column commands per bank group (grown on first use)
  HbmTick bits_cleared_ = 0;          // bits of cycles before this one are clear
  std::vector<HbmTick> acts_;  // reserved ACT cycles, sorted, those that can still constrain
};

}  // namespace tessera
