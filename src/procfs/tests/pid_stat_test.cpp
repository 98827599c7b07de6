#include "procfs/pid_stat.h"

#include <gtest/gtest.h>

#include "procfs/tests/fixture.h"

namespace kubemonitor::procfs {
namespace {

TEST(PidStatTest, CapturedDebian12) {
  const auto host = testing::fixtureHost();
  auto stat = parsePidStat(testing::readFixture(host.paths().procPidStat(1)));
  ASSERT_TRUE(stat.ok()) << stat.error().toString();
  // 5278 (sh) S 5276 5276 2467 0 -1 4194304 111 0 0 0 0 0 0 0 20 0 1 0 243214 2654208 383 ...
  EXPECT_EQ(stat->pid, 5278);
  EXPECT_EQ(stat->comm, "sh");
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->ppid, 5276);
  EXPECT_EQ(stat->utime_ticks, 0u);
  EXPECT_EQ(stat->stime_ticks, 0u);
  EXPECT_EQ(stat->num_threads, 1u);
  EXPECT_EQ(stat->start_time_ticks, 243214u);
  EXPECT_EQ(stat->vsize_bytes, 2654208u);
  EXPECT_EQ(stat->rss_pages, 383u);
}

TEST(PidStatTest, CommWithSpacesAndParentheses) {
  auto stat = parsePidStat(
      "4242 (tmux: server) (x)) R 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 0 0 20 0 3 0 99 123456789 2048 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
  ASSERT_TRUE(stat.ok()) << stat.error().toString();
  EXPECT_EQ(stat->comm, "tmux: server) (x)");
  EXPECT_EQ(stat->state, 'R');
  EXPECT_EQ(stat->utime_ticks, 1234u);
  EXPECT_EQ(stat->stime_ticks, 567u);
  EXPECT_EQ(stat->num_threads, 3u);
  EXPECT_EQ(stat->rss_pages, 2048u);
}

TEST(PidStatTest, Errors) {
  EXPECT_EQ(parsePidStat("").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parsePidStat("1 (init").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parsePidStat("1 (init\n").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parsePidStat("1 (init) S 0 1 1 0 -1\n").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parsePidStat("1 init) S 0\n").error().code, ErrorCode::kParse);
  auto garbled = parsePidStat("1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 1x 5 0 0 20 0 1 0 9 100 20\n");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().message, "line 1: field utime is not an unsigned integer: '1x'");
}

}  // namespace
}  // namespace kubemonitor::procfs
