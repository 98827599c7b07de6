#include "procfs/uptime.h"

#include <gtest/gtest.h>

#include "procfs/tests/fixture.h"

namespace kubemonitor::procfs {
namespace {

TEST(UptimeTest, CapturedDebian12) {
  const auto host = testing::fixtureHost();
  auto uptime = parseUptime(testing::readFixture(host.paths().procUptime()));
  ASSERT_TRUE(uptime.ok()) << uptime.error().toString();
  EXPECT_DOUBLE_EQ(uptime->uptime_seconds, 1878.93);
  EXPECT_DOUBLE_EQ(uptime->idle_seconds, 3675.88);  // 2 CPUs: idle may exceed uptime
}

TEST(UptimeTest, Errors) {
  EXPECT_EQ(parseUptime("").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseUptime("1878.93 3675.88").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseUptime("1878.93\n").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseUptime("1878.93 3675.88 1\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parseUptime("1878.93 3675.88\n1 2\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parseUptime("18x8.93 3675.88\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parseUptime("-1.00 3675.88\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parseUptime("1.00 nan\n").error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace kubemonitor::procfs
