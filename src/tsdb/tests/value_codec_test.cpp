#include "tsdb/value_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace kubemonitor::tsdb {
namespace {

std::vector<uint64_t> xorRoundTrip(const std::vector<uint64_t>& values, size_t* bits = nullptr) {
  XorEncoder encoder;
  BitWriter writer;
  for (uint64_t v : values) encoder.append(v, writer);
  if (bits != nullptr) *bits = writer.bitCount();
  const auto bytes = std::move(writer).take();
  BitReader reader(bytes);
  XorDecoder decoder;
  std::vector<uint64_t> out;
  for (size_t i = 0; i < values.size(); ++i) {
    auto v = decoder.next(reader);
    EXPECT_TRUE(v.ok()) << i;
    if (!v) break;
    out.push_back(*v);
  }
  EXPECT_TRUE(reader.atPaddedEnd());
  return out;
}

std::vector<uint64_t> integerRoundTrip(IntegerMode mode, const std::vector<uint64_t>& values, size_t* bits = nullptr) {
  IntegerEncoder encoder(mode);
  BitWriter writer;
  for (uint64_t v : values) encoder.append(v, writer);
  if (bits != nullptr) *bits = writer.bitCount();
  const auto bytes = std::move(writer).take();
  BitReader reader(bytes);
  IntegerDecoder decoder(mode);
  std::vector<uint64_t> out;
  for (size_t i = 0; i < values.size(); ++i) {
    auto v = decoder.next(reader);
    EXPECT_TRUE(v.ok()) << i;
    if (!v) break;
    out.push_back(*v);
  }
  EXPECT_TRUE(reader.atPaddedEnd());
  return out;
}

uint64_t bitsOf(double d) { return std::bit_cast<uint64_t>(d); }

TEST(XorCodecTest, SpecialDoublesRoundTripBitForBit) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<uint64_t> values = {
      bitsOf(0.0),  bitsOf(-0.0), bitsOf(inf), bitsOf(-inf), bitsOf(std::numeric_limits<double>::quiet_NaN()),
      0x7FF0000000000001ULL,  // signalling NaN with payload 1
      0xFFF8DEADBEEF0001ULL,  // negative quiet NaN with a payload
      bitsOf(std::numeric_limits<double>::denorm_min()), bitsOf(std::numeric_limits<double>::max()),
      bitsOf(std::numeric_limits<double>::lowest()), bitsOf(1.0), bitsOf(1.0), bitsOf(-0.0), 0, ~uint64_t{0}, 1,
  };
  EXPECT_EQ(xorRoundTrip(values), values);
}

TEST(XorCodecTest, RepeatsCostOneBitAndSingleValueIs64) {
  size_t bits = 0;
  EXPECT_EQ(xorRoundTrip({bitsOf(180.5)}, &bits), std::vector<uint64_t>{bitsOf(180.5)});
  EXPECT_EQ(bits, 64U);
  const std::vector<uint64_t> flat(100, bitsOf(12.25));
  EXPECT_EQ(xorRoundTrip(flat, &bits), flat);
  EXPECT_EQ(bits, 64U + 99U);
}

TEST(XorCodecTest, RandomDoublesAndBitPatternsRoundTrip) {
  std::mt19937_64 rng(1234);
  std::normal_distribution<double> noise(0, 50);
  for (int round = 0; round < 20; ++round) {
    std::vector<uint64_t> values;
    double gauge = 100;
    for (int i = 0; i < 500; ++i) {
      if (rng() % 4 == 0) {
        values.push_back(rng());  // any pattern, NaNs included
      } else {
        gauge += noise(rng);
        values.push_back(bitsOf(gauge));
      }
    }
    ASSERT_EQ(xorRoundTrip(values), values) << round;
  }
}

TEST(XorCodecTest, CorruptWindowsAreParseErrors) {
  {
    BitWriter writer;  // first value, then "10" before any window exists
    writer.writeBits(0, 64);
    writer.writeBits(0b10, 2);
    writer.writeBits(0, 8);
    const auto bytes = std::move(writer).take();
    BitReader reader(bytes);
    XorDecoder decoder;
    ASSERT_TRUE(decoder.next(reader).ok());
    EXPECT_EQ(decoder.next(reader).error().code, ErrorCode::kParse);
  }
  {
    BitWriter writer;  // "11", 31 leading zeros, 40 meaningful bits: 71 > 64
    writer.writeBits(0, 64);
    writer.writeBits(0b11, 2);
    writer.writeBits(31, 5);
    writer.writeBits(40, 6);
    writer.writeBits(1, 40);
    const auto bytes = std::move(writer).take();
    BitReader reader(bytes);
    XorDecoder decoder;
    ASSERT_TRUE(decoder.next(reader).ok());
    EXPECT_EQ(decoder.next(reader).error().code, ErrorCode::kParse);
  }
  {
    const std::vector<uint8_t> bytes(7, 0);  // first value needs 8 bytes
    BitReader reader(bytes);
    XorDecoder decoder;
    EXPECT_EQ(decoder.next(reader).error().code, ErrorCode::kTruncated);
  }
}

class IntegerCodecTest : public ::testing::TestWithParam<IntegerMode> {};

TEST_P(IntegerCodecTest, Uint64ExtremesWraparoundAndResetsAreExact) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const std::vector<uint64_t> values = {max,     0,   max, 1,       max - 1, uint64_t{1} << 63, (uint64_t{1} << 63) - 1,
                                        0,       0,   max, max - 5, 42,      1'000'000'000'000, 3,
                                        max / 3, max, 0};
  EXPECT_EQ(integerRoundTrip(GetParam(), values), values);
}

TEST_P(IntegerCodecTest, RandomSeriesOfEveryScaleRoundTrip) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 40; ++round) {
    std::vector<uint64_t> values;
    uint64_t v = rng();
    const int width = 1 + round % 64;  // step magnitude of this round
    for (int i = 0; i < 400; ++i) {
      const uint64_t step = width == 64 ? rng() : rng() & ((uint64_t{1} << width) - 1);
      v = (rng() & 1) != 0 ? v + step : v - step;  // wraps freely
      if (rng() % 50 == 0) v = rng();               // a reset to anywhere
      values.push_back(v);
    }
    ASSERT_EQ(integerRoundTrip(GetParam(), values), values) << round;
  }
}

TEST_P(IntegerCodecTest, ConstantSeriesCostOneBitPerLaterSample) {
  const std::vector<uint64_t> flat(50, 48ULL << 20);
  size_t bits = 0;
  EXPECT_EQ(integerRoundTrip(GetParam(), flat, &bits), flat);
  // First value 48 MiB = 3 << 24: "11" + 6 bits width + "1" + 6 bits shift 24 + zigzag(3) = 6 in
  // 3 bits; then 49 zero residuals of one bit.
  EXPECT_EQ(bits, 2U + 6U + 1U + 6U + 3U + 49U);
}

TEST_P(IntegerCodecTest, ReuseOfWidthBeforeOneIsSetIsAParseError) {
  const std::vector<uint8_t> bytes = {0b10000000, 0};
  BitReader reader(bytes);
  IntegerDecoder decoder(GetParam());
  EXPECT_EQ(decoder.next(reader).error().code, ErrorCode::kParse);
  const std::vector<uint8_t> cut = {0b11111111};  // "11" + width 64, then nothing
  BitReader short_reader(cut);
  IntegerDecoder short_decoder(GetParam());
  EXPECT_EQ(short_decoder.next(short_reader).error().code, ErrorCode::kTruncated);
}

TEST_P(IntegerCodecTest, PageMultiplesDropTheirTrailingZerosInBothDirections) {
  std::mt19937_64 rng(12);
  std::vector<uint64_t> pages;
  std::vector<uint64_t> odd;
  uint64_t bytes = 1ULL << 30;
  for (int i = 0; i < 500; ++i) {
    const int64_t step_pages = static_cast<int64_t>(rng() % 65) - 32;  // shrinks as often as it grows
    bytes = static_cast<uint64_t>(static_cast<int64_t>(bytes) + step_pages * 4096);
    pages.push_back(bytes);
    odd.push_back(bytes + (rng() % 4096));  // the same walk, not page aligned
  }
  size_t page_bits = 0;
  size_t odd_bits = 0;
  EXPECT_EQ(integerRoundTrip(GetParam(), pages, &page_bits), pages);
  EXPECT_EQ(integerRoundTrip(GetParam(), odd, &odd_bits), odd);
  EXPECT_LT(page_bits * 2, odd_bits) << "12 of ~19 bits per step are trailing zeros";
  // Shifts up to 63, and residuals whose trailing zeros shrink and grow again.
  const std::vector<uint64_t> shifts = {0, uint64_t{1} << 63, 0, uint64_t{1} << 40, uint64_t{3} << 40, 7,
                                        (uint64_t{1} << 40) + 7, uint64_t{1} << 20, 0};
  EXPECT_EQ(integerRoundTrip(GetParam(), shifts), shifts);
}

INSTANTIATE_TEST_SUITE_P(Modes, IntegerCodecTest, ::testing::Values(IntegerMode::kDelta, IntegerMode::kDeltaOfDelta),
                         [](const auto& param_info) { return param_info.param == IntegerMode::kDelta ? "Delta" : "DeltaOfDelta"; });

TEST(IntegerCodecTest, DeltaOfDeltaIsSmallerForSteadyCountersAndDeltaForRandomWalks) {
  std::mt19937_64 rng(5);
  std::vector<uint64_t> steady;
  std::vector<uint64_t> walk;
  uint64_t counter = 1'000'000;
  uint64_t gauge = 1 << 28;
  for (int i = 0; i < 720; ++i) {
    counter += 1'250'000'000 + rng() % 1000;  // constant rate, small jitter
    steady.push_back(counter);
    gauge += (rng() % 129) * 4096 - 64 * 4096;
    walk.push_back(gauge);
  }
  size_t steady_delta = 0, steady_dod = 0, walk_delta = 0, walk_dod = 0;
  integerRoundTrip(IntegerMode::kDelta, steady, &steady_delta);
  integerRoundTrip(IntegerMode::kDeltaOfDelta, steady, &steady_dod);
  integerRoundTrip(IntegerMode::kDelta, walk, &walk_delta);
  integerRoundTrip(IntegerMode::kDeltaOfDelta, walk, &walk_dod);
  EXPECT_LT(steady_dod, steady_delta);
  EXPECT_LT(walk_delta, walk_dod);
}

}  // namespace
}  // namespace kubemonitor::tsdb
