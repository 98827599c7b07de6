#include "tsdb/memory_storage.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/testing/fake_clock.h"

namespace kubemonitor::tsdb {
namespace {

using std::chrono::seconds;

class MemoryStorageTest : public ::testing::Test {
 protected:
  int64_t nowMs() const { return toUnixMs(clock_.wallNow()); }

  static model::Report report(const std::string& node, int64_t timestamp_ms, double cpu_millicores,
                              int64_t interval_ms = 5000) {
    model::Report r;
    r.node = node;
    r.timestamp_ms = timestamp_ms;
    r.interval_ms = interval_ms;
    r.node_usage.cpu_millicores = cpu_millicores;
    r.node_usage.cpu_capacity_millicores = 4000;
    r.node_usage.memory_capacity_bytes = 8ULL << 30;
    return r;
  }

  FakeClock clock_;
  MemoryStorage storage_{clock_, std::chrono::hours(1)};
};

TEST_F(MemoryStorageTest, ReplayReplacesInsteadOfDuplicating) {
  const int64_t t = nowMs();
  auto first = storage_.ingest(report("a", t, 100));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->accepted, 1U);
  EXPECT_FALSE(first->replaced);
  auto replay = storage_.ingest(report("a", t, 250));
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->accepted, 1U);
  EXPECT_TRUE(replay->replaced);

  const StorageStats stats = storage_.stats();
  EXPECT_EQ(stats.engine, "memory");
  EXPECT_EQ(stats.nodes, 1U);
  EXPECT_EQ(stats.samples, 1U);
  auto latest = storage_.latestNode("a");
  ASSERT_TRUE(latest.has_value());
  EXPECT_DOUBLE_EQ(latest->usage.cpu_millicores, 250);
  EXPECT_EQ(storage_.nodeSeries("a", {t - 60'000, t, 1000}).size(), 1U);
}

TEST_F(MemoryStorageTest, OutOfOrderReportsLandInTimeOrderAndLatestIsTheNewest) {
  const int64_t t = nowMs() - nowMs() % 5000;
  ASSERT_TRUE(storage_.ingest(report("a", t, 3)).ok());
  ASSERT_TRUE(storage_.ingest(report("a", t - 10'000, 1)).ok());  // a late replay
  ASSERT_TRUE(storage_.ingest(report("a", t - 5000, 2)).ok());
  auto latest = storage_.latestNode("a");
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->timestamp_ms, t);
  EXPECT_EQ(latest->interval_ms, 5000);
  auto series = storage_.nodeSeries("a", {t - 10'000, t, 5000});
  ASSERT_EQ(series.size(), 3U);
  for (size_t i = 0; i < series.size(); ++i) {
    EXPECT_EQ(series[i].timestamp_ms, t - 10'000 + static_cast<int64_t>(i) * 5000);
    EXPECT_DOUBLE_EQ(series[i].usage.cpu_millicores, static_cast<double>(i + 1));
  }
}

TEST_F(MemoryStorageTest, LatestNodesAreSortedByNameAndUnknownNodeIsEmpty) {
  const int64_t t = nowMs();
  ASSERT_TRUE(storage_.ingest(report("zeta", t, 1)).ok());
  ASSERT_TRUE(storage_.ingest(report("alpha", t, 2)).ok());
  ASSERT_TRUE(storage_.ingest(report("alpha", t - 5000, 9)).ok());
  auto nodes = storage_.latestNodes();
  ASSERT_EQ(nodes.size(), 2U);
  EXPECT_EQ(nodes[0].node, "alpha");
  EXPECT_EQ(nodes[0].timestamp_ms, t);
  EXPECT_EQ(nodes[1].node, "zeta");
  EXPECT_FALSE(storage_.latestNode("nope").has_value());
  EXPECT_TRUE(storage_.nodeSeries("nope", {0, t, 1000}).empty());
}

TEST_F(MemoryStorageTest, BucketsAverageGaugesAndKeepLastCountersAlignedToTheStep) {
  const int64_t base = nowMs() - nowMs() % 60'000 - 60'000;  // a whole minute in the past
  for (int i = 0; i < 12; ++i) {  // one report every 5 s over [base, base + 55 s]
    model::Report r = report("a", base + i * 5000, 100.0 * i);
    r.node_usage.network_rx_bytes = 1000U * static_cast<uint64_t>(i);
    ASSERT_TRUE(storage_.ingest(r).ok());
  }
  // 30 s buckets: [base, base+30) holds i = 0..5, [base+30, base+60) holds i = 6..11.
  auto series = storage_.nodeSeries("a", {base, base + 59'999, 30'000});
  ASSERT_EQ(series.size(), 2U);
  EXPECT_EQ(series[0].timestamp_ms, base);
  EXPECT_DOUBLE_EQ(series[0].usage.cpu_millicores, 250);  // mean of 0..500
  EXPECT_EQ(series[0].usage.network_rx_bytes, 5000U);     // last of the bucket
  EXPECT_EQ(series[1].timestamp_ms, base + 30'000);
  EXPECT_DOUBLE_EQ(series[1].usage.cpu_millicores, 850);
  EXPECT_EQ(series[1].usage.network_rx_bytes, 11'000U);

  // A range starting mid-bucket: the point still carries the aligned bucket start, and only
  // samples inside the range count.
  auto partial = storage_.nodeSeries("a", {base + 20'000, base + 35'000, 30'000});
  ASSERT_EQ(partial.size(), 2U);
  EXPECT_EQ(partial[0].timestamp_ms, base);
  EXPECT_DOUBLE_EQ(partial[0].usage.cpu_millicores, 450);  // i = 4, 5
  EXPECT_DOUBLE_EQ(partial[1].usage.cpu_millicores, 650);  // i = 6, 7
  // Empty buckets give no point.
  EXPECT_TRUE(storage_.nodeSeries("a", {base + 60'000, base + 120'000, 30'000}).empty());
}

TEST_F(MemoryStorageTest, RetentionDropsOldSamplesAndSilentNodes) {
  const int64_t t0 = nowMs();
  ASSERT_TRUE(storage_.ingest(report("old", t0, 1)).ok());
  ASSERT_TRUE(storage_.ingest(report("a", t0, 1)).ok());
  clock_.advance(std::chrono::minutes(30));
  ASSERT_TRUE(storage_.ingest(report("a", nowMs(), 2)).ok());
  EXPECT_EQ(storage_.stats().samples, 3U);

  clock_.advance(std::chrono::minutes(31));  // t0 is now 61 min old: past the 1 h retention
  EXPECT_FALSE(storage_.latestNode("old").has_value()) << "readers hide expired samples at once";
  ASSERT_TRUE(storage_.ingest(report("a", nowMs(), 3)).ok());
  const StorageStats stats = storage_.stats();
  EXPECT_EQ(stats.nodes, 1U) << "the silent node is swept";
  EXPECT_EQ(stats.samples, 2U);
  EXPECT_EQ(storage_.nodeSeries("a", {t0 - 1000, nowMs(), 1000}).size(), 2U);

  // A replayed report already older than the retention is acknowledged but not stored.
  auto stale = storage_.ingest(report("a", t0, 1));
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->accepted, 0U);
  EXPECT_EQ(storage_.stats().samples, 2U);
}

TEST_F(MemoryStorageTest, RejectsAReportWithoutNode) {
  EXPECT_FALSE(storage_.ingest(report("", nowMs(), 1)).ok());
}

// Run under TSan (label "threaded"): writers ingest while readers query every view.
TEST_F(MemoryStorageTest, ConcurrentWritersAndReaders) {
  constexpr int kWriters = 4;
  constexpr int kReportsPerWriter = 200;
  const int64_t base = nowMs() - kReportsPerWriter * 1000;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      const std::string node = "node-" + std::to_string(w % 2);  // two writers per node: replays race
      for (int i = 0; i < kReportsPerWriter; ++i) {
        EXPECT_TRUE(storage_.ingest(report(node, base + i * 1000, i)).ok());
      }
    });
  }
  std::atomic<size_t> reads{0};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      // At least one pass even when a loaded machine runs the writers to the end first.
      do {
        for (const auto& sample : storage_.latestNodes()) {
          EXPECT_FALSE(storage_.nodeSeries(sample.node, {base, sample.timestamp_ms, 10'000}).empty());
        }
        (void)storage_.latestNode("node-1");
        EXPECT_LE(storage_.stats().samples, 2U * kReportsPerWriter);
        reads.fetch_add(1);
      } while (!done.load());
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[static_cast<size_t>(w)].join();
  done.store(true);
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();

  const StorageStats stats = storage_.stats();
  EXPECT_EQ(stats.nodes, 2U);
  EXPECT_EQ(stats.samples, 2U * kReportsPerWriter) << "replays of the same (node, timestamp) never duplicate";
  EXPECT_GT(reads.load(), 0U);
}

}  // namespace
}  // namespace kubemonitor::tsdb
