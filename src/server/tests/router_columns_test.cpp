// fields= on pod series that the embedded engine reads from its blocks: only the columns the
// fields read are decoded (tsdb::podColumnsFor), and every field's points must still be the same
// bits as those of the whole series — percentages and limits, which read several columns, too.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>

#include "common/testing/child_process.h"
#include "common/testing/fake_clock.h"
#include "server/object_json.h"
#include "server/router.h"
#include "tsdb/embedded_storage.h"

namespace kubemonitor::server {
namespace {

using tsdb::ObjectKind;

constexpr int64_t kIntervalMs = 5000;
constexpr int kTicks = 40;

class RouterColumnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tsdb::EmbeddedOptions engine;
    engine.data_dir = dir_.path() + "/data";
    auto opened = tsdb::EmbeddedStorage::open(clock_, engine);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    storage_ = std::move(*opened);
    router_.emplace(*storage_, clock_, ServerOptions{});
  }

  // Every stored pod field set and changing from report to report; "limited" has requests and
  // limits, "free" none (its percentages of them are absent), both have OOM kills that rise.
  static model::PodUsage pod(const std::string& name, bool limited, int tick, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> real(0.5, 900.0);
    std::uniform_int_distribution<uint64_t> bytes(1, 1ULL << 32);
    model::PodUsage p;
    p.uid = "uid-" + name;
    p.name = name;
    p.namespace_name = "shop";
    p.deployment = "web";
    p.usage.cpu_millicores = real(rng);
    p.usage.memory_working_set_bytes = bytes(rng);
    p.usage.memory_rss_bytes = bytes(rng);
    p.usage.memory_cache_bytes = bytes(rng);
    p.usage.memory_limit_bytes = 8ULL << 30;  // the cgroup's: the limit of "free"
    p.usage.disk_read_bytes = bytes(rng);
    p.usage.disk_write_bytes = bytes(rng);
    p.usage.disk_read_bytes_per_sec = real(rng);
    p.usage.disk_write_bytes_per_sec = real(rng);
    p.network.rx_bytes = bytes(rng);
    p.network.tx_bytes = bytes(rng);
    p.network.rx_bytes_per_sec = real(rng);
    p.network.tx_bytes_per_sec = real(rng);
    if (limited) p.spec = {200, 500 + static_cast<uint64_t>(tick), 1ULL << 30, 2ULL << 30};
    p.usage.cpu_throttled_periods_per_sec = real(rng);
    p.usage.cpu_throttled_ratio = real(rng) / 1000;
    p.usage.cpu_throttled_seconds_per_sec = real(rng) / 1000;
    p.usage.oom_kills = static_cast<uint64_t>(tick / 7);
    p.restarts = static_cast<uint64_t>(tick / 9);
    p.usage.cpu_pressure_some_percent = real(rng) / 10;
    p.usage.memory_pressure_some_percent = real(rng) / 10;
    p.usage.memory_pressure_full_percent = real(rng) / 10;
    p.usage.io_pressure_some_percent = real(rng) / 10;
    p.usage.io_pressure_full_percent = real(rng) / 10;
    return p;
  }

  // kTicks reports of one node, then a checkpoint: the older ticks are served from a block.
  void ingestAndCheckpoint() {
    std::mt19937_64 rng(14);
    const int64_t now_ms = toUnixMs(clock_.wallNow()) / kIntervalMs * kIntervalMs;
    first_ms_ = now_ms - (kTicks - 1) * kIntervalMs;
    for (int tick = 0; tick < kTicks; ++tick) {
      model::Report r;
      r.node = "n1";
      r.timestamp_ms = first_ms_ + tick * kIntervalMs;
      r.interval_ms = kIntervalMs;
      r.node_usage.cpu_capacity_millicores = 4000;
      r.node_usage.memory_capacity_bytes = 16ULL << 30;
      r.pods = {pod("free", false, tick, rng), pod("limited", true, tick, rng)};
      ASSERT_TRUE(storage_->ingest(r).ok());
    }
    ASSERT_TRUE(storage_->checkpoint().ok());
    ASSERT_GT(storage_->headFloorMs(), first_ms_ + 10 * kIntervalMs) << "the window must come from the block";
  }

  HttpResponse get(const std::string& target) {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.accept = "application/json";
    return router_->handle(request);
  }

  // Each point's `field` (its JSON text, "" when absent) of the series answered at `target`; of
  // its item named `item` when the answer is a list.
  std::vector<std::string> pointsField(const std::string& target, std::string_view field, std::string_view item = "") {
    const HttpResponse response = get(target);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(response.body).value();
    simdjson::dom::array points;
    if (!item.empty()) {
      for (auto listed : doc["items"].get_array()) {
        if (listed["name"].get_string().value() == item) points = listed["points"].get_array().value();
      }
    } else {
      points = doc["points"].get_array().value();
    }
    std::vector<std::string> out;
    for (auto point : points) {
      auto value = point[field];
      out.push_back(value.error() ? "" : simdjson::to_string(value.value()));
    }
    return out;
  }

  kubemonitor::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<tsdb::EmbeddedStorage> storage_;
  std::optional<Router> router_;
  int64_t first_ms_ = 0;
};

TEST_F(RouterColumnsTest, EveryFieldOfAPodSeriesFromBlocksIsTheWholeSeriesOwn) {
  ingestAndCheckpoint();
  const std::string range = "&start=" + std::to_string(first_ms_ / 1000) + "&end=" +
                            std::to_string((first_ms_ + 20 * kIntervalMs) / 1000) + "&step=5s";
  for (const std::string pod : {"free", "limited"}) {
    const std::string whole = "/api/pods/" + pod + "?namespace=shop" + range;
    for (std::string_view field : objectPointFieldNames(ObjectKind::kPod)) {
      SCOPED_TRACE(pod + " " + std::string(field));
      const std::string name(field);
      const auto expected = pointsField(whole, field);
      ASSERT_EQ(expected.size(), 21U);
      EXPECT_EQ(pointsField(whole + "&fields=" + name, field), expected);
      // With a second field, through the fleet window of the namespace's pods.
      const std::string second = name == "restarts" ? "oom_kills" : "restarts";
      EXPECT_EQ(pointsField("/api/namespaces/shop/pods?fields=" + name + "," + second + range, field, pod), expected);
    }
  }
}

TEST_F(RouterColumnsTest, ColumnsNotAskedForAreNotDecoded) {
  ingestAndCheckpoint();
  const tsdb::ObjectKey key{ObjectKind::kPod, "shop", "limited"};
  tsdb::SeriesQuery query{first_ms_, first_ms_ + 20 * kIntervalMs, kIntervalMs};
  const auto whole = storage_->series(key, query);
  query.pod_columns = tsdb::podColumnsFor(std::vector<std::string>{"memory_working_set_bytes"});
  const auto some = storage_->series(key, query);
  ASSERT_EQ(some.size(), whole.size());
  for (size_t i = 0; i < some.size(); ++i) {
    EXPECT_EQ(some[i].values.memory_working_set_bytes, whole[i].values.memory_working_set_bytes);
    EXPECT_GT(whole[i].values.memory_rss_bytes, 0U);
    EXPECT_EQ(some[i].values.memory_rss_bytes, 0U) << "a column not asked for stays undecoded";
  }
  EXPECT_EQ(tsdb::podColumnsFor(std::vector<std::string>{"cpu_percent"}), tsdb::kAllPodColumns);
  EXPECT_EQ(tsdb::podColumnsFor(std::vector<std::string>{}), tsdb::kAllPodColumns);
}

}  // namespace
}  // namespace kubemonitor::server
