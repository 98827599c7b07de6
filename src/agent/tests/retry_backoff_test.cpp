#include "agent/retry_backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace kubemonitor::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RetryBackoffTest, FullJitterUnderADoublingCeilingCappedAt10s) {
  RetryBackoff backoff(seconds(1), seconds(10), 42);
  const milliseconds ceilings[] = {seconds(1), seconds(2), seconds(4), seconds(8), seconds(10), seconds(10)};
  for (milliseconds ceiling : ceilings) {
    EXPECT_EQ(backoff.ceiling(), ceiling);
    const milliseconds wait = backoff.next(std::nullopt);
    EXPECT_GE(wait.count(), 0);
    EXPECT_LE(wait, ceiling);
  }
  backoff.reset();
  EXPECT_EQ(backoff.ceiling(), seconds(1));
}

TEST(RetryBackoffTest, AgentsThatFailedTogetherComeBackSpreadOut) {
  // 200 agents, each with its own seed, fail at the same moment three times: their third waits
  // (window 0..4 s) must not coincide as a fixed schedule's would.
  std::set<int64_t> third_waits;
  int64_t below_half = 0;
  for (uint64_t agent = 1; agent <= 200; ++agent) {
    RetryBackoff backoff(seconds(1), seconds(10), agent * 7919);
    (void)backoff.next(std::nullopt);
    (void)backoff.next(std::nullopt);
    const milliseconds wait = backoff.next(std::nullopt);
    third_waits.insert(wait.count());
    if (wait < seconds(2)) ++below_half;
  }
  EXPECT_GT(third_waits.size(), 150U);  // nearly all distinct (ms resolution over 4,000 values)
  // Uniform over [0, 4 s]: about half below 2 s (binomial, 200 draws: 100 ± 7 for one sigma).
  EXPECT_GT(below_half, 60);
  EXPECT_LT(below_half, 140);
}

TEST(RetryBackoffTest, RetryAfterIsAFloorWithJitterAboveIt) {
  RetryBackoff backoff(seconds(1), seconds(10), 7);
  std::set<int64_t> waits;
  for (int i = 0; i < 50; ++i) {
    const milliseconds wait = backoff.next(seconds(3));
    EXPECT_GE(wait, seconds(3));
    EXPECT_LE(wait, seconds(6));
    waits.insert(wait.count());
  }
  EXPECT_GT(waits.size(), 40U);
  // A Retry-After longer than the cap is still honoured; the jitter above it stays within the cap.
  const milliseconds long_wait = backoff.next(seconds(30));
  EXPECT_GE(long_wait, seconds(30));
  EXPECT_LE(long_wait, seconds(40));
}

TEST(RetryAfterTest, ParsesSecondsAndHttpDates) {
  const WallTime now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parseRetryAfter("2", now), milliseconds(2000));
  EXPECT_EQ(parseRetryAfter(" 120 ", now), milliseconds(120'000));
  EXPECT_EQ(parseRetryAfter("0", now), milliseconds(0));
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", now), milliseconds(10'000));
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), milliseconds(0));  // in the past
  EXPECT_FALSE(parseRetryAfter("", now));
  EXPECT_FALSE(parseRetryAfter("-5", now));
  EXPECT_FALSE(parseRetryAfter("soon", now));
  EXPECT_FALSE(parseRetryAfter("3s", now));
  EXPECT_FALSE(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 PST", now));
}

}  // namespace
}  // namespace kubemonitor::agent
