#include "common/text.h"

#include <gtest/gtest.h>

namespace kubemonitor::text {
namespace {

TEST(TextTest, ParsesUnsignedIntegersStrictly) {
  EXPECT_EQ(parseUint64("0"), 0U);
  EXPECT_EQ(parseUint64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parseUint64("18446744073709551616"));  // overflow
  EXPECT_FALSE(parseUint64("-1"));
  EXPECT_FALSE(parseUint64("12a"));
  EXPECT_FALSE(parseUint64(""));
}

TEST(TextTest, ParsesDoublesAndRejectsNonFinite) {
  EXPECT_DOUBLE_EQ(*parseDouble("12.5"), 12.5);
  EXPECT_FALSE(parseDouble("inf"));
  EXPECT_FALSE(parseDouble("nan"));
  EXPECT_FALSE(parseDouble("1.0x"));
}

TEST(TextTest, SplitsFieldsOnRunsOfBlanks) {
  auto fields = splitFields("  cpu  1 2\t3 ");
  ASSERT_EQ(fields.size(), 4U);
  EXPECT_EQ(fields[0], "cpu");
  EXPECT_EQ(fields[3], "3");
  EXPECT_TRUE(splitFields("   ").empty());
}

TEST(TextTest, LineReaderReportsUnterminatedLastLine) {
  LineReader reader("a\nb");
  std::string_view line;
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line, "a");
  EXPECT_TRUE(reader.lastLineTerminated());
  ASSERT_TRUE(reader.next(line));
  EXPECT_EQ(line, "b");
  EXPECT_FALSE(reader.lastLineTerminated());
  EXPECT_FALSE(reader.next(line));
}

TEST(TextTest, TrimRemovesSurroundingWhitespace) {
  EXPECT_EQ(trim(" \t x y \n"), "x y");
  EXPECT_EQ(trim(""), "");
}

}  // namespace
}  // namespace kubemonitor::text
