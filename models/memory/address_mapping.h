// Physical address -> HBM (pseudo-)channel, bank group, bank, row, column, from the chip's
// hbm.address_mapping and hbm.interleave_bytes. The mapping decides how streams spread over
// channels and banks, so it is part of the config.
#pragma once

#include <cstdint>
#include <vector>

#include "models/config/chip_config.h"

namespace tessera {

struct DramCoord {
  std::uint32_t controller = 0;  // global pseudo-channel index, 0 .. hbm.controllers()-1
  std::uint32_t bank_group = 0;
  std::uint32_t bank = 0;        // within its group
  std::uint64_t row = 0;
  std::uint32_t column_byte = 0; // byte offset within the row
};

/// A run of bytes on one controller within one open row: served by back-to-back column commands.
struct RowRun {
  DramCoord at;       // where the run starts
  Bytes bytes = 0;    // does not cross a row boundary
  // Column commands needed: the burst-aligned units of the row that [at.column_byte,
  // at.column_byte + bytes) touches (ceil(bytes / burst_bytes) when the run is burst-aligned).
  std::uint32_t bursts = 0;
};

/// Address layout, least significant first: the interleave chunk offset (hbm.interleave_bytes),
/// then the fields of hbm.address_mapping read right to left, as a mixed-radix number. Ba, Bg,
/// Co and Pc must have power-of-two counts (DRAM address bits; decoded with shifts and masks).
/// Ch (stacks x channels, e.g. 5 x 16 = 80) and Ro (rows per bank, from the capacity, when Ro
/// is not most significant) may have any count; they are decoded by division. Ro as the most
/// significant field takes everything above; otherwise whatever lies above the most
/// significant field is folded into the row (row += high * rows), so no address is rejected.
class AddressMapping {
 public:
  explicit AddressMapping(const HbmConfig& hbm);  // throws Error on an invalid mapping string
  DramCoord decode(std::uint64_t address) const;
  /// Appends the row runs covering [address, address + bytes), in address order.
  void split(std::uint64_t address, Bytes bytes, std::vector<RowRun>& out) const;

 private:
  enum class Kind : std::uint8_t { row, bank, bank_group, column, pseudo_channel, channel };
  struct Field {
    Kind kind;
    std::uint64_t count;  // values this field takes (0 = unbounded: Ro as most significant field)
    unsigned bits;        // log2(count) when pow2
    bool pow2;            // decode with shift and mask rather than division
  };
  std::vector<Field> fields_lsb_first_;
  Bytes interleave_ = 0;
  unsigned interleave_bits_ = 0;
  Bytes burst_bytes_ = 0;
  Bytes row_bytes_ = 0;
  std::uint64_t rows_ = 0;               // rows per bank, used only when Ro is not most significant
  std::uint32_t pseudo_channels_ = 1;
  bool columns_contiguous_ = false;      // Co is the lowest field with more than one value
};

}  // namespace tessera
