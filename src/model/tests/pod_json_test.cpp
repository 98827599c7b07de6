#include <gtest/gtest.h>

#include "model/report_json.h"

namespace kubemonitor::model {
namespace {

Report reportWithPods() {
  Report r;
  r.node = "worker-2";
  r.timestamp_ms = 1'795'000'005'000;
  r.interval_ms = 5000;
  r.node_usage.cpu_capacity_millicores = 4000;
  r.node_usage.memory_capacity_bytes = 8ULL << 30;
  PodUsage pod;
  pod.uid = "3f1c2a8e-1b2c-4d5e-8f90-0123456789ab";
  pod.name = "web-7d9f8b6c5-x2x4q";
  pod.namespace_name = "shop";
  pod.deployment = "web";
  pod.workload_kind = "Deployment";
  pod.workload_name = "web";
  pod.qos_class = "Burstable";
  pod.usage.cpu_millicores = 250;
  pod.usage.cpu_usage_ns = 123'456'789'012ULL;
  pod.usage.memory_working_set_bytes = 64ULL << 20;
  pod.usage.memory_limit_bytes = 256ULL << 20;
  pod.usage.disk_write_bytes = UINT64_MAX - 3;  // counters stay exact up to 2^64
  pod.usage.io_pressure_some_percent = 1.25;
  pod.network.rx_bytes = 1'000'000;
  pod.network.tx_dropped = 7;
  pod.network.rx_bytes_per_sec = 2048.5;
  pod.spec.cpu_limit_millicores = 500;
  pod.spec.memory_limit_bytes = 128ULL << 20;
  ContainerUsage container;
  container.name = "nginx";
  container.id = std::string(64, 'a');
  container.usage.cpu_millicores = 240;
  container.usage.oom_kills = 2;
  container.spec.cpu_request_millicores = 100;
  pod.containers.push_back(container);
  r.pods.push_back(pod);
  PodUsage anonymous;  // found in the cgroup tree, unknown to the API
  anonymous.uid = "9e8d7c6b-0000-4000-8000-000000000001";
  anonymous.host_network = true;
  r.pods.push_back(anonymous);
  return r;
}

TEST(PodJsonTest, RoundTripsPodsAndContainers) {
  auto decoded = decodeReport(encodeReport(reportWithPods()));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  ASSERT_EQ(decoded->pods.size(), 2U);
  const PodUsage& pod = decoded->pods[0];
  EXPECT_EQ(pod.name, "web-7d9f8b6c5-x2x4q");
  EXPECT_EQ(pod.namespace_name, "shop");
  EXPECT_EQ(pod.deployment, "web");
  EXPECT_EQ(pod.qos_class, "Burstable");
  EXPECT_DOUBLE_EQ(pod.usage.cpu_millicores, 250);
  EXPECT_EQ(pod.usage.cpu_usage_ns, 123'456'789'012ULL);
  EXPECT_EQ(pod.usage.memory_limit_bytes, 256ULL << 20);
  EXPECT_EQ(pod.usage.disk_write_bytes, UINT64_MAX - 3);
  EXPECT_DOUBLE_EQ(pod.usage.io_pressure_some_percent, 1.25);
  EXPECT_EQ(pod.network.tx_dropped, 7U);
  EXPECT_DOUBLE_EQ(pod.network.rx_bytes_per_sec, 2048.5);
  EXPECT_EQ(pod.spec.cpu_limit_millicores, 500U);
  EXPECT_EQ(pod.spec.memory_limit_bytes, 128ULL << 20);
  ASSERT_EQ(pod.containers.size(), 1U);
  EXPECT_EQ(pod.containers[0].name, "nginx");
  EXPECT_EQ(pod.containers[0].id, std::string(64, 'a'));
  EXPECT_EQ(pod.containers[0].usage.oom_kills, 2U);
  EXPECT_EQ(pod.containers[0].spec.cpu_request_millicores, 100U);
  EXPECT_TRUE(decoded->pods[1].host_network);
  EXPECT_TRUE(decoded->pods[1].name.empty());
}

// Issue 14's report fields: throttling rates and restarts round-trip; an agent from before them
// (no such keys) still decodes, with 0 — agents and servers upgrade in any order.
TEST(PodJsonTest, ThrottlingRatesAndRestartsRoundTripAndMayBeAbsent) {
  Report r = reportWithPods();
  r.pods[0].usage.cpu_throttled_periods_per_sec = 7.5;
  r.pods[0].usage.cpu_throttled_ratio = 0.75;
  r.pods[0].usage.cpu_throttled_seconds_per_sec = 0.03;
  r.pods[0].restarts = 5;
  r.pods[0].containers[0].restarts = 5;
  r.pods[0].containers[0].usage.cpu_throttled_ratio = 0.5;
  const std::string json = encodeReport(r);
  auto decoded = decodeReport(json);
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  const PodUsage& pod = decoded->pods[0];
  EXPECT_DOUBLE_EQ(pod.usage.cpu_throttled_periods_per_sec, 7.5);
  EXPECT_DOUBLE_EQ(pod.usage.cpu_throttled_ratio, 0.75);
  EXPECT_DOUBLE_EQ(pod.usage.cpu_throttled_seconds_per_sec, 0.03);
  EXPECT_EQ(pod.restarts, 5U);
  EXPECT_EQ(pod.containers[0].restarts, 5U);
  EXPECT_DOUBLE_EQ(pod.containers[0].usage.cpu_throttled_ratio, 0.5);

  std::string old_agent = json;
  for (const char* key : {"cpu_throttled_periods_per_sec", "cpu_throttled_ratio", "cpu_throttled_seconds_per_sec",
                          "restarts"}) {
    // Drop every `"key":value,` the encoder wrote (values are numbers, followed by a comma).
    const std::string needle = std::string("\"") + key + "\":";
    for (size_t at = old_agent.find(needle); at != std::string::npos; at = old_agent.find(needle)) {
      old_agent.erase(at, old_agent.find(',', at) + 1 - at);
    }
  }
  ASSERT_EQ(old_agent.find("restarts"), std::string::npos);
  auto from_old = decodeReport(old_agent);
  ASSERT_TRUE(from_old.ok()) << from_old.error().toString();
  EXPECT_EQ(from_old->pods[0].restarts, 0U);
  EXPECT_EQ(from_old->pods[0].usage.cpu_throttled_ratio, 0.0);
  auto negative = json;
  negative.replace(negative.find("\"restarts\":5"), 12, "\"restarts\":-1");
  EXPECT_FALSE(decodeReport(negative).ok());
}

TEST(PodJsonTest, PercentOfTheLimitWhenThePodHasOne) {
  const std::string json = encodeReport(reportWithPods());
  // 250 m of a 500 m limit; 64 MiB of a 128 MiB spec limit.
  EXPECT_NE(json.find("\"cpu_percent\":50,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"memory_percent\":50,"), std::string::npos) << json;
}

TEST(PodJsonTest, NamesThePodAndFieldThatIsWrong) {
  const std::string json = encodeReport(reportWithPods());
  std::string bad = json;
  const auto at = bad.find("\"oom_kills\":2");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 13, "\"oom_kills\":-2");
  auto result = decodeReport(bad);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().subject, "pods[0].containers[0].oom_kills");

  std::string missing = json;
  const auto net = missing.find("\"network_rx_packets\":0,");
  ASSERT_NE(net, std::string::npos);
  missing.erase(net, std::string_view("\"network_rx_packets\":0,").size());
  result = decodeReport(missing);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().subject, "pods[0].network_rx_packets");
}

TEST(PodJsonTest, RejectsADuplicatePodUid) {
  Report r = reportWithPods();
  r.pods[1].uid = r.pods[0].uid;
  auto result = decodeReport(encodeReport(r));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().subject, "pods[1].uid");
}

TEST(PodJsonTest, RejectsWrongTypes) {
  const std::string json = encodeReport(reportWithPods());
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"pods\":[", "\"pods\":{\"x\":["},
           {"\"host_network\":true", "\"host_network\":1"},
           {"\"containers\":[{", "\"containers\":[7,{"},
           {"\"uid\":\"3f1c", "\"uid\":3,\"x\":\"3f1c"},
       }) {
    std::string bad = json;
    const auto at = bad.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    bad.replace(at, from.size(), to);
    EXPECT_FALSE(decodeReport(bad).ok()) << to;
  }
}

TEST(PodJsonTest, ReportsWithoutPodsStillDecode) {
  Report r = reportWithPods();
  r.pods.clear();
  auto decoded = decodeReport(encodeReport(r));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_TRUE(decoded->pods.empty());
}

}  // namespace
}  // namespace kubemonitor::model
