// The blocks' pre-aggregated namespaces and deployments (aggregate_rows.h) against the pods they
// sum: over random reports cut into blocks at random points (a tick's reports split between two
// blocks), replays landing in later blocks and late reports, every sample the pre-aggregated rows
// answer is the one visitAggregateSamples computes from all the pods' rows, bit for bit, and the
// timestamps they leave to the pod path are exactly the others.

#include "tsdb/aggregate_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <tuple>

#include "tsdb/row_samples.h"

namespace kubemonitor::tsdb {
namespace {

model::PodUsage pod(const std::string& ns, const std::string& name, const std::string& deployment, double cpu) {
  model::PodUsage p;
  p.namespace_name = ns;
  p.name = name;
  p.uid = "uid-" + name;
  p.deployment = deployment;
  p.usage.cpu_millicores = cpu;
  p.usage.memory_working_set_bytes = static_cast<uint64_t>(cpu * 1000);
  p.usage.cpu_throttled_ratio = cpu / 1000;
  p.usage.oom_kills = static_cast<uint64_t>(cpu) % 3;
  p.usage.io_pressure_some_percent = cpu / 7;
  p.spec.cpu_request_millicores = 100;
  p.network.rx_bytes_per_sec = cpu * 3;
  return p;
}

// A block's content as the engine writes it: the newest copy of each (node, timestamp) of its
// reports, sorted by (node, timestamp).
std::vector<model::Report> blockOf(const std::vector<model::Report>& arrivals) {
  std::map<std::pair<std::string, int64_t>, model::Report> newest;
  for (const auto& r : arrivals) newest[{r.node, r.timestamp_ms}] = r;
  std::vector<model::Report> out;
  for (auto& [key, r] : newest) out.push_back(std::move(r));
  return out;
}

// The rows the pod path reads of a block: each report's, in the block's (node, timestamp) order.
BlockRows rowsOf(const std::vector<model::Report>& block, const BlockFilter& filter) {
  BlockRows out;
  for (const auto& r : block) {
    BlockRows one = reportRows(r, filter);
    out.nodes.insert(out.nodes.end(), one.nodes.begin(), one.nodes.end());
    out.pods.insert(out.pods.end(), one.pods.begin(), one.pods.end());
  }
  return out;
}

class PreaggregatedVersusPods : public ::testing::TestWithParam<ObjectKey> {};

TEST_P(PreaggregatedVersusPods, SameSamplesOverRandomBlocksReplaysAndLateReports) {
  const ObjectKey key = GetParam();
  std::mt19937 random(20261203);
  const std::string nodes[] = {"n0", "n1", "n2", "n3"};
  size_t answered_total = 0, samples_total = 0;  // of the rounds without replays or late reports
  for (int round = 0; round < 60; ++round) {
    // Odd rounds: the normal flow (no replay, nothing late, blocks of a few ticks); even ones: replays
    // and late reports as often as an agent outage would make them, and small blocks.
    const bool normal = round % 2 == 1;
    // Reports arrive tick by tick, nodes in a random order; sometimes a node replays an older tick.
    std::vector<model::Report> arrivals;
    for (int tick = 0; tick < 24; ++tick) {
      std::vector<std::string> order(std::begin(nodes), std::end(nodes));
      std::shuffle(order.begin(), order.end(), random);
      for (const std::string& node : order) {
        int64_t ts = tick * 10'000;
        if (!normal && random() % 12 == 0 && tick > 2) ts = static_cast<int64_t>(random() % tick) * 10'000;  // a replay
        model::Report r;
        r.node = node;
        r.timestamp_ms = ts;
        r.interval_ms = random() % 6 == 0 ? 5'000 : 10'000;
        r.node_usage.cpu_capacity_millicores = node == "n3" ? 8000 : 4000;
        r.node_usage.memory_capacity_bytes = 8ULL << 30;
        auto value = [&] { return static_cast<double>(random() % 100000) / 1000.0; };
        if (random() % 5 != 0) r.pods.push_back(pod("shop", "web-" + node, "web", value()));
        if (random() % 2 != 0) r.pods.push_back(pod("shop", "db-" + node, "db", value()));
        if (random() % 3 != 0) r.pods.push_back(pod("other", "x-" + node, "web", value()));
        std::sort(r.pods.begin(), r.pods.end(), [](const auto& a, const auto& b) {
          return std::tie(a.namespace_name, a.name, a.uid) < std::tie(b.namespace_name, b.name, b.uid);
        });
        arrivals.push_back(std::move(r));
      }
    }
    // Cut into blocks at random points; a few reports stay late (outside any block).
    std::vector<std::vector<model::Report>> blocks;
    std::vector<model::Report> late;
    std::vector<model::Report> current;
    for (const auto& r : arrivals) {
      if (!normal && random() % 40 == 0) {
        late.push_back(r);
        continue;
      }
      current.push_back(r);
      if (random() % (normal ? 30 : 9) == 0) {
        blocks.push_back(blockOf(current));
        current.clear();
      }
    }
    if (!current.empty()) blocks.push_back(blockOf(current));

    BlockFilter filter;
    filter.namespace_name = key.kind == ObjectKind::kNamespace ? key.name : key.namespace_name;
    if (key.kind == ObjectKind::kDeployment) filter.deployment = key.name;
    std::vector<BlockRows> pod_sources;
    std::vector<std::vector<AggregateRows>> written;
    std::vector<std::optional<AggregateRows>> rows_of_block;
    std::vector<SourceSpan> spans;
    rows_of_block.reserve(blocks.size());
    for (const auto& block : blocks) {
      pod_sources.push_back(rowsOf(block, filter));
      std::vector<const model::Report*> pointers;
      for (const auto& r : block) pointers.push_back(&r);
      std::optional<AggregateRows>& mine = rows_of_block.emplace_back();
      for (auto& rows : aggregateRowsOf(pointers)) {
        if (rows.key == key) mine = std::move(rows);
      }
      int64_t first = INT64_MAX, last = INT64_MIN;
      for (const auto& r : block) {
        first = std::min(first, r.timestamp_ms);
        last = std::max(last, r.timestamp_ms);
      }
      spans.push_back(SourceSpan{first, last, mine ? &*mine : nullptr});
    }
    for (const auto& r : late) {
      pod_sources.push_back(reportRows(r, filter));
      spans.push_back(SourceSpan{r.timestamp_ms, r.timestamp_ms, nullptr});
    }

    std::vector<ObjectSample> expected;
    visitAggregateSamples(key, pod_sources, [&](const ObjectSample& s) { expected.push_back(s); });
    std::vector<ObjectSample> answered;
    std::vector<std::pair<int64_t, int64_t>> unanswered;
    visitPreaggregatedSamples(key, spans, 0, 1'000'000, [&](const ObjectSample& s) { answered.push_back(s); },
                              unanswered);
    auto inUnanswered = [&](int64_t t) {
      return std::any_of(unanswered.begin(), unanswered.end(), [&](const auto& r) { return r.first <= t && t <= r.second; });
    };
    // Every expected sample is answered exactly, or its timestamp is left to the pod path.
    size_t a = 0;
    for (const ObjectSample& want : expected) {
      const std::string where = "round " + std::to_string(round) + " t=" + std::to_string(want.timestamp_ms);
      if (inUnanswered(want.timestamp_ms)) continue;
      ASSERT_LT(a, answered.size()) << where << ": not answered";
      const ObjectSample& got = answered[a++];
      ASSERT_EQ(got.timestamp_ms, want.timestamp_ms) << where;
      EXPECT_EQ(got.interval_ms, want.interval_ms) << where;
      EXPECT_EQ(std::memcmp(&got.values, &want.values, sizeof(ObjectValues)), 0) << where;
    }
    EXPECT_EQ(a, answered.size()) << "round " << round << ": answered a timestamp without a sample";
    for (const ObjectSample& got : answered) EXPECT_FALSE(inUnanswered(got.timestamp_ms));
    if (normal) {
      answered_total += answered.size();
      samples_total += expected.size();
    }
  }
  // In the normal flow nearly every sample comes from the pre-aggregated rows, the ticks split
  // between two blocks included (not a vacuous pass).
  EXPECT_GT(answered_total * 100, samples_total * 95) << answered_total << " of " << samples_total;
}

INSTANTIATE_TEST_SUITE_P(Aggregates, PreaggregatedVersusPods,
                         ::testing::Values(ObjectKey{ObjectKind::kNamespace, "", "shop"},
                                           ObjectKey{ObjectKind::kDeployment, "shop", "web"},
                                           ObjectKey{ObjectKind::kDeployment, "other", "web"}));

TEST(AggregateIndexName, SortsBeforeEveryNodeAndSeparatesKinds) {
  const std::string ns = aggregateIndexName(ObjectKey{ObjectKind::kNamespace, "", "shop"});
  const std::string deployment = aggregateIndexName(ObjectKey{ObjectKind::kDeployment, "shop", "web"});
  EXPECT_LT(ns, std::string("0-node"));
  EXPECT_NE(ns, deployment);
  EXPECT_EQ(ns.front(), kPreaggregatedMarker.front());
}

}  // namespace
}  // namespace kubemonitor::tsdb
