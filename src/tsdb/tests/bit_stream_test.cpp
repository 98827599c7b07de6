#include "tsdb/bit_stream.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "tsdb/crc32c.h"

namespace kubemonitor::tsdb {
namespace {

TEST(BitStreamTest, WritesMostSignificantBitFirst) {
  BitWriter writer;
  writer.writeBits(0b101, 3);
  writer.writeBits(0xFF, 8);
  writer.writeBit(false);
  writer.writeBits(0b1, 1);
  ASSERT_EQ(writer.bitCount(), 13U);
  ASSERT_EQ(writer.bytes().size(), 2U);
  EXPECT_EQ(writer.bytes()[0], 0b10111111);
  EXPECT_EQ(writer.bytes()[1], 0b11101000) << "unused low bits are zero";
}

TEST(BitStreamTest, RoundTripsRandomWidthsIncluding0And64) {
  std::mt19937_64 rng(42);
  std::vector<std::pair<uint64_t, int>> written;
  BitWriter writer;
  for (int i = 0; i < 5000; ++i) {
    const int width = static_cast<int>(rng() % 65);
    const uint64_t value = width == 64 ? rng() : (width == 0 ? 0 : rng() & ((uint64_t{1} << width) - 1));
    writer.writeBits(value, width);
    written.emplace_back(value, width);
  }
  const auto bytes = std::move(writer).take();
  BitReader reader(bytes);
  for (const auto& [value, width] : written) {
    auto got = reader.readBits(width);
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(*got, value) << "width " << width;
  }
  EXPECT_TRUE(reader.atPaddedEnd());
}

TEST(BitStreamTest, WriterMasksBitsAboveTheWidth) {
  BitWriter writer;
  writer.writeBits(~uint64_t{0}, 4);
  EXPECT_EQ(writer.bytes()[0], 0xF0);
}

TEST(BitStreamTest, ReadingPastTheEndIsTruncatedNotUndefined) {
  const std::vector<uint8_t> bytes = {0xAB};
  BitReader reader(bytes);
  auto first = reader.readBits(6);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 0b101010U);
  auto too_many = reader.readBits(3);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, ErrorCode::kTruncated);
  EXPECT_EQ(reader.positionBits(), 6U) << "a failed read consumes nothing";
  auto bit = reader.readBit();
  ASSERT_TRUE(bit.ok());
  EXPECT_TRUE(*bit);
  ASSERT_TRUE(reader.readBit().ok());
  EXPECT_EQ(reader.readBit().error().code, ErrorCode::kTruncated);
  EXPECT_EQ(reader.readBits(65).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(reader.readBits(-1).error().code, ErrorCode::kInvalidArgument);

  BitReader empty(std::span<const uint8_t>{});
  EXPECT_EQ(empty.readBits(1).error().code, ErrorCode::kTruncated);
  EXPECT_TRUE(empty.atPaddedEnd());
}

TEST(BitStreamTest, PaddedEndRejectsNonZeroPaddingAndWholeBytes) {
  const std::vector<uint8_t> clean = {0b11000000};
  BitReader a(clean);
  ASSERT_TRUE(a.readBits(2).ok());
  EXPECT_TRUE(a.atPaddedEnd());
  const std::vector<uint8_t> dirty = {0b11000100};
  BitReader b(dirty);
  ASSERT_TRUE(b.readBits(2).ok());
  EXPECT_FALSE(b.atPaddedEnd());
  const std::vector<uint8_t> two = {0, 0};
  BitReader c(two);
  EXPECT_FALSE(c.atPaddedEnd()) << "a whole unread byte is not padding";
}

TEST(BitStreamTest, ZigzagMapsSmallMagnitudesToSmallCodesOverTheFullRange) {
  EXPECT_EQ(zigzagEncode(0), 0U);
  EXPECT_EQ(zigzagEncode(-1), 1U);
  EXPECT_EQ(zigzagEncode(1), 2U);
  EXPECT_EQ(zigzagEncode(-2), 3U);
  EXPECT_EQ(zigzagEncode(std::numeric_limits<int64_t>::max()), ~uint64_t{0} - 1);
  EXPECT_EQ(zigzagEncode(std::numeric_limits<int64_t>::min()), ~uint64_t{0});
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{7}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max(), int64_t{-123456789}}) {
    EXPECT_EQ(zigzagDecode(zigzagEncode(v)), v);
  }
}

TEST(Crc32cTest, StandardCheckValue) {
  const std::string_view check = "123456789";
  EXPECT_EQ(crc32c({reinterpret_cast<const uint8_t*>(check.data()), check.size()}), 0xE3069283U);
  EXPECT_EQ(crc32c({}), 0U);
  // RFC 3720 B.4: 32 bytes of zeros.
  const std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAU);
  const std::vector<uint8_t> ones(32, 0xFF);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43U);
}

TEST(Crc32cTest, IncrementalEqualsOneShotAtEverySplit) {
  std::vector<uint8_t> bytes(37);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + 3);
  const uint32_t whole = crc32c(bytes);
  const std::span<const uint8_t> all(bytes);
  for (size_t split = 0; split <= bytes.size(); ++split) {
    EXPECT_EQ(crc32c(all.subspan(split), crc32c(all.first(split))), whole) << split;
  }
}

}  // namespace
}  // namespace kubemonitor::tsdb
