#include "tsdb/row_samples.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/testing/fake_clock.h"
#include "tsdb/memory_storage.h"
#include "tsdb/series_folder.h"

namespace kubemonitor::tsdb {
namespace {

model::PodUsage pod(const std::string& ns, const std::string& name, const std::string& uid, double cpu_millicores) {
  model::PodUsage p;
  p.namespace_name = ns;
  p.name = name;
  p.uid = uid;
  p.deployment = name;  // its Deployment, named alike
  p.usage.cpu_millicores = cpu_millicores;
  p.usage.memory_working_set_bytes = static_cast<uint64_t>(cpu_millicores * 1000);
  p.network.rx_bytes = 7;
  // Issue 14's fields, all different, so that a column read into the wrong field shows.
  p.qos_class = "Burstable";
  p.workload_kind = "Deployment";
  p.workload_name = name;
  p.spec.cpu_request_millicores = 100;
  p.spec.memory_request_bytes = 1 << 20;
  p.usage.cpu_throttled_ratio = cpu_millicores / 1000;
  p.usage.cpu_throttled_periods_per_sec = cpu_millicores / 100;
  p.usage.cpu_throttled_seconds_per_sec = cpu_millicores / 10000;
  p.usage.oom_kills = static_cast<uint64_t>(cpu_millicores) % 3;
  p.restarts = static_cast<uint64_t>(cpu_millicores) % 5;
  p.usage.cpu_pressure_some_percent = cpu_millicores / 7;
  p.usage.memory_pressure_some_percent = cpu_millicores / 11;
  p.usage.memory_pressure_full_percent = cpu_millicores / 13;
  p.usage.io_pressure_some_percent = cpu_millicores / 17;
  p.usage.io_pressure_full_percent = cpu_millicores / 19;
  return p;
}

// A container of `pod` named `name` whose every field differs from the others.
model::ContainerUsage container(const std::string& name, double cpu_millicores) {
  model::ContainerUsage c;
  c.name = name;
  c.usage.cpu_millicores = cpu_millicores;
  c.usage.memory_working_set_bytes = static_cast<uint64_t>(cpu_millicores * 900);
  c.usage.memory_rss_bytes = static_cast<uint64_t>(cpu_millicores * 800);
  c.usage.memory_cache_bytes = 3;
  c.usage.memory_limit_bytes = 4 << 20;
  c.usage.disk_read_bytes = 5;
  c.usage.disk_write_bytes = 6;
  c.usage.cpu_throttled_ratio = cpu_millicores / 2000;
  c.usage.oom_kills = static_cast<uint64_t>(cpu_millicores) % 2;
  c.usage.io_pressure_full_percent = cpu_millicores / 23;
  c.restarts = 2;
  c.spec = {50, 200, 1 << 20, 2 << 20};
  return c;
}

model::Report report(const std::string& node, int64_t timestamp_ms, std::vector<model::PodUsage> pods) {
  model::Report r;
  r.node = node;
  r.timestamp_ms = timestamp_ms;
  r.interval_ms = 10'000;
  r.node_usage.cpu_capacity_millicores = 4000;
  r.node_usage.memory_capacity_bytes = 8ULL << 30;
  r.pods = std::move(pods);
  return r;
}

BlockFilter podFilter(const ObjectKey& key, int64_t min_ts_ms, int64_t max_ts_ms) {
  BlockFilter filter;
  filter.namespace_name = key.namespace_name;
  filter.pod_name = key.name;
  filter.min_ts_ms = min_ts_ms;
  filter.max_ts_ms = max_ts_ms;
  return filter;
}

// The samples of pod `key` when each report is a source of its own, in this order.
std::vector<ObjectSample> samplesOf(const ObjectKey& key, const std::vector<model::Report>& reports) {
  const BlockFilter filter = podFilter(key, 0, 100'000);
  std::vector<BlockRows> sources;
  for (const model::Report& r : reports) sources.push_back(reportRows(r, filter));
  std::vector<ObjectSample> out;
  visitPodSamples(key, sources, [&](const ObjectSample& s) { out.push_back(s); });
  return out;
}

TEST(ReportRows, KeepsItsNodeAndTheChosenPodInTheRange) {
  const ObjectKey key{ObjectKind::kPod, "ns-a", "web"};
  const auto r =
      report("n1", 20'000, {pod("ns-a", "web", "u1", 5), pod("ns-b", "web", "u2", 6), pod("ns-a", "db", "u3", 7)});
  const BlockRows rows = reportRows(r, podFilter(key, 10'000, 30'000));
  ASSERT_EQ(rows.nodes.size(), 1U);
  EXPECT_EQ(rows.nodes[0].node, "n1");
  EXPECT_EQ(rows.nodes[0].timestamps_ms, std::vector<int64_t>{20'000});
  EXPECT_EQ(rows.nodes[0].intervals_ms, std::vector<int64_t>{10'000});
  EXPECT_EQ(rows.nodes[0].usage.at(0).cpu_capacity_millicores, 4000);
  ASSERT_EQ(rows.pods.size(), 1U);
  EXPECT_EQ(rows.pods[0].identity.uid, "u1");
  EXPECT_EQ(rows.pods[0].identity.deployment, "web");
  EXPECT_EQ(rows.pods[0].usage.at(0).usage.cpu_millicores, 5);
  const BlockRows outside = reportRows(r, podFilter(key, 21'000, 30'000));
  EXPECT_TRUE(outside.nodes.empty());
  EXPECT_TRUE(outside.pods.empty());
}

TEST(VisitPodSamples, NewestCopyCountsEvenWhenItNoLongerListsThePod) {
  const ObjectKey key{ObjectKind::kPod, "ns-a", "web"};
  const auto samples = samplesOf(
      key, {
               report("n1", 10'000, {pod("ns-a", "web", "u1", 1)}), report("n1", 20'000, {pod("ns-a", "web", "u1", 2)}),
               report("n1", 10'000, {}),  // a replay of 10 s that no longer lists it
           });
  ASSERT_EQ(samples.size(), 1U);
  EXPECT_EQ(samples[0].timestamp_ms, 20'000);
  EXPECT_EQ(samples[0].node, "n1");
  EXPECT_EQ(samples[0].uid, "u1");
  EXPECT_EQ(samples[0].deployment, "web");
  EXPECT_EQ(samples[0].interval_ms, 10'000);
  EXPECT_EQ(samples[0].values.cpu_millicores, 2);
}

TEST(VisitPodSamples, PodOnTwoNodesAtOnceTakesTheNodeSeenLast) {
  const ObjectKey key{ObjectKind::kPod, "ns-a", "web"};
  const auto samples = samplesOf(
      key, {
               report("n2", 10'000, {pod("ns-a", "web", "u2", 2)}), report("n1", 10'000, {pod("ns-a", "web", "u1", 1)}),
               report("n2", 10'000, {pod("ns-a", "web", "u2", 3)}),  // newer, first seen earlier
           });
  ASSERT_EQ(samples.size(), 1U);
  EXPECT_EQ(samples[0].node, "n1");
  EXPECT_EQ(samples[0].values.cpu_millicores, 1);
}

// The contract: the same points, bit for bit, as MemoryStorage ingesting the newest copy of each
// (node, timestamp) where its first copy came, over random replays, pods moving between nodes,
// reports that drop a pod, intervals that change, and pods of other namespaces and deployments.
class RowSamplesVersusMemoryStorage : public ::testing::TestWithParam<ObjectKey> {
 protected:
  static BlockFilter filterFor(const ObjectKey& key, int64_t min_ts_ms, int64_t max_ts_ms) {
    BlockFilter filter;
    filter.namespace_name = key.kind == ObjectKind::kNamespace ? key.name : key.namespace_name;
    if (key.kind == ObjectKind::kPod) filter.pod_name = key.name;
    if (key.kind == ObjectKind::kContainer) filter.pod_name = key.name.substr(0, key.name.find('/'));
    if (key.kind == ObjectKind::kDeployment) filter.deployment = key.name;
    filter.min_ts_ms = min_ts_ms;
    filter.max_ts_ms = max_ts_ms;
    return filter;
  }
};

TEST_P(RowSamplesVersusMemoryStorage, SamePointsOverRandomReplays) {
  const ObjectKey key = GetParam();
  std::mt19937 random(20261130);
  const std::string nodes[] = {"n0", "n1", "n2"};
  const std::string uids[] = {"u0", "u1"};
  auto value = [&] { return static_cast<double>(random() % 100000) / 1000.0; };
  for (int round = 0; round < 50; ++round) {
    FakeClock clock;
    const int64_t base_ms = toUnixMs(clock.wallNow()) - 600'000;
    MemoryStorage reference(clock, std::chrono::hours(1));
    const BlockFilter filter = filterFor(key, base_ms, base_ms + 600'000);
    std::vector<BlockRows> sources;
    std::vector<model::Report> newest;  // a replay takes its first copy's place
    for (int i = 0; i < 60; ++i) {
      const std::string& node = nodes[random() % 3];
      const int64_t ts = base_ms + static_cast<int64_t>(random() % 12) * 10'000;
      std::vector<model::PodUsage> pods{pod("ns-a", "other", "u9", value()), pod("ns-b", "web", "u8", value())};
      if (random() % 4 != 0) pods.push_back(pod("ns-a", "web", uids[random() % 2], value()));
      if (random() % 2 != 0) pods.push_back(pod("ns-a", "web2", "u7", value()));
      pods.back().deployment = "web";  // a second pod of the web Deployment, or the other's moved
      // Containers come and go (a restart, a sidecar injected later), in report order.
      for (auto& p : pods) {
        if (random() % 3 != 0) p.containers.push_back(container("app", value()));
        if (random() % 2 != 0) p.containers.push_back(container("sidecar", value()));
      }
      std::sort(pods.begin(), pods.end(), [](const auto& a, const auto& b) {
        return std::tie(a.namespace_name, a.name, a.uid) < std::tie(b.namespace_name, b.name, b.uid);
      });
      model::Report r = report(node, ts, pods);
      r.interval_ms = random() % 5 == 0 ? 5'000 : 10'000;
      r.node_usage.cpu_capacity_millicores = node == "n2" ? 8000 : 4000;
      auto same = std::find_if(newest.begin(), newest.end(),
                               [&](const model::Report& n) { return n.node == node && n.timestamp_ms == ts; });
      if (same == newest.end())
        newest.push_back(r);
      else
        *same = r;
      sources.push_back(reportRows(r, filter));
    }
    for (const model::Report& r : newest) ASSERT_TRUE(reference.ingest(r).ok());
    const auto expected = reference.series(key, SeriesQuery{base_ms, base_ms + 600'000, 1});
    // Folded as the engine folds raw samples (one bucket per 1 ms): the folder adds what only a
    // series has, the OOM kills between one point and the next.
    std::vector<ObjectSample> actual;
    ObjectSeriesFolder folder(actual);
    auto keep = [&](const ObjectSample& s) { folder.add(s.timestamp_ms, s, s.values); };
    if (hasPodLabels(key.kind))
      visitPodSamples(key, sources, keep);
    else
      visitAggregateSamples(key, sources, keep);
    folder.finish();
    ASSERT_FALSE(expected.empty());
    ASSERT_EQ(actual.size(), expected.size()) << "round " << round;
    for (size_t i = 0; i < actual.size(); ++i) {
      const std::string where = "round " + std::to_string(round) + " point " + std::to_string(i);
      EXPECT_EQ(actual[i].key, expected[i].key) << where;
      EXPECT_EQ(actual[i].timestamp_ms, expected[i].timestamp_ms) << where;
      EXPECT_EQ(actual[i].node, expected[i].node) << where;
      EXPECT_EQ(actual[i].uid, expected[i].uid) << where;
      EXPECT_EQ(actual[i].deployment, expected[i].deployment) << where;
      EXPECT_EQ(actual[i].interval_ms, expected[i].interval_ms) << where;
      EXPECT_EQ(actual[i].qos_class, expected[i].qos_class) << where;
      EXPECT_EQ(actual[i].workload_name, expected[i].workload_name) << where;
      EXPECT_EQ(std::memcmp(&actual[i].values, &expected[i].values, sizeof(ObjectValues)), 0) << where;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Objects, RowSamplesVersusMemoryStorage,
                         ::testing::Values(ObjectKey{ObjectKind::kPod, "ns-a", "web"},
                                           ObjectKey{ObjectKind::kNamespace, "", "ns-a"},
                                           ObjectKey{ObjectKind::kDeployment, "ns-a", "web"},
                                           ObjectKey{ObjectKind::kContainer, "ns-a", "web/app"},
                                           ObjectKey{ObjectKind::kContainer, "ns-a", "web/sidecar"}));

}  // namespace
}  // namespace kubemonitor::tsdb
