#include "cli/sparkline.h"

#include <gtest/gtest.h>

#include "cli/units.h"

namespace kubemonitor::cli {
namespace {

TEST(Sparkline, ScalesFromMinimumToMaximum) {
  const SeriesValues values{0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0};
  EXPECT_EQ(sparkline(values, 20), "▁▂▃▄▅▆▇█");
  const SeriesValues shifted{100.0, 107.0, 100.0};
  EXPECT_EQ(sparkline(shifted, 20), "▁█▁") << "small moves still show";
}

TEST(Sparkline, FlatSeriesGapsAndEmpty) {
  EXPECT_EQ(sparkline(SeriesValues{5.0, 5.0, 5.0}, 20), "▄▄▄");
  EXPECT_EQ(sparkline(SeriesValues{0.0, 0.0}, 20), "▁▁");
  EXPECT_EQ(sparkline(SeriesValues{0.0, std::nullopt, 7.0}, 20), "▁ █");
  EXPECT_EQ(sparkline(SeriesValues{}, 20), "");
}

TEST(Sparkline, MorePointsThanCellsAreAveragedIntoRuns) {
  // 8 points into 4 cells: runs of two, averages 0.5, 2.5, 4.5, 6.5.
  const SeriesValues values{0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0};
  const SeriesValues cells = resample(values, 4);
  ASSERT_EQ(cells.size(), 4U);
  EXPECT_DOUBLE_EQ(*cells[0], 0.5);
  EXPECT_DOUBLE_EQ(*cells[3], 6.5);
  EXPECT_EQ(sparkline(values, 4), "▁▃▆█");
  EXPECT_EQ(displayWidth(sparkline(SeriesValues(1000, 1.0), 20)), 20U);
}

TEST(Sparkline, Stats) {
  const SeriesStats stats = seriesStats(SeriesValues{2.0, std::nullopt, 4.0, 9.0});
  EXPECT_EQ(stats.count, 3U);
  EXPECT_DOUBLE_EQ(stats.min, 2.0);
  EXPECT_DOUBLE_EQ(stats.avg, 5.0);
  EXPECT_DOUBLE_EQ(stats.max, 9.0);
  EXPECT_EQ(seriesStats(SeriesValues{std::nullopt}).count, 0U);
}

TEST(Sparkline, BlockChartRowsLabelsAndAxis) {
  const SeriesValues values{0.0, 50.0, 100.0, 25.0};
  const auto lines = blockChart(values, 40, 2, [](double v) { return formatMillicores(v); }, "1h");
  ASSERT_EQ(lines.size(), 3U);
  // Two rows of 8 eighths each: 100 fills both, 50 the bottom one, 25 half of the bottom one.
  EXPECT_EQ(lines[0], "100m ┤  █ ");
  EXPECT_EQ(lines[1], "  0m ┤ ██▄");
  EXPECT_EQ(lines[2], "     └-1h now");
}

TEST(Sparkline, DisplayWidthSkipsEscapes) {
  EXPECT_EQ(displayWidth("\x1b[31mabc\x1b[0m"), 3U);
  EXPECT_EQ(displayWidth("▁▂▃"), 3U);
}

}  // namespace
}  // namespace kubemonitor::cli
