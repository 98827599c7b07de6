#include "common/time_format.h"

#include <gtest/gtest.h>

namespace kubemonitor {
namespace {

TEST(TimeFormatTest, FormatsUtcWithOptionalMilliseconds) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatRfc3339(1'795'000'000'250), "2026-11-18T11:06:40.250Z");
  EXPECT_EQ(formatRfc3339(951'782'400'000), "2000-02-29T00:00:00Z");  // leap day
}

TEST(TimeFormatTest, ParsesWhatItFormatsAndOffsets) {
  for (int64_t ms : {int64_t{0}, int64_t{1'795'000'000'250}, int64_t{951'782'400'000}}) {
    auto parsed = parseRfc3339(formatRfc3339(ms));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, ms);
  }
  EXPECT_EQ(*parseRfc3339("1970-01-01T02:00:00+02:00"), 0);
}

TEST(TimeFormatTest, RejectsMalformedTimes) {
  for (const char* bad : {"", "2026-11-22", "2026-13-01T00:00:00Z", "2026-11-22T00:00:00", "2026-11-22T00:00:00Zjunk",
                          "2026-11-22T25:00:00Z", "abcd-ef-ghTij:kl:mnZ"}) {
    EXPECT_FALSE(parseRfc3339(bad).ok()) << bad;
  }
}

TEST(TimeFormatTest, ParsesDurations) {
  EXPECT_EQ(*parseDurationSeconds("90"), 90);
  EXPECT_EQ(*parseDurationSeconds("5m"), 300);
  EXPECT_EQ(*parseDurationSeconds("1h30m"), 5400);
  EXPECT_EQ(*parseDurationSeconds("7d"), 604800);
  for (const char* bad : {"", "0", "-5", "5x", "m", "1h30", "99999999999999d"}) {
    EXPECT_FALSE(parseDurationSeconds(bad).ok()) << bad;
  }
}

TEST(TimeFormatTest, FormatsDurations) {
  EXPECT_EQ(formatDurationSeconds(300), "5m");
  EXPECT_EQ(formatDurationSeconds(5400), "1h30m");
  EXPECT_EQ(formatDurationSeconds(5), "5s");
}

}  // namespace
}  // namespace kubemonitor
