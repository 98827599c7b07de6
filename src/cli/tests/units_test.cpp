#include "cli/units.h"

#include <gtest/gtest.h>

namespace kubemonitor::cli {
namespace {

TEST(Units, MillicoresThenCores) {
  EXPECT_EQ(formatMillicores(0), "0m");
  EXPECT_EQ(formatMillicores(0.04), "0.0m");
  EXPECT_EQ(formatMillicores(2.54), "2.5m");
  EXPECT_EQ(formatMillicores(9.96), "10m");
  EXPECT_EQ(formatMillicores(250.4), "250m");
  EXPECT_EQ(formatMillicores(999.4), "999m");
  EXPECT_EQ(formatMillicores(999.6), "1.00 cores");
  EXPECT_EQ(formatMillicores(1250), "1.25 cores");
  EXPECT_EQ(formatMillicores(12500), "12.5 cores");
  EXPECT_EQ(formatMillicores(128000), "128 cores");
  EXPECT_EQ(formatMillicores(-3), "0m") << "never negative";
}

TEST(Units, BytesInBinaryUnits) {
  EXPECT_EQ(formatBytes(0), "0B");
  EXPECT_EQ(formatBytes(512), "512B");
  EXPECT_EQ(formatBytes(1023), "1023B");
  EXPECT_EQ(formatBytes(1024), "1.00KiB");
  EXPECT_EQ(formatBytes(12.3 * 1024), "12.3KiB");
  EXPECT_EQ(formatBytes(256.0 * 1024 * 1024), "256MiB");
  EXPECT_EQ(formatBytes(1.5 * 1024 * 1024 * 1024), "1.50GiB");
  EXPECT_EQ(formatBytes(1023.9 * 1024), "1.00MiB") << "no \"1024KiB\"";
}

TEST(Units, RatesInDecimalUnits) {
  EXPECT_EQ(formatRate(0), "0B/s");
  EXPECT_EQ(formatRate(850), "850B/s");
  EXPECT_EQ(formatRate(1200), "1.20KB/s");
  EXPECT_EQ(formatRate(45e6), "45.0MB/s");
  EXPECT_EQ(formatRate(2.5e9), "2.50GB/s");
}

TEST(Units, PercentAndCount) {
  EXPECT_EQ(formatPercent(4.54), "4.5%");
  EXPECT_EQ(formatPercent(48.2), "48%");
  EXPECT_EQ(formatPercent(150), "150%") << "usage above a request is common";
  EXPECT_EQ(formatCount(3), "3");
}

}  // namespace
}  // namespace kubemonitor::cli
