#include "tsdb/bucket_aggregator.h"

#include <gtest/gtest.h>

#include <vector>

#include "tsdb/object_values.h"
#include "tsdb/series_folder.h"

namespace kubemonitor::tsdb {
namespace {

TEST(BucketAggregatorTest, GaugesAreAveragedCountersAndCapacitiesKeepTheLastValue) {
  model::NodeUsage a;
  a.cpu_millicores = 100;
  a.cpu_capacity_millicores = 2000;
  a.memory_working_set_bytes = 1000;
  a.network_rx_bytes = 5000;
  a.network_rx_bytes_per_sec = 10;
  a.disk_write_bytes = 70;
  a.uptime_seconds = 100;
  model::NodeUsage b = a;
  b.cpu_millicores = 300;
  b.cpu_capacity_millicores = 4000;  // CPUs hot-plugged: the newest capacity is the true one
  b.memory_working_set_bytes = 2001;
  b.network_rx_bytes = 9000;
  b.network_rx_bytes_per_sec = 30;
  b.disk_write_bytes = 90;
  b.uptime_seconds = 105;

  BucketAggregator bucket;
  EXPECT_TRUE(bucket.empty());
  bucket.add(a, 5000);
  bucket.add(b, 1000);
  ASSERT_EQ(bucket.count(), 2U);
  const model::NodeUsage out = bucket.result();
  EXPECT_DOUBLE_EQ(out.cpu_millicores, 200);
  EXPECT_DOUBLE_EQ(out.network_rx_bytes_per_sec, 20);
  EXPECT_EQ(out.memory_working_set_bytes, 1501U) << "1500.5 rounds to a whole byte";
  EXPECT_EQ(out.cpu_capacity_millicores, 4000U);
  EXPECT_EQ(out.network_rx_bytes, 9000U);
  EXPECT_EQ(out.disk_write_bytes, 90U);
  EXPECT_DOUBLE_EQ(out.uptime_seconds, 105);
  EXPECT_EQ(bucket.intervalMs(), 1000);

  bucket.reset();
  EXPECT_TRUE(bucket.empty());
  bucket.add(a, 5000);
  EXPECT_DOUBLE_EQ(bucket.result().cpu_millicores, 100);
}

TEST(BucketAggregatorTest, TableSaysWhichFieldsAreCounters) {
  for (const char* counter : {"network_rx_bytes", "network_tx_bytes", "disk_read_bytes", "disk_write_bytes",
                              "cpu_capacity_millicores", "memory_capacity_bytes", "filesystem_capacity_bytes"}) {
    EXPECT_EQ(aggregationOf(counter), Aggregation::kLast) << counter;
  }
  for (const char* gauge : {"cpu_millicores", "memory_working_set_bytes", "memory_rss_bytes", "network_rx_bytes_per_sec",
                            "disk_write_bytes_per_sec", "filesystem_used_bytes"}) {
    EXPECT_EQ(aggregationOf(gauge), Aggregation::kMean) << gauge;
  }
}

// oom_kills_in_window: the rises of the oom_kills counter, within a bucket, across merged
// rollup buckets and (series_folder.h) from one point's last sample to the next point's first; a
// fall (a container cgroup re-made, a pod leaving a namespace) is not a kill.
TEST(ObjectBucketAggregatorTest, OomKillsInWindowCountRisesWhereverTheBucketsAreCut) {
  const uint64_t kills[] = {0, 1, 1, 3, 0, 2, 2, 5};
  auto values = [&](size_t i) {
    ObjectValues v;
    v.oom_kills = kills[i];
    return v;
  };
  ObjectBucketAggregator whole;
  for (size_t i = 0; i < 8; ++i) whole.add(values(i));
  EXPECT_EQ(whole.result().oom_kills_in_window, 1U + 2U + 2U + 3U);
  // The same samples as rollup buckets of 3, 3 and 2, merged.
  ObjectBucketAggregator merged, part;
  for (size_t i = 0; i < 8; ++i) {
    part.add(values(i));
    if (i == 2 || i == 5 || i == 7) {
      merged.merge(part);
      part.reset();
    }
  }
  EXPECT_EQ(merged.result().oom_kills_in_window, whole.result().oom_kills_in_window);
  // Points of two samples each: every rise lands in the point of the sample that shows it.
  std::vector<ObjectSample> points;
  ObjectSeriesFolder folder(points);
  for (size_t i = 0; i < 8; ++i) folder.add(static_cast<int64_t>(i / 2) * 10'000, ObjectSample{}, values(i));
  folder.finish();
  ASSERT_EQ(points.size(), 4U);
  std::vector<uint64_t> per_point;
  for (const auto& p : points) per_point.push_back(p.values.oom_kills_in_window);
  EXPECT_EQ(per_point, (std::vector<uint64_t>{1, 2, 2, 3}));
}

}  // namespace
}  // namespace kubemonitor::tsdb
