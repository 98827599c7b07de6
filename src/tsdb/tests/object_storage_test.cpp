// Pods, namespaces and deployments in MemoryStorage: exact sums across nodes, replays that replace
// their own share, liveness, and series.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <random>
#include <thread>

#include "common/testing/fake_clock.h"
#include "tsdb/block.h"
#include "tsdb/memory_storage.h"

namespace kubemonitor::tsdb {
namespace {

model::PodUsage pod(const std::string& ns, const std::string& name, const std::string& deployment,
                    double cpu_millicores, uint64_t working_set_bytes) {
  model::PodUsage p;
  p.uid = ns + "/" + name;
  p.name = name;
  p.namespace_name = ns;
  p.deployment = deployment;
  p.usage.cpu_millicores = cpu_millicores;
  p.usage.memory_working_set_bytes = working_set_bytes;
  p.usage.memory_rss_bytes = working_set_bytes / 2;
  p.usage.disk_write_bytes = working_set_bytes * 3;
  p.network.rx_bytes_per_sec = cpu_millicores * 2;
  model::ContainerUsage c;
  c.name = name + "-c";
  c.usage.cpu_millicores = cpu_millicores;
  c.usage.memory_working_set_bytes = working_set_bytes;
  p.containers.push_back(c);
  return p;
}

class ObjectStorageTest : public ::testing::Test {
 protected:
  int64_t nowMs() const { return toUnixMs(clock_.wallNow()) / 5000 * 5000; }

  static model::Report report(const std::string& node, int64_t timestamp_ms, std::vector<model::PodUsage> pods) {
    model::Report r;
    r.node = node;
    r.timestamp_ms = timestamp_ms;
    r.interval_ms = 5000;
    r.node_usage.cpu_capacity_millicores = 4000;
    r.node_usage.memory_capacity_bytes = 8ULL << 30;
    r.pods = std::move(pods);
    return r;
  }

  void ingest(const model::Report& r) { ASSERT_TRUE(storage_.ingest(r).ok()); }

  ObjectSample latestOf(ObjectKind kind, const std::string& ns, const std::string& name) {
    auto sample = storage_.latestObject(ObjectKey{kind, ns, name}, 0);
    EXPECT_TRUE(sample.has_value()) << ns << "/" << name;
    return sample.value_or(ObjectSample{});
  }

  FakeClock clock_;
  MemoryStorage storage_{clock_, std::chrono::hours(1)};
};

TEST_F(ObjectStorageTest, NamespaceAndDeploymentSumTheirPodsAcrossNodes) {
  const int64_t t = nowMs();
  ingest(report("n1", t, {pod("shop", "web-1", "web", 100, 1000), pod("shop", "db-0", "", 50, 4000)}));
  ingest(report("n2", t, {pod("shop", "web-2", "web", 300, 3000), pod("kube-system", "dns", "coredns", 7, 10)}));

  const ObjectSample shop = latestOf(ObjectKind::kNamespace, "", "shop");
  EXPECT_DOUBLE_EQ(shop.values.cpu_millicores, 450);
  EXPECT_EQ(shop.values.memory_working_set_bytes, 8000U);
  EXPECT_EQ(shop.values.memory_rss_bytes, 4000U);
  EXPECT_EQ(shop.values.disk_write_bytes, 24000U);
  EXPECT_DOUBLE_EQ(shop.values.network_rx_bytes_per_sec, 900);
  EXPECT_EQ(shop.values.pod_count, 3U);
  EXPECT_EQ(shop.values.cpu_capacity_millicores, 8000U) << "two nodes, each counted once";
  EXPECT_EQ(shop.timestamp_ms, t);

  const ObjectSample web = latestOf(ObjectKind::kDeployment, "shop", "web");
  EXPECT_DOUBLE_EQ(web.values.cpu_millicores, 400);
  EXPECT_EQ(web.values.pod_count, 2U);
  EXPECT_DOUBLE_EQ(objectCpuPercent(ObjectKind::kDeployment, web.values), 5.0);  // 400 of 8000

  auto namespaces = storage_.latest(ObjectKind::kNamespace, {});
  ASSERT_EQ(namespaces.size(), 2U);
  EXPECT_EQ(namespaces[0].key.name, "kube-system");
  EXPECT_EQ(namespaces[1].key.name, "shop");
  auto deployments = storage_.latest(ObjectKind::kDeployment, LatestFilter{"shop", "", "", 0});
  ASSERT_EQ(deployments.size(), 1U);
  EXPECT_EQ(deployments[0].key.name, "web");

  auto on_n1 = storage_.latest(ObjectKind::kPod, LatestFilter{"", "n1", "", 0});
  ASSERT_EQ(on_n1.size(), 2U);
  EXPECT_EQ(on_n1[0].key.name, "db-0");
  EXPECT_EQ(on_n1[0].node, "n1");
  auto web_pods = storage_.latest(ObjectKind::kPod, LatestFilter{"shop", "", "web", 0});
  ASSERT_EQ(web_pods.size(), 2U);
  EXPECT_EQ(web_pods[1].key.name, "web-2");
  EXPECT_EQ(web_pods[1].uid, "shop/web-2");

  auto node = storage_.latestNode("n1");
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(node->pod_count, 2U);
  EXPECT_EQ(latestOf(ObjectKind::kNode, "", "n2").values.pod_count, 2U);
}

TEST_F(ObjectStorageTest, ReplayReplacesItsShareAndDroppedPodsLeaveThatTimestamp) {
  const int64_t t = nowMs();
  ingest(report("n1", t, {pod("shop", "a", "web", 100, 1000), pod("shop", "b", "web", 10, 10)}));
  ingest(report("n2", t, {pod("shop", "c", "web", 1, 1)}));
  for (int i = 0; i < 3; ++i)
    ingest(report("n1", t, {pod("shop", "a", "web", 100, 1000), pod("shop", "b", "web", 10, 10)}));
  EXPECT_DOUBLE_EQ(latestOf(ObjectKind::kNamespace, "", "shop").values.cpu_millicores, 111);
  EXPECT_EQ(latestOf(ObjectKind::kDeployment, "shop", "web").values.pod_count, 3U);

  // The same (node, timestamp) again, now without pod b and with a different a: replaced, not added.
  ingest(report("n1", t, {pod("shop", "a", "web", 200, 2000)}));
  const ObjectSample shop = latestOf(ObjectKind::kNamespace, "", "shop");
  EXPECT_DOUBLE_EQ(shop.values.cpu_millicores, 201);
  EXPECT_EQ(shop.values.memory_working_set_bytes, 2001U);
  EXPECT_EQ(shop.values.pod_count, 2U);
  EXPECT_FALSE(storage_.latestObject(ObjectKey{ObjectKind::kPod, "shop", "b"}, 0).has_value())
      << "b's only point was taken back";
  auto series = storage_.series(ObjectKey{ObjectKind::kNamespace, "", "shop"}, {t - 60'000, t, 5000});
  ASSERT_EQ(series.size(), 1U);
  EXPECT_DOUBLE_EQ(series[0].values.cpu_millicores, 201);
}

TEST_F(ObjectStorageTest, RandomizedReplaysKeepAggregatesEqualToTheSumOfTheirPods) {
  std::mt19937 random(20261130);  // fixed seed: a failure reproduces
  const std::vector<std::string> nodes = {"n1", "n2", "n3"}, namespaces = {"a", "b"}, deployments = {"", "d1", "d2"};
  const int64_t t0 = nowMs() - 20 * 5000;
  // The last report sent for each (node, slot): what the storage must hold in the end.
  std::map<std::pair<std::string, int64_t>, model::Report> sent;
  for (int round = 0; round < 400; ++round) {
    const std::string& node = nodes[random() % nodes.size()];
    const int64_t ts = t0 + static_cast<int64_t>(random() % 20) * 5000;
    std::vector<model::PodUsage> pods;
    const int pod_count = static_cast<int>(random() % 5);
    for (int i = 0; i < pod_count; ++i) {
      // Halves: sums of doubles stay exact, so equality below is exact whatever the order.
      pods.push_back(pod(namespaces[random() % 2], node + "-p" + std::to_string(i), deployments[random() % 3],
                         static_cast<double>(random() % 2000) / 2, random() % (1ULL << 40)));
    }
    model::Report r = report(node, ts, pods);
    ingest(r);
    sent[{node, ts}] = r;
  }
  for (int slot = 0; slot < 20; ++slot) {
    const int64_t ts = t0 + slot * 5000;
    std::map<ObjectKey, ObjectValues> expected;
    for (const auto& [where, r] : sent) {
      if (where.second != ts) continue;
      for (const auto& p : r.pods) {
        ObjectValues& ns = expected[ObjectKey{ObjectKind::kNamespace, "", p.namespace_name}];
        ns.cpu_millicores += p.usage.cpu_millicores;
        ns.memory_working_set_bytes += p.usage.memory_working_set_bytes;
        ns.pod_count += 1;
        if (p.deployment.empty()) continue;
        ObjectValues& d = expected[ObjectKey{ObjectKind::kDeployment, p.namespace_name, p.deployment}];
        d.cpu_millicores += p.usage.cpu_millicores;
        d.memory_working_set_bytes += p.usage.memory_working_set_bytes;
        d.pod_count += 1;
      }
    }
    for (ObjectKind kind : {ObjectKind::kNamespace, ObjectKind::kDeployment}) {
      for (const auto& ns : namespaces) {
        for (const auto& d : deployments) {
          if (kind == ObjectKind::kNamespace && !d.empty()) continue;
          if (kind == ObjectKind::kDeployment && d.empty()) continue;
          const ObjectKey key = kind == ObjectKind::kNamespace ? ObjectKey{kind, "", ns} : ObjectKey{kind, ns, d};
          auto points = storage_.series(key, {ts, ts, 5000});
          auto want = expected.find(key);
          SCOPED_TRACE(std::string(objectKindName(kind)) + " " + ns + "/" + d + " slot " + std::to_string(slot));
          if (want == expected.end()) {
            EXPECT_TRUE(points.empty());
            continue;
          }
          ASSERT_EQ(points.size(), 1U);
          EXPECT_EQ(points[0].values.cpu_millicores, want->second.cpu_millicores);
          EXPECT_EQ(points[0].values.memory_working_set_bytes, want->second.memory_working_set_bytes);
          EXPECT_EQ(points[0].values.pod_count, want->second.pod_count);
        }
      }
    }
  }
}

TEST_F(ObjectStorageTest, AggregateSumsAreTheSameBitsWhateverOrderNodesArriveIn) {
  // Doubles that do not add exactly: the sum depends on its order, which must be node order
  // whether a node's share extends the sum (arrives last by name) or lands in the middle.
  const std::vector<std::string> nodes = {"n1", "n2", "n3", "n4", "n5"};
  const int64_t t0 = nowMs() - 10 * 5000;
  auto reportOf = [&](size_t n, int slot, double bias) {
    std::vector<model::PodUsage> pods;
    for (int i = 0; i < 3; ++i) {
      const double cpu = 0.1 * (static_cast<double>(n) + 1) + 1e-7 * i + bias + 1.0 / (3.0 + slot + i);
      pods.push_back(pod("shop", nodes[n] + "-p" + std::to_string(i), "web", cpu, 1000 + i));
    }
    return report(nodes[n], t0 + slot * 5000, pods);
  };
  MemoryStorage reversed(clock_, std::chrono::hours(1));
  for (int slot = 0; slot < 10; ++slot) {
    for (size_t n = 0; n < nodes.size(); ++n) ingest(reportOf(n, slot, 0));
    for (size_t n = nodes.size(); n-- > 0;) {
      // Another copy first, then the real one: a replay replaces the share in the middle.
      ASSERT_TRUE(reversed.ingest(reportOf(n, slot, 0.5)).ok());
      ASSERT_TRUE(reversed.ingest(reportOf(n, slot, 0)).ok());
    }
  }
  for (const ObjectKey& key :
       {ObjectKey{ObjectKind::kNamespace, "", "shop"}, ObjectKey{ObjectKind::kDeployment, "shop", "web"}}) {
    const auto a = storage_.series(key, {t0, t0 + 10 * 5000, 5000});
    const auto b = reversed.series(key, {t0, t0 + 10 * 5000, 5000});
    ASSERT_EQ(a.size(), 10U);
    ASSERT_EQ(b.size(), a.size());
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(std::bit_cast<uint64_t>(a[k].values.cpu_millicores),
                std::bit_cast<uint64_t>(b[k].values.cpu_millicores))
          << key.name << " slot " << k;
      EXPECT_EQ(a[k].values.pod_count, 15U);
    }
  }
}

TEST_F(ObjectStorageTest, SealedAggregatePointsAnswerTheSameBitsAfterLateReplaysAndNodesOutOfOrder) {
  // One storage keeps every node's share, the other seals points older than 30 s behind their
  // series' newest; the same reports (pods in sortPods order) go to both, with nodes arriving in
  // any order, late, and replayed (other pods, fewer pods, none) long after sealing.
  MemoryStorage sealed(clock_, std::chrono::hours(1), std::chrono::seconds(30));
  std::mt19937 random(20261130);
  const std::vector<std::string> nodes = {"n1", "n2", "n3", "n4"};
  const int64_t t0 = nowMs() - 40 * 5000;
  auto reportOf = [&](const std::string& node, int64_t ts) {
    std::vector<model::PodUsage> pods;
    const int count = static_cast<int>(random() % 5);
    for (int i = 0; i < count; ++i) {
      const std::string ns = random() % 2 == 0 ? "a" : "b";
      const double cpu = static_cast<double>(random() % 100'000) / 7.0;  // sums depend on their order
      pods.push_back(pod(ns, node + "-p" + std::to_string(i), random() % 2 == 0 ? "d1" : "", cpu, random() % 1000));
    }
    model::Report r = report(node, ts, pods);
    sortPods(r);
    return r;
  };
  auto both = [&](const model::Report& r) {
    ingest(r);
    ASSERT_TRUE(sealed.ingest(r).ok());
  };
  for (int slot = 0; slot < 40; ++slot) {
    std::vector<std::string> order = nodes;
    std::shuffle(order.begin(), order.end(), random);
    for (const auto& node : order) both(reportOf(node, t0 + slot * 5000));
    if (slot >= 20) {
      // Replays and a late first report into points sealed long ago.
      both(reportOf(nodes[random() % nodes.size()], t0 + static_cast<int64_t>(random() % 15) * 5000));
      both(reportOf(slot % 2 == 0 ? "n0-late" : "n25-late", t0 + static_cast<int64_t>(random() % 15) * 5000));
      both(report(nodes[random() % nodes.size()], t0 + static_cast<int64_t>(random() % 15) * 5000, {}));
    }
  }
  auto bits = [](const ObjectValues& v) {
    return std::to_string(std::bit_cast<uint64_t>(v.cpu_millicores)) + "/" +
           std::to_string(v.memory_working_set_bytes) + "/" + std::to_string(v.pod_count) + "/" +
           std::to_string(v.cpu_capacity_millicores);
  };
  size_t compared = 0;
  for (const ObjectKey& key :
       {ObjectKey{ObjectKind::kNamespace, "", "a"}, ObjectKey{ObjectKind::kNamespace, "", "b"},
        ObjectKey{ObjectKind::kDeployment, "a", "d1"}, ObjectKey{ObjectKind::kDeployment, "b", "d1"}}) {
    const auto want = storage_.series(key, {t0, t0 + 40 * 5000, 5000});
    const auto got = sealed.series(key, {t0, t0 + 40 * 5000, 5000});
    ASSERT_EQ(got.size(), want.size()) << key.name;
    for (size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(got[k].timestamp_ms, want[k].timestamp_ms);
      EXPECT_EQ(bits(got[k].values), bits(want[k].values)) << key.namespace_name << "/" << key.name << " @" << k;
      ++compared;
    }
  }
  EXPECT_GT(compared, 100U);
  for (ObjectKind kind : {ObjectKind::kNamespace, ObjectKind::kDeployment}) {
    // Every node live, "n0-late" with its newest report in a sealed point: its share comes from pods.
    const auto want = storage_.latest(kind, LatestFilter{"", "", "", 1LL << 40});
    const auto got = sealed.latest(kind, LatestFilter{"", "", "", 1LL << 40});
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(bits(got[k].values), bits(want[k].values)) << got[k].key.name;
  }
}

TEST_F(ObjectStorageTest, SilentNodesAndDeletedPodsLeaveLatestViewsButKeepHistory) {
  const int64_t t = nowMs();
  ingest(report("n1", t, {pod("shop", "a", "web", 100, 1000), pod("shop", "gone", "web", 1, 1)}));
  ingest(report("n2", t, {pod("shop", "b", "web", 10, 10)}));
  clock_.advance(std::chrono::seconds(5));
  // n1 reports again without "gone": it leaves at once.
  ingest(report("n1", t + 5000, {pod("shop", "a", "web", 100, 1000)}));
  auto pods = storage_.latest(ObjectKind::kPod, {});
  ASSERT_EQ(pods.size(), 2U);
  EXPECT_EQ(pods[0].key.name, "a");
  EXPECT_EQ(pods[1].key.name, "b");
  // Both nodes' newest reports count, though they are of different slots.
  const ObjectSample shop = latestOf(ObjectKind::kNamespace, "", "shop");
  EXPECT_DOUBLE_EQ(shop.values.cpu_millicores, 110);
  EXPECT_EQ(shop.timestamp_ms, t + 5000);

  // n2 falls silent: after 3 × 5 s its pod leaves the views (auto grace) but not with 60 s.
  clock_.advance(std::chrono::seconds(16));
  ingest(report("n1", t + 20'000, {pod("shop", "a", "web", 100, 1000)}));
  EXPECT_EQ(storage_.latest(ObjectKind::kPod, {}).size(), 1U);
  EXPECT_EQ(storage_.latest(ObjectKind::kPod, LatestFilter{"", "", "", 60'000}).size(), 2U);
  EXPECT_DOUBLE_EQ(latestOf(ObjectKind::kNamespace, "", "shop").values.cpu_millicores, 100);
  // History stays, and the single-object answer is the last known values.
  EXPECT_EQ(storage_.series(ObjectKey{ObjectKind::kPod, "shop", "b"}, {t - 1000, t + 30'000, 5000}).size(), 1U);
  EXPECT_EQ(latestOf(ObjectKind::kPod, "shop", "b").timestamp_ms, t);
  auto candidates = storage_.findNamespaces(ObjectKind::kPod, "b", 0);
  ASSERT_EQ(candidates.size(), 1U);
  EXPECT_FALSE(candidates[0].live);
  // Everything silent: the namespace answers with its last stored point.
  clock_.advance(std::chrono::minutes(5));
  EXPECT_TRUE(storage_.latest(ObjectKind::kNamespace, {}).empty());
  EXPECT_EQ(latestOf(ObjectKind::kNamespace, "", "shop").timestamp_ms, t + 20'000);
}

TEST_F(ObjectStorageTest, FindNamespacesContainersAndUnnamedPods) {
  const int64_t t = nowMs();
  model::PodUsage unnamed = pod("", "", "", 5, 5);
  unnamed.uid = "0b6c1f52-uid";
  ingest(report("n1", t, {pod("a", "web", "web", 1, 1), pod("b", "web", "web", 2, 2), unnamed}));
  auto pods = storage_.findNamespaces(ObjectKind::kPod, "web", 0);
  ASSERT_EQ(pods.size(), 2U);
  EXPECT_EQ(pods[0].namespace_name, "a");
  EXPECT_TRUE(pods[0].live);
  EXPECT_EQ(pods[1].namespace_name, "b");
  EXPECT_EQ(storage_.findNamespaces(ObjectKind::kDeployment, "web", 0).size(), 2U);
  EXPECT_TRUE(storage_.findNamespaces(ObjectKind::kPod, "nope", 0).empty());
  EXPECT_TRUE(storage_.findNamespaces(ObjectKind::kNamespace, "a", 0).empty());

  auto containers = storage_.latestContainers(ObjectKey{ObjectKind::kPod, "b", "web"});
  ASSERT_EQ(containers.size(), 1U);
  EXPECT_EQ(containers[0].name, "web-c");
  EXPECT_DOUBLE_EQ(containers[0].values.cpu_millicores, 2);
  EXPECT_EQ(latestOf(ObjectKind::kPod, "", "0b6c1f52-uid").values.cpu_millicores, 5) << "named by UID";
  EXPECT_EQ(storage_.latest(ObjectKind::kNamespace, {}).size(), 2U) << "an unnamed pod has no namespace";
  EXPECT_EQ(storage_.stats().objects, 10U);  // 3 pods, their 3 containers, 2 namespaces, 2 deployments
}

TEST_F(ObjectStorageTest, AContainerSeriesErasedAndBackIsStoredInItsNewSeries) {
  // Ingest finds a pod's container series through the pod's series (memory_storage.h); a replay
  // that erases one (the container is not in the report's new copy) must not leave the pod
  // pointing at the erased series when the container comes back.
  const int64_t t = nowMs();
  model::PodUsage two = pod("a", "web", "web", 10, 10);
  two.containers.push_back(two.containers[0]);
  two.containers[1].name = "sidecar";
  two.containers[1].usage.cpu_millicores = 3;
  ingest(report("n1", t, {two}));
  ingest(report("n1", t + 5000, {pod("a", "web", "web", 11, 11)}));  // the pod's series goes on
  ingest(report("n1", t, {pod("a", "web", "web", 11, 11)}));         // a replay without the sidecar
  const ObjectKey sidecar{ObjectKind::kContainer, "a", "web/sidecar"};
  EXPECT_FALSE(storage_.latestObject(sidecar, 0).has_value()) << "its only point was replaced away";
  EXPECT_EQ(storage_.stats().objects, 4U) << "pod, its one container, namespace, deployment";
  two.containers[1].usage.cpu_millicores = 7;
  ingest(report("n1", t + 10'000, {two}));  // and it came back
  const auto back = storage_.latestObject(sidecar, 0);
  ASSERT_TRUE(back.has_value());
  EXPECT_DOUBLE_EQ(back->values.cpu_millicores, 7);
  EXPECT_EQ(storage_.series(sidecar, {t, t + 10'000, 5000}).size(), 1U);
  EXPECT_DOUBLE_EQ(latestOf(ObjectKind::kContainer, "a", "web/web-c").values.cpu_millicores, 10);
}

TEST_F(ObjectStorageTest, SeriesFoldsGaugesAndKeepsLastCountersAndPodCount) {
  const int64_t base = nowMs() / 60'000 * 60'000 - 120'000;
  for (int i = 0; i < 12; ++i) {
    std::vector<model::PodUsage> pods{pod("ns", "p", "d", 100.0 * i, 1000)};
    if (i >= 6) pods.push_back(pod("ns", "q", "d", 0, 0));
    ingest(report("n1", base + i * 5000, pods));
  }
  auto series = storage_.series(ObjectKey{ObjectKind::kDeployment, "ns", "d"}, {base, base + 59'999, 30'000});
  ASSERT_EQ(series.size(), 2U);
  EXPECT_EQ(series[0].timestamp_ms, base);
  EXPECT_DOUBLE_EQ(series[0].values.cpu_millicores, 250);  // mean of 0..500
  EXPECT_EQ(series[0].values.pod_count, 1U);
  EXPECT_DOUBLE_EQ(series[1].values.cpu_millicores, 850);
  EXPECT_EQ(series[1].values.pod_count, 2U);
  EXPECT_EQ(series[1].values.disk_write_bytes, 3000U) << "counter: last, not mean";
  auto pod_series = storage_.series(ObjectKey{ObjectKind::kPod, "ns", "p"}, {base, base + 59'999, 30'000});
  ASSERT_EQ(pod_series.size(), 2U);
  EXPECT_EQ(pod_series[1].node, "n1");
  EXPECT_EQ(pod_series[1].deployment, "d");
  EXPECT_EQ(
      storage_.series(ObjectKey{ObjectKind::kNode, "", "n1"}, {base, base + 59'999, 30'000}).at(1).values.pod_count,
      2U);
}

TEST_F(ObjectStorageTest, PercentagesUseLimitsForPodsOnly) {
  ObjectValues v;
  v.cpu_millicores = 250;
  v.cpu_capacity_millicores = 4000;
  v.cpu_limit_millicores = 500;
  v.memory_working_set_bytes = 1 << 20;
  v.memory_capacity_bytes = 8 << 20;
  v.memory_limit_bytes = 2 << 20;
  EXPECT_DOUBLE_EQ(objectCpuPercent(ObjectKind::kPod, v), 50);
  EXPECT_DOUBLE_EQ(objectCpuPercent(ObjectKind::kNamespace, v), 6.25);
  EXPECT_DOUBLE_EQ(objectMemoryPercent(ObjectKind::kPod, v), 50);
  EXPECT_DOUBLE_EQ(objectMemoryPercent(ObjectKind::kDeployment, v), 12.5);
  v.memory_limit_bytes = ~0ULL;  // an unlimited cgroup: the node caps it
  EXPECT_DOUBLE_EQ(objectMemoryPercent(ObjectKind::kPod, v), 12.5);
  EXPECT_DOUBLE_EQ(objectCpuPercent(ObjectKind::kPod, ObjectValues{}), 0);
  EXPECT_EQ(objectFieldKind("network_rx_bytes"), FieldKind::kCounter);
  EXPECT_EQ(objectFieldKind("cpu_millicores"), FieldKind::kGauge);
  EXPECT_EQ(objectFieldKind("pod_count"), FieldKind::kCapacity);
  EXPECT_FALSE(objectFieldKind("nope").has_value());
  EXPECT_EQ(objectKindName(ObjectKind::kDeployment), "deployment");
}

// Run under TSan (label "threaded"): replays race on the same (node, timestamp) while readers
// query every object view; in the end each namespace is still the exact sum.
TEST_F(ObjectStorageTest, ConcurrentReplaysAndReaders) {
  constexpr int kReports = 100;
  const int64_t base = nowMs() - kReports * 5000;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      const std::string node = "n" + std::to_string(w % 2);  // two writers per node: replays race
      for (int i = 0; i < kReports; ++i) {
        EXPECT_TRUE(storage_
                        .ingest(report(node, base + i * 5000,
                                       {pod("ns", node + "-a", "d", 10, 100), pod("ns", node + "-b", "", 1, 1)}))
                        .ok());
      }
    });
  }
  std::atomic<size_t> reads{0};
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      do {
        for (const auto& ns : storage_.latest(ObjectKind::kNamespace, {})) {
          EXPECT_FALSE(storage_.series(ns.key, {base, ns.timestamp_ms, 10'000}).empty());
        }
        for (const auto& p : storage_.latest(ObjectKind::kPod, {})) (void)storage_.latestContainers(p.key);
        (void)storage_.findNamespaces(ObjectKind::kPod, "n1-a", 0);
        (void)storage_.latestObject(ObjectKey{ObjectKind::kDeployment, "ns", "d"}, 0);
        reads.fetch_add(1);
      } while (!done.load());
    });
  }
  for (int w = 0; w < 4; ++w) threads[static_cast<size_t>(w)].join();
  done.store(true);
  for (size_t i = 4; i < threads.size(); ++i) threads[i].join();
  auto points = storage_.series(ObjectKey{ObjectKind::kNamespace, "", "ns"}, {base, base + kReports * 5000, 5000});
  ASSERT_EQ(points.size(), static_cast<size_t>(kReports));
  for (const auto& point : points) {
    EXPECT_DOUBLE_EQ(point.values.cpu_millicores, 22);
    EXPECT_EQ(point.values.pod_count, 4U);
  }
  EXPECT_GT(reads.load(), 0U);
}

}  // namespace
}  // namespace kubemonitor::tsdb
