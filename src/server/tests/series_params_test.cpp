#include "server/series_params.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace kubemonitor::server {
namespace {

using Query = std::map<std::string, std::string, std::less<>>;

constexpr int64_t kNowMs = 1'800'000'000'000;  // 2027-01-15T08:00:00Z

SeriesDefaults defaults(int64_t step_ms = 5000, size_t max_points = 1000) {
  SeriesDefaults d;
  d.now_ms = kNowMs;
  d.window_seconds = 3600;
  d.step_ms = step_ms;
  d.max_data_points = max_points;
  return d;
}

TEST(SeriesParamsTest, WindowAsSecondsOrDurationEndsNow) {
  for (const char* window : {"300", "5m"}) {
    auto range = parseSeriesRange({{"window", window}}, defaults());
    ASSERT_TRUE(range.ok()) << range.error().toString();
    EXPECT_EQ(range->end_ms, kNowMs);
    EXPECT_EQ(range->start_ms, kNowMs - 300'000);
    EXPECT_EQ(range->window_seconds, 300);
    EXPECT_EQ(range->step_ms, 5000) << "the report interval";
  }
}

TEST(SeriesParamsTest, DefaultWindowWhenOnlyStepIsGiven) {
  auto range = parseSeriesRange({{"step", "1m"}}, defaults());
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->window_seconds, 3600);
  EXPECT_EQ(range->step_ms, 60'000);
}

TEST(SeriesParamsTest, StartAndEndAsRfc3339OrUnixSeconds) {
  auto range = parseSeriesRange({{"start", "2027-01-15T07:00:00Z"}, {"end", "1800000000"}}, defaults());
  ASSERT_TRUE(range.ok()) << range.error().toString();
  EXPECT_EQ(range->start_ms, kNowMs - 3'600'000);
  EXPECT_EQ(range->end_ms, kNowMs);
  EXPECT_EQ(range->window_seconds, 3600);

  auto from_start = parseSeriesRange({{"start", "1799999000"}, {"window", "10m"}}, defaults());
  ASSERT_TRUE(from_start.ok());
  EXPECT_EQ(from_start->start_ms, 1'799'999'000'000);
  EXPECT_EQ(from_start->end_ms, 1'799'999'600'000);
}

TEST(SeriesParamsTest, StepGrowsToKeepPointsUnderTheMaximum) {
  // 7 days at a 5 s interval would be 120960 points; at most 1000 → ceil(604800 s / 1000) = 605 s.
  auto range = parseSeriesRange({{"window", "7d"}}, defaults());
  ASSERT_TRUE(range.ok());
  EXPECT_GE(range->step_ms, 605'000);
  EXPECT_EQ(range->step_ms % 1000, 0) << "whole seconds";
  EXPECT_LE(bucketCount(range->start_ms, range->end_ms, range->step_ms), 1000);

  // Small maxima and odd spans still fit after alignment.
  for (size_t max_points : {1U, 2U, 3U, 7U, 10U, 999U}) {
    for (const char* window : {"61", "1h", "3601", "7d"}) {
      auto r = parseSeriesRange({{"window", window}}, defaults(5000, max_points));
      ASSERT_TRUE(r.ok());
      EXPECT_LE(bucketCount(r->start_ms, r->end_ms, r->step_ms), static_cast<int64_t>(max_points))
          << window << " max " << max_points;
    }
  }
}

TEST(SeriesParamsTest, SubSecondReportIntervalIsKeptWhenItFits) {
  auto range = parseSeriesRange({{"window", "60"}}, defaults(500));
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->step_ms, 500);
}

TEST(SeriesParamsTest, BadParametersAreErrorsNamingTheParameter) {
  const std::vector<std::pair<Query, std::string>> cases = {
      {{{"window", "abc"}}, "window"},
      {{{"window", "0"}}, "window"},
      {{{"window", "-5m"}}, "window"},
      {{{"window", ""}}, "window"},
      {{{"window", "5000000w"}}, "window"},
      {{{"step", "fast"}}, "step"},
      {{{"start", "yesterday"}}, "start"},
      {{{"end", "2027-13-45T00:00:00Z"}}, "end"},
      {{{"start", "1800000100"}}, "start"},  // after now
      {{{"window", "1h"}, {"start", "1799990000"}, {"end", "1800000000"}}, "window"},
  };
  for (const auto& [query, param] : cases) {
    auto range = parseSeriesRange(query, defaults());
    ASSERT_FALSE(range.ok()) << query.begin()->first << "=" << query.begin()->second;
    EXPECT_EQ(range.error().subject, param);
    EXPECT_EQ(range.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(SeriesParamsTest, WantsSeries) {
  EXPECT_FALSE(wantsSeries({}));
  EXPECT_FALSE(wantsSeries({{"namespace", "x"}}));
  EXPECT_TRUE(wantsSeries({{"window", "5m"}}));
  EXPECT_TRUE(wantsSeries({{"end", "1"}}));
}

}  // namespace
}  // namespace kubemonitor::server
