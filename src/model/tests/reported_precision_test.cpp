#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "model/report.h"

namespace kubemonitor::model {
namespace {

TEST(ReportedPrecisionTest, RoundsToThousandthsOfTheUnit) {
  EXPECT_EQ(toReportedPrecision(123.456789), 123.457);
  EXPECT_EQ(toReportedPrecision(0.0004), 0.0);
  EXPECT_EQ(toReportedPrecision(-2.0625), -2.062);  // -2062.5: an exact tie goes to even (nearbyint)
  EXPECT_EQ(toReportedPrecision(1000.0 / 3.0), 333.333);
}

TEST(ReportedPrecisionTest, IsStableSoAStoredValueComesBackTheSame) {
  // The engine stores n / 1000 as the integer n only when that gives the very same bits: a
  // reported value must be a fixed point of the rounding.
  for (double v : {0.001, 17.25, 123.457, 99999.999, 1.0e9 + 0.125}) {
    const double once = toReportedPrecision(v);
    EXPECT_EQ(toReportedPrecision(once), once) << v;
    EXPECT_EQ(std::nearbyint(once * 1000.0) / 1000.0, once) << v;
  }
}

TEST(ReportedPrecisionTest, LeavesHugeAndNonFiniteValuesAlone) {
  EXPECT_EQ(toReportedPrecision(1e300), 1e300);
  EXPECT_TRUE(std::isnan(toReportedPrecision(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(toReportedPrecision(std::numeric_limits<double>::infinity()), std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace kubemonitor::model
