#include "tsdb/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <random>
#include <string_view>
#include <vector>

namespace kubemonitor::tsdb {
namespace {

std::span<const uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST(Crc32cTest, KnownVectors) {
  // The check value of the CRC-32C catalogue entry, and the RFC 3720 (iSCSI) appendix B.4 vectors.
  EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283U);
  EXPECT_EQ(crc32c({}), 0U);
  std::vector<uint8_t> zeros(32, 0x00);
  std::vector<uint8_t> ones(32, 0xFF);
  std::vector<uint8_t> ascending(32);
  std::iota(ascending.begin(), ascending.end(), 0);
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAU);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43U);
  EXPECT_EQ(crc32c(ascending), 0x46DD794EU);
  EXPECT_EQ(crc32cPortable(bytes("123456789")), 0xE3069283U);
  EXPECT_EQ(crc32cPortable(ascending), 0x46DD794EU);
}

TEST(Crc32cTest, SeedChainsPieces) {
  const std::string_view text = "the quick brown fox jumps over the lazy dog";
  const uint32_t whole = crc32c(bytes(text));
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(crc32c(bytes(text.substr(cut)), crc32c(bytes(text.substr(0, cut)))), whole) << cut;
    EXPECT_EQ(crc32cPortable(bytes(text.substr(cut)), crc32cPortable(bytes(text.substr(0, cut)))), whole) << cut;
  }
}

TEST(Crc32cTest, HardwareAndPortableAgreeOnEveryLengthAndAlignment) {
  std::mt19937 random(42);
  std::vector<uint8_t> data(300);
  for (auto& b : data) b = static_cast<uint8_t>(random());
  for (size_t start = 0; start < 9; ++start) {
    for (size_t length = 0; start + length <= data.size(); length += 7) {
      std::span<const uint8_t> piece(data.data() + start, length);
      ASSERT_EQ(crc32c(piece, 0x12345678U), crc32cPortable(piece, 0x12345678U)) << start << "+" << length;
    }
  }
  // Either path is fine; say which one this machine took.
  RecordProperty("crc32c_hardware", crc32cHardwareAvailable() ? "sse4.2" : "table");
}

TEST(Crc32cTest, DetectsSingleBitFlips) {
  std::vector<uint8_t> data(64, 0xA5);
  const uint32_t good = crc32c(data);
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] ^= static_cast<uint8_t>(1U << (bit % 8));
    EXPECT_NE(crc32c(data), good) << bit;
    data[bit / 8] ^= static_cast<uint8_t>(1U << (bit % 8));
  }
}

}  // namespace
}  // namespace kubemonitor::tsdb
