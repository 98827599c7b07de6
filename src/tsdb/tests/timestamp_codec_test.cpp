#include "tsdb/timestamp_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

namespace kubemonitor::tsdb {
namespace {

std::vector<int64_t> roundTrip(const std::vector<int64_t>& timestamps, size_t* bits = nullptr) {
  TimestampEncoder encoder;
  BitWriter writer;
  for (int64_t ts : timestamps) EXPECT_TRUE(encoder.append(ts, writer).ok()) << ts;
  if (bits != nullptr) *bits = writer.bitCount();
  const auto bytes = std::move(writer).take();
  BitReader reader(bytes);
  TimestampDecoder decoder(encoder.firstMs());
  std::vector<int64_t> out;
  for (size_t i = 0; i < timestamps.size(); ++i) {
    auto ts = decoder.next(reader);
    EXPECT_TRUE(ts.ok()) << i;
    if (!ts) break;
    out.push_back(*ts);
  }
  EXPECT_TRUE(reader.atPaddedEnd());
  return out;
}

TEST(TimestampCodecTest, GridCostsOneBitPerSampleAfterTheSecond) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 100; ++i) ts.push_back(1796083200000 + i * 5000);
  size_t bits = 0;
  EXPECT_EQ(roundTrip(ts, &bits), ts);
  // Second sample: dod 5000 → zigzag 10000 fits 14 bits ("110" + 14); then 98 × "0".
  EXPECT_EQ(bits, 3U + 14U + 98U);
}

TEST(TimestampCodecTest, EachBucketBoundaryRoundTrips) {
  // dods at and just past each bucket limit, both signs, starting from a 5 s grid.
  std::vector<int64_t> ts = {0, 5000};
  int64_t delta = 5000;
  for (int64_t dod : {int64_t{63}, int64_t{-64}, int64_t{64}, int64_t{-65}, int64_t{8191}, int64_t{-8192},
                      int64_t{8192}, int64_t{-8193}, int64_t{(1 << 23) - 1}, int64_t{1 << 23}, int64_t{-(1 << 23)},
                      int64_t{1} << 40}) {
    delta += dod;
    if (delta <= 0) delta = 1 + (delta & 0xFF);
    ts.push_back(ts.back() + delta);
  }
  EXPECT_EQ(roundTrip(ts), ts);
}

TEST(TimestampCodecTest, NegativeDodsLargeGapsAndInt64Extremes) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  const int64_t max = std::numeric_limits<int64_t>::max();
  const std::vector<int64_t> ts = {min, min + 1, min + 1000000, -5, 0, 1, max - 10, max - 9, max};
  EXPECT_EQ(roundTrip(ts), ts);
  const std::vector<int64_t> shrinking = {0, 100000, 150000, 160000, 160001};
  EXPECT_EQ(roundTrip(shrinking), shrinking);
}

TEST(TimestampCodecTest, RandomIncreasingSequencesRoundTrip) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<int64_t> ts;
    int64_t t = static_cast<int64_t>(rng() >> 2) - (int64_t{1} << 61);
    for (int i = 0; i < 300; ++i) {
      const uint64_t kind = rng() % 10;
      const int64_t step = kind < 7 ? 5000 : kind < 9 ? 1 + static_cast<int64_t>(rng() % 20000)
                                                      : 1 + static_cast<int64_t>(rng() % (int64_t{1} << 40));
      t += step;
      ts.push_back(t);
    }
    ASSERT_EQ(roundTrip(ts), ts) << "round " << round;
  }
}

TEST(TimestampCodecTest, OlderOrEqualTimestampIsRejectedAndWritesNothing) {
  TimestampEncoder encoder;
  BitWriter writer;
  ASSERT_TRUE(encoder.append(10000, writer).ok());
  ASSERT_TRUE(encoder.append(15000, writer).ok());
  const size_t bits = writer.bitCount();
  auto older = encoder.append(14999, writer);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(encoder.append(15000, writer).ok()) << "equal is a duplicate";
  EXPECT_EQ(writer.bitCount(), bits);
  EXPECT_EQ(encoder.count(), 2U);
  EXPECT_TRUE(encoder.append(20000, writer).ok()) << "the encoder is still usable";
  EXPECT_EQ(encoder.lastMs(), 20000);
}

TEST(TimestampCodecTest, DecoderRejectsNonIncreasingAndTruncatedStreams) {
  // "10" + zigzag(-5000 − 0) does not fit 7 bits; hand-build "1111" + 64-bit zigzag(-1): delta −1.
  BitWriter writer;
  writer.writeBits(0b1111, 4);
  writer.writeBits(zigzagEncode(-1), 64);
  const auto bytes = std::move(writer).take();
  BitReader reader(bytes);
  TimestampDecoder decoder(1000);
  ASSERT_EQ(*decoder.next(reader), 1000);
  auto bad = decoder.next(reader);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kParse);

  const std::vector<uint8_t> cut = {0b11000000};  // "110" then only 5 of 14 bits
  BitReader short_reader(cut);
  TimestampDecoder short_decoder(0);
  ASSERT_TRUE(short_decoder.next(short_reader).ok());
  EXPECT_EQ(short_decoder.next(short_reader).error().code, ErrorCode::kTruncated);
}

}  // namespace
}  // namespace kubemonitor::tsdb
