// TimeRuns: the bounded set of trimmed node-sample timestamps (runs on the interval grid).

#include "tsdb/time_runs.h"

#include <gtest/gtest.h>

#include <set>

namespace kubemonitor::tsdb {
namespace {

// Every run's values, for comparison with a std::set.
std::set<int64_t> values(const TimeRuns& runs) {
  std::set<int64_t> out;
  runs.forEachRun([&](int64_t first, int64_t step, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) out.insert(first + static_cast<int64_t>(i) * step);
  });
  return out;
}

TEST(TimeRuns, AGridOfADayIsOneRun) {
  TimeRuns runs;
  for (int64_t ts = 0; ts < 8640; ++ts) EXPECT_TRUE(runs.insert(1'000'000 + ts * 10'000));
  EXPECT_EQ(runs.size(), 8640U);
  EXPECT_EQ(runs.runs(), 1U);
  EXPECT_TRUE(runs.contains(1'000'000 + 4321 * 10'000));
  EXPECT_FALSE(runs.contains(1'000'000 + 4321 * 10'000 + 5'000));  // off the grid
  EXPECT_FALSE(runs.insert(1'000'000));                            // already there
  EXPECT_FALSE(runs.contains(1'000'000 + 8640 * 10'000));
}

TEST(TimeRuns, EraseSplitsAndReinsertJoinsAgain) {
  TimeRuns runs;
  for (int64_t ts = 0; ts < 10; ++ts) runs.insert(ts * 10);
  EXPECT_TRUE(runs.erase(50));
  EXPECT_FALSE(runs.erase(50));
  EXPECT_EQ(runs.runs(), 2U);
  EXPECT_EQ(runs.size(), 9U);
  EXPECT_FALSE(runs.contains(50));
  EXPECT_TRUE(runs.contains(40));
  EXPECT_TRUE(runs.contains(60));
  EXPECT_TRUE(runs.insert(50));  // a late replay trimmed again
  EXPECT_EQ(runs.runs(), 1U);
  EXPECT_EQ(runs.size(), 10U);
}

TEST(TimeRuns, EraseBelowCountsExactlyAtAnyCutoff) {
  TimeRuns runs;
  for (int64_t ts = 0; ts < 10; ++ts) runs.insert(ts * 10);
  runs.insert(1000);
  EXPECT_EQ(runs.eraseBelow(0), 0U);
  EXPECT_EQ(runs.eraseBelow(35), 4U);  // 0, 10, 20, 30
  EXPECT_EQ(runs.size(), 7U);
  EXPECT_TRUE(runs.contains(40));
  EXPECT_FALSE(runs.contains(30));
  EXPECT_EQ(runs.eraseBelow(95), 6U);
  EXPECT_EQ(runs.eraseBelow(2000), 1U);
  EXPECT_TRUE(runs.empty());
}

TEST(TimeRuns, MatchesASetUnderMixedOperations) {
  TimeRuns runs;
  std::set<int64_t> expected;
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int i = 0; i < 5000; ++i) {
    // Mostly on a 10-unit grid, sometimes off it (jitter), sometimes removed or expired.
    const int64_t ts = static_cast<int64_t>(next() % 400) * 10 + (next() % 9 == 0 ? static_cast<int64_t>(next() % 10) : 0);
    switch (next() % 10) {
      case 0: EXPECT_EQ(runs.erase(ts), expected.erase(ts) == 1); break;
      case 1: {
        const int64_t cutoff = static_cast<int64_t>(next() % 200);
        uint64_t n = 0;
        while (!expected.empty() && *expected.begin() < cutoff) {
          expected.erase(expected.begin());
          ++n;
        }
        EXPECT_EQ(runs.eraseBelow(cutoff), n);
        break;
      }
      default: EXPECT_EQ(runs.insert(ts), expected.insert(ts).second); break;
    }
    ASSERT_EQ(runs.size(), expected.size());
    ASSERT_EQ(runs.contains(ts), expected.contains(ts)) << ts;
  }
  EXPECT_EQ(values(runs), expected);
}

TEST(TimeRuns, AppendRunChecksNegativeStartsWithoutOverflow) {
  // A snapshot may hold any start: the bound check itself must not overflow (found by fuzzing).
  TimeRuns runs;
  EXPECT_FALSE(runs.appendRun(-1, INT64_MAX, 2));
  EXPECT_TRUE(runs.appendRun(-1000, 10, 3));
  EXPECT_EQ(runs.size(), 3U);
}

TEST(TimeRuns, AppendRunRejectsOverlapsAndBadRuns) {
  TimeRuns runs;
  EXPECT_TRUE(runs.appendRun(0, 10, 5));
  EXPECT_FALSE(runs.appendRun(40, 10, 2));  // overlaps the last one
  EXPECT_FALSE(runs.appendRun(100, 0, 2));  // no step
  EXPECT_FALSE(runs.appendRun(100, 10, 0));
  EXPECT_FALSE(runs.appendRun(100, INT64_MAX / 2, 4));  // would overflow
  EXPECT_TRUE(runs.appendRun(100, 0, 1));
  EXPECT_EQ(runs.size(), 6U);
  EXPECT_TRUE(runs.contains(100));
}

}  // namespace
}  // namespace kubemonitor::tsdb
