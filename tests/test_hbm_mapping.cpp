// HBM address mapping: decode, split into row runs, and rejection of invalid mappings.
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "models/memory/address_mapping.h"
#include "tests/test_hbm_common.h"

using namespace tessera;

namespace {

// 2 stacks x 4 channels = 8 Ch values (3 bits), 2 Pc (1 bit), 4 Co = 1024 / 256 (2 bits),
// 4 Bg (2 bits), 4 Ba (2 bits), then the row; 8 bits of offset in a 256-byte chunk.
HbmConfig mapping_config(const char* mapping) {
  HbmConfig c = tessera::test::hbm3_like(2, 4, 2);
  c.address_mapping = mapping;
  return c;
}

bool same(const DramCoord& a, const DramCoord& b) {
  return a.controller == b.controller && a.bank_group == b.bank_group && a.bank == b.bank &&
         a.row == b.row && a.column_byte == b.column_byte;
}

}  // namespace

TEST_CASE("address mapping: decode follows the field order", "[hbm][mapping]") {
  const AddressMapping m(mapping_config("Ro-Ba-Bg-Co-Pc-Ch"));
  // row 5, bank 2, group 1, column chunk 3, pseudo-channel 1, channel 6, offset 17:
  // ((((((5*4 + 2)*4 + 1)*4 + 3)*2 + 1)*8 + 6)*256 + 17 = (5758)*256 + 17 = 1474065
  const DramCoord c = m.decode(1474065);
  CHECK(c.row == 5);
  CHECK(c.bank == 2);
  CHECK(c.bank_group == 1);
  CHECK(c.controller == 6 * 2 + 1);  // channel * pseudo-channels + pseudo-channel
  CHECK(c.column_byte == 3 * 256 + 17);

  // Same coordinates with the column chunk lowest ("Ro-Ba-Bg-Pc-Ch-Co"):
  // (((((5*4 + 2)*4 + 1)*2 + 1)*8 + 6)*4 + 3)*256 + 17 = (5755)*256 + 17 = 1473297
  const AddressMapping m2(mapping_config("Ro-Ba-Bg-Pc-Ch-Co"));
  CHECK(same(m2.decode(1473297), c));
}

TEST_CASE("address mapping: split yields row runs that never cross a row", "[hbm][mapping]") {
  SECTION("channel interleave lowest: runs end at each 256-byte chunk") {
    const AddressMapping m(mapping_config("Ro-Ba-Bg-Co-Pc-Ch"));
    std::vector<RowRun> runs;
    m.split(100, 1000, runs);
    // [100, 256) on channel 0; then 256 bytes each on channels 1, 2, 3 (controllers 2, 4, 6);
    // then the last 1000 - 156 - 768 = 76 bytes on channel 4 (controller 8).
    REQUIRE(runs.size() == 5);
    CHECK(runs[0].at.controller == 0);
    CHECK(runs[0].at.column_byte == 100);
    CHECK(runs[0].bytes == 156);
    CHECK(runs[0].bursts == 5);  // bytes 100..255 touch 32-byte bursts 3..7
    for (int i = 1; i <= 3; ++i) {
      CHECK(runs[i].at.controller == std::uint32_t(2 * i));
      CHECK(runs[i].at.column_byte == 0);
      CHECK(runs[i].bytes == 256);
      CHECK(runs[i].bursts == 8);
    }
    CHECK(runs[4].at.controller == 8);
    CHECK(runs[4].bytes == 76);
    CHECK(runs[4].bursts == 3);
  }
  SECTION("column chunk lowest: a run extends to the end of the row") {
    const AddressMapping m(mapping_config("Ro-Ba-Bg-Pc-Ch-Co"));
    std::vector<RowRun> runs;
    m.split(0, 3000, runs);
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].bytes == 1024);
    CHECK(runs[0].bursts == 32);
    CHECK(runs[1].at.controller == 2);  // the next 1024 bytes: channel 1
    CHECK(runs[1].bytes == 1024);
    CHECK(runs[2].at.controller == 4);
    CHECK(runs[2].bytes == 3000 - 2048);
    CHECK(runs[2].bursts == 30);  // ceil(952 / 32)
    runs.clear();
    m.split(1000, 100, runs);  // 24 bytes to the end of the row, then 76 on the next channel
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].bytes == 24);
    CHECK(runs[0].bursts == 1);
    CHECK(runs[1].at.controller == 2);
    CHECK(runs[1].bytes == 76);
  }
  SECTION("random splits cover the range exactly, run by run") {
    for (const char* mapping : {"Ro-Ba-Bg-Co-Pc-Ch", "Ro-Ba-Bg-Pc-Ch-Co", "Ba-Ro-Bg-Co-Pc-Ch", "Ch-Ro-Pc-Ba-Co-Bg",
                                "5 stacks: Ro-Ba-Co-Bg-Pc-Ch"}) {
      INFO(mapping);
      HbmConfig cfg = mapping_config(mapping);
      if (cfg.address_mapping.starts_with("5 stacks: ")) {
        cfg.address_mapping = cfg.address_mapping.substr(10);
        cfg.stacks = 5;
      }
      const AddressMapping m(cfg);
      std::mt19937_64 rng(7);
      std::vector<RowRun> runs;
      for (int k = 0; k < 2000; ++k) {
        const std::uint64_t addr = rng() % (1ull << 34);
        const Bytes len = 1 + rng() % 5000;
        runs.clear();
        m.split(addr, len, runs);
        std::uint64_t at = addr;
        for (const RowRun& r : runs) {
          REQUIRE(same(r.at, m.decode(at)));
          REQUIRE(r.bytes > 0);
          REQUIRE(r.at.column_byte + r.bytes <= 1024);
          REQUIRE(r.bursts == (r.at.column_byte + r.bytes - 1) / 32 - r.at.column_byte / 32 + 1);
          // Every byte of the run decodes to the same row, bank and controller.
          REQUIRE(same(m.decode(at + r.bytes - 1),
                       DramCoord{r.at.controller, r.at.bank_group, r.at.bank, r.at.row,
                                 std::uint32_t(r.at.column_byte + r.bytes - 1)}));
          at += r.bytes;
        }
        REQUIRE(at == addr + len);
      }
    }
  }
}

TEST_CASE("address mapping: distinct chunks map to distinct locations", "[hbm][mapping]") {
  for (const char* mapping : {"Ro-Ba-Bg-Co-Pc-Ch", "Ba-Ro-Bg-Co-Pc-Ch", "Co-Ch-Pc-Bg-Ba-Ro"}) {
    INFO(mapping);
    const AddressMapping m(mapping_config(mapping));
    std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t, std::uint32_t>> seen;
    // 2^16 chunks of 256 bytes: every combination of the 14 bits of Ch..Ba plus 2 row bits.
    for (std::uint64_t chunk = 0; chunk < (1u << 16); ++chunk) {
      const DramCoord c = m.decode(chunk * 256 * 4099 % (1ull << 34));  // odd stride: spread over the space
      seen.emplace(c.controller, c.bank_group, c.bank, c.row, c.column_byte / 256);
    }
    CHECK(seen.size() == (1u << 16));
  }
}

TEST_CASE("address mapping: invalid mappings are rejected naming the key", "[hbm][mapping]") {
  using Catch::Contains;
  auto make = [](const char* mapping) { return AddressMapping(mapping_config(mapping)); };
  CHECK_THROWS_WITH(make("Ro-Ba-Bg-Co-Pc"), Contains("hbm.address_mapping") && Contains("Ch is missing"));
  CHECK_THROWS_WITH(make("Ro-Ba-Bg-Co-Pc-Ch-Ba"), Contains("hbm.address_mapping") && Contains("Ba appears twice"));
  CHECK_THROWS_WITH(make("Ro-Ba-Bg-Xx-Pc-Ch"), Contains("hbm.address_mapping") && Contains("unknown field \"Xx\""));
  CHECK_THROWS_WITH(make("ro-ba-bg-co-pc-ch"), Contains("hbm.address_mapping") && Contains("unknown field"));
  CHECK_THROWS_WITH(make(""), Contains("hbm.address_mapping") && Contains("expected each of Ro, Ba, Bg, Co, Pc, Ch"));
  CHECK_THROWS_WITH(make("Ro--Ba-Bg-Co-Pc-Ch"), Contains("hbm.address_mapping"));

  HbmConfig c = mapping_config("Ro-Ba-Bg-Co-Pc-Ch");
  c.bank_groups = 3;
  CHECK_THROWS_WITH(AddressMapping(c), Contains("hbm.address_mapping") && Contains("hbm.bank_groups") &&
                                           Contains("power of two"));
  c = mapping_config("Ro-Ba-Bg-Co-Pc-Ch");
  c.pseudo_channels_per_channel = 3;
  CHECK_THROWS_WITH(AddressMapping(c), Contains("hbm.address_mapping") && Contains("field Pc has 3 values") &&
                                           Contains("hbm.pseudo_channels_per_channel"));
  c = mapping_config("Ro-Ba-Bg-Co-Pc-Ch");
  c.row_bytes = 768;  // 3 column chunks of 256
  CHECK_THROWS_WITH(AddressMapping(c), Contains("hbm.address_mapping") && Contains("field Co has 3 values"));
  c = mapping_config("Ro-Ba-Bg-Co-Pc-Ch");
  c.channels_per_stack = 0;
  CHECK_THROWS_WITH(AddressMapping(c), Contains("hbm.address_mapping") && Contains("field Ch has no values"));
  for (Bytes bad : {Bytes(48), Bytes(16), Bytes(2048), Bytes(0)}) {
    c = mapping_config("Ro-Ba-Bg-Co-Pc-Ch");
    c.interleave_bytes = bad;
    INFO(bad);
    CHECK_THROWS_WITH(AddressMapping(c), Contains("hbm.interleave_bytes"));
  }
}

TEST_CASE("address mapping: channel and row counts need not be powers of two", "[hbm][mapping]") {
  // 5 stacks x 4 channels = 20 Ch values (as on parts with 5 active stacks), 2 Pc.
  HbmConfig c = mapping_config("Ro-Ba-Bg-Co-Pc-Ch");
  c.stacks = 5;
  const AddressMapping m(c);
  // Chunk k (256 bytes) of the lowest field goes to channel k mod 20, pseudo-channel k / 20 mod 2.
  // Chunk 47 = 2 * 20 + 7: channel 7, pseudo-channel 0 (2 mod 2), column chunk 1 (47 / 40).
  const DramCoord d = m.decode(47 * 256 + 5);
  CHECK(d.controller == 7 * 2 + 0);
  CHECK(d.column_byte == 1 * 256 + 5);
  std::vector<RowRun> runs;
  m.split(19 * 256, 512, runs);  // chunks 19 and 20: channel 19 then channel 0, pseudo-channel 1
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].at.controller == 19 * 2);
  CHECK(runs[1].at.controller == 0 * 2 + 1);

  // Ro below Ba with 12 GiB: 12 GiB / (16 controllers * 16 banks * 1 KiB) = 49152 rows per bank,
  // the radix of Ro. Below Ro sit 16 bits (Bg 2, Co 2, Pc 1, Ch 3, offset 8), so address
  // (1 * 49152 + 49151) * 2^16 is bank 1, row 49151, and the next row's worth is bank 2, row 0.
  c = mapping_config("Ba-Ro-Bg-Co-Pc-Ch");
  c.capacity_gib = 12;
  const AddressMapping r(c);
  const DramCoord last = r.decode((1ull * 49152 + 49151) << 16);
  CHECK(last.bank == 1);
  CHECK(last.row == 49151);
  const DramCoord next = r.decode((1ull * 49152 + 49152) << 16);
  CHECK(next.bank == 2);
  CHECK(next.row == 0);

}
