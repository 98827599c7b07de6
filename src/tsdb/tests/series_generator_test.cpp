#include "tsdb/testing/series_generator.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kubemonitor::tsdb::testing {
namespace {

TEST(SeriesGeneratorTest, DeterministicIncreasingAndOfTheRightKind) {
  for (SeriesShape shape : kAllSeriesShapes) {
    const auto a = generateSeries(shape, 720, 9);
    const auto b = generateSeries(shape, 720, 9);
    ASSERT_EQ(a.size(), 720U);
    EXPECT_EQ(a, b) << seriesShapeName(shape);
    EXPECT_EQ(a.front().ts_ms, kSeriesStartMs);
    size_t off_grid = 0;
    size_t missed = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].value.kind, seriesShapeKind(shape));
      if (a[i].ts_ms % kGridMs != 0) ++off_grid;
      EXPECT_LT(a[i].ts_ms % kGridMs, 6) << "jitter is at most 5 ms";
      if (i > 0) {
        ASSERT_GT(a[i].ts_ms, a[i - 1].ts_ms);
        if (a[i].ts_ms - a[i - 1].ts_ms > 2 * kGridMs - 10) ++missed;
      }
    }
    EXPECT_GT(off_grid, 2U) << seriesShapeName(shape);
    EXPECT_LT(off_grid, 40U);
    EXPECT_GT(missed, 1U);
    EXPECT_LT(missed, 25U);
  }
}

TEST(SeriesGeneratorTest, ShapesBehaveLikeTheirMetrics) {
  const auto idle = generateSeries(SeriesShape::kIdleGauge, 100, 1);
  for (const auto& s : idle) EXPECT_EQ(s.value.asUint64(), 48ULL << 20);
  const auto cpu_ns = generateSeries(SeriesShape::kSteadyCounter, 100, 1);
  for (size_t i = 1; i < cpu_ns.size(); ++i) {
    const uint64_t step = cpu_ns[i].value.asUint64() - cpu_ns[i - 1].value.asUint64();
    const double per_s = static_cast<double>(step) / (static_cast<double>(cpu_ns[i].ts_ms - cpu_ns[i - 1].ts_ms) / 1000.0);
    EXPECT_NEAR(per_s, 0.25e9, 0.25e9 * 0.021) << "250 millicores ± 2 %";
  }
  for (const auto& s : generateSeries(SeriesShape::kCpuMillicores, 300, 4)) {
    const double v = s.value.asDouble();
    EXPECT_EQ(std::round(v * 1000) / 1000, v) << "3 decimals";
    EXPECT_GE(v, 0);
  }
  const auto net = generateSeries(SeriesShape::kNetworkBursty, 200, 2);
  size_t resets = 0;
  for (size_t i = 1; i < net.size(); ++i) resets += net[i].value.asUint64() < net[i - 1].value.asUint64() ? 1 : 0;
  EXPECT_EQ(resets, 1U) << "one counter reset mid-series";
}

}  // namespace
}  // namespace kubemonitor::tsdb::testing
