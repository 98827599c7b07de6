#include "kube/quantity.h"

#include <gtest/gtest.h>

namespace kubemonitor::kube {
namespace {

uint64_t cpu(std::string_view text) {
  auto parsed = parseCpuQuantityMillicores(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().toString());
  return parsed.valueOr(UINT64_MAX);
}

uint64_t memory(std::string_view text) {
  auto parsed = parseMemoryQuantityBytes(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().toString());
  return parsed.valueOr(UINT64_MAX);
}

TEST(CpuQuantity, TheFormsPodSpecsUse) {
  EXPECT_EQ(cpu("100m"), 100u);
  EXPECT_EQ(cpu("2"), 2000u);
  EXPECT_EQ(cpu("0.5"), 500u);
  EXPECT_EQ(cpu(".5"), 500u);
  EXPECT_EQ(cpu("1."), 1000u);
  EXPECT_EQ(cpu("250000u"), 250u);
  EXPECT_EQ(cpu("1e3"), 1'000'000u);
  EXPECT_EQ(cpu("1E3"), 1'000'000u);
  EXPECT_EQ(cpu("5e-1"), 500u);
  EXPECT_EQ(cpu("+1"), 1000u);
  EXPECT_EQ(cpu("0"), 0u);
  EXPECT_EQ(cpu("-0"), 0u);
  EXPECT_EQ(cpu("1k"), 1'000'000u);
  EXPECT_EQ(cpu("1Ki"), 1'024'000u);
}

TEST(CpuQuantity, RoundsUpLikeMilliValue) {
  EXPECT_EQ(cpu("1500000n"), 2u);  // 1.5m
  EXPECT_EQ(cpu("1n"), 1u);
  EXPECT_EQ(cpu("1000000n"), 1u);  // exactly 1m: no rounding
  EXPECT_EQ(cpu("0.0001"), 1u);   // 0.1m
  EXPECT_EQ(cpu("1.0001"), 1001u);
  EXPECT_EQ(cpu("1e-100"), 1u);
}

TEST(MemoryQuantity, BinaryDecimalAndExponent) {
  EXPECT_EQ(memory("128Mi"), 128ull << 20);
  EXPECT_EQ(memory("1Gi"), 1ull << 30);
  EXPECT_EQ(memory("0.5Gi"), 1ull << 29);
  EXPECT_EQ(memory("1G"), 1'000'000'000u);
  EXPECT_EQ(memory("500M"), 500'000'000u);
  EXPECT_EQ(memory("100k"), 100'000u);
  EXPECT_EQ(memory("1e9"), 1'000'000'000u);
  EXPECT_EQ(memory("12345"), 12345u);
  EXPECT_EQ(memory("1Ki"), 1024u);
  EXPECT_EQ(memory("2Ti"), 2ull << 40);
  EXPECT_EQ(memory("1Pi"), 1ull << 50);
  EXPECT_EQ(memory("1Ei"), 1ull << 60);
  EXPECT_EQ(memory("1E"), 1'000'000'000'000'000'000u);  // exa, not an exponent
  EXPECT_EQ(memory("1P"), 1'000'000'000'000'000u);
  EXPECT_EQ(memory("1T"), 1'000'000'000'000u);
  EXPECT_EQ(memory("1m"), 1u);  // 0.001 byte rounds up to one
  EXPECT_EQ(memory("129e6"), 129'000'000u);
  EXPECT_EQ(memory("0000123"), 123u);
}

TEST(Quantity, GarbageIsAParseError) {
  for (std::string_view bad : {"", "Mi", "abc", "1.2.3", "12x", "1 Mi", "1e", "1e+", "1ee3", "1KiB", "1mi", "--1",
                               ".", "1e3.5", "0x10", " 1"}) {
    auto parsed = parseMemoryQuantityBytes(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kParse) << bad;
    EXPECT_EQ(parsed.error().subject, bad);
  }
}

TEST(Quantity, NegativeAndHugeAreRefused) {
  auto negative = parseCpuQuantityMillicores("-100m");
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, ErrorCode::kInvalidArgument);
  auto huge = parseMemoryQuantityBytes("100Ei");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, ErrorCode::kTooLarge);
  EXPECT_FALSE(parseMemoryQuantityBytes("1e400").ok());
  EXPECT_FALSE(parseMemoryQuantityBytes("123456789012345678901234567890123456789012").ok());
  EXPECT_EQ(memory("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parseMemoryQuantityBytes("18446744073709551616").ok());
}

}  // namespace
}  // namespace kubemonitor::kube
