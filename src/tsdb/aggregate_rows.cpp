#include "tsdb/aggregate_rows.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <tuple>

#include "tsdb/row_samples.h"

namespace kubemonitor::tsdb {
namespace {

// The aggregates a pod adds to: its namespace and its Deployment.
template <typename Visit>
void forEachAggregateOf(const model::PodUsage& pod, Visit&& visit) {
  if (pod.namespace_name.empty()) return;  // unnamed pods count on their node only
  visit(ObjectKey{ObjectKind::kNamespace, "", pod.namespace_name});
  if (!pod.deployment.empty()) visit(ObjectKey{ObjectKind::kDeployment, pod.namespace_name, pod.deployment});
}

// One node's report at one timestamp: its share of each aggregate it lists pods of.
std::map<ObjectKey, NodeShare> sharesOf(const model::Report& report) {
  std::map<ObjectKey, NodeShare> shares;
  for (const model::PodUsage& pod : report.pods) {  // in the report's pod order, as the pod path adds them
    forEachAggregateOf(pod, [&](const ObjectKey& key) { shares[key].add(pod, report.node_usage); });
  }
  return shares;
}

}  // namespace

std::string aggregateIndexName(const ObjectKey& key) {
  std::string name(1, '\x01');
  name += key.kind == ObjectKind::kNamespace ? 'n' : 'd';
  return name.append(key.namespace_name).append(1, '/').append(key.name);
}

std::vector<AggregateRows> aggregateRowsOf(std::span<const model::Report* const> reports) {
  // The reports of each timestamp, by node name (the block's order is (node, timestamp)).
  std::map<int64_t, std::vector<const model::Report*>> by_timestamp;
  for (const model::Report* report : reports) by_timestamp[report->timestamp_ms].push_back(report);
  if (by_timestamp.empty()) return {};
  const int64_t first_ms = by_timestamp.begin()->first;
  const int64_t last_ms = by_timestamp.rbegin()->first;
  std::map<ObjectKey, AggregateRows> rows;
  // Every aggregate of the block gets a boundary entry, even where it has no pod at that tick: the
  // shares say which nodes' reports are in this block (a replay elsewhere is then recognised).
  std::vector<std::pair<const model::Report*, std::map<ObjectKey, NodeShare>>> boundary_shares;
  for (const auto& [ts, at] : by_timestamp) {
    // Each (node, timestamp) is in a block once: the sample at `ts` is the in-order sum over node
    // names of each node's share, the interval that of the last contributing node by name — what
    // visitAggregateSamples gives for one source (test PreaggregatedVersusPods checks it bit for bit).
    std::map<ObjectKey, std::pair<ObjectValues, int64_t>> sums;
    for (const model::Report* report : at) {
      std::map<ObjectKey, NodeShare> shares = sharesOf(*report);
      for (auto& [key, share] : shares) {
        auto& [sum, interval_ms] = sums[key];
        addValues(sum, share.result(report->node_usage));
        interval_ms = report->interval_ms;
      }
      if (ts == first_ms || ts == last_ms) boundary_shares.emplace_back(report, std::move(shares));
    }
    for (auto& [key, sum] : sums) {
      AggregateRows& out = rows[key];
      out.key = key;
      out.timestamps_ms.push_back(ts);
      out.values.push_back(sum.first);
      out.intervals_ms.push_back(sum.second);
    }
  }
  std::vector<int64_t> boundaries{first_ms};
  if (last_ms != first_ms) boundaries.push_back(last_ms);
  for (int64_t ts : boundaries) {
    for (auto& [key, aggregate] : rows) aggregate.boundaries.push_back(AggregateBoundary{ts, {}});
    for (const auto& [report, shares] : boundary_shares) {
      if (report->timestamp_ms != ts) continue;
      for (auto& [key, aggregate] : rows) {
        AggregateShare share{report->node, report->interval_ms, false, {}};
        if (auto it = shares.find(key); it != shares.end()) {
          share.contributes = true;
          share.values = it->second.result(report->node_usage);
        }
        aggregate.boundaries.back().shares.push_back(std::move(share));
      }
    }
  }
  std::vector<AggregateRows> out;
  out.reserve(rows.size());
  for (auto& [key, aggregate] : rows) out.push_back(std::move(aggregate));
  return out;
}

void visitPreaggregatedSamples(const ObjectKey& key, std::span<const SourceSpan> sources, int64_t lo_ms,
                               int64_t hi_ms, const std::function<void(const ObjectSample&)>& visit,
                               std::vector<std::pair<int64_t, int64_t>>& unanswered) {
  std::vector<std::pair<int64_t, int64_t>> ranges;  // unanswered, unsorted
  std::vector<ObjectSample> samples;
  std::set<int64_t> shared_done;  // timestamps of several sources already answered or refused
  auto clip = [&](int64_t a, int64_t b) {
    a = std::max(a, lo_ms);
    b = std::min(b, hi_ms);
    if (a <= b) ranges.emplace_back(a, b);
  };
  // A source without pre-aggregated rows (a late report, a block from before issue 14) is read
  // from its pods over its whole span, and so is every timestamp another source shares with it.
  for (const SourceSpan& s : sources) {
    if (s.rows == nullptr) clip(s.first_ms, s.last_ms);
  }
  auto covering = [&](int64_t t) {
    std::vector<size_t> out;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (sources[i].first_ms <= t && t <= sources[i].last_ms) out.push_back(i);
    }
    return out;
  };
  auto boundaryOf = [](const AggregateRows& rows, int64_t t) -> const AggregateBoundary* {
    for (const AggregateBoundary& b : rows.boundaries) {
      if (b.timestamp_ms == t) return &b;
    }
    return nullptr;
  };
  // Folds the boundary shares of `t` from the sources covering it; false when they cannot answer.
  auto foldShared = [&](int64_t t, const std::vector<size_t>& at) {
    // Each node's copy, with the source it came from: a node in two sources is a replay, whose
    // newest copy decides what counts — left to the pod path, which knows every listing.
    std::vector<std::tuple<std::string_view, size_t, const AggregateShare*>> copies;
    for (size_t i : at) {
      if (sources[i].rows == nullptr) return false;
      const AggregateBoundary* b = boundaryOf(*sources[i].rows, t);
      if (b == nullptr) return false;  // in the middle of a source: another's span overlaps it
      for (const AggregateShare& share : b->shares) copies.emplace_back(share.node, i, &share);
    }
    std::sort(copies.begin(), copies.end(), [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    for (size_t i = 1; i < copies.size(); ++i) {
      if (std::get<0>(copies[i]) == std::get<0>(copies[i - 1])) return false;
    }
    ObjectSample sample{key, {}, {}, {}, t, 0, {}};
    std::optional<std::pair<size_t, std::string_view>> last;  // (source, node) of the latest contributing copy
    for (const auto& [node, source, share] : copies) {
      if (!share->contributes) continue;
      addValues(sample.values, share->values);
      // The copy ingested last — the newest source, and in it the node last by name — sets the
      // interval, as visitAggregateSamples' first-arrival rule gives for distinct (node, timestamp).
      if (!last || std::pair{source, node} > *last) {
        last = std::pair{source, node};
        sample.interval_ms = share->interval_ms;
      }
    }
    if (last) samples.push_back(sample);
    return true;
  };
  for (size_t i = 0; i < sources.size(); ++i) {
    if (sources[i].rows == nullptr) continue;
    const AggregateRows& rows = *sources[i].rows;
    for (size_t k = 0; k < rows.timestamps_ms.size(); ++k) {
      const int64_t t = rows.timestamps_ms[k];
      if (t < lo_ms || t > hi_ms) continue;
      const std::vector<size_t> at = covering(t);
      if (at.size() == 1) {
        samples.push_back(ObjectSample{key, {}, {}, {}, t, rows.intervals_ms[k], rows.values[k]});
        continue;
      }
      if (!shared_done.insert(t).second) continue;
      if (!foldShared(t, at)) clip(t, t);
    }
  }
  std::sort(samples.begin(), samples.end(),
            [](const ObjectSample& a, const ObjectSample& b) { return a.timestamp_ms < b.timestamp_ms; });
  // Merged into disjoint increasing ranges; samples inside them are the pod path's to give.
  std::sort(ranges.begin(), ranges.end());
  unanswered.clear();
  for (const auto& r : ranges) {
    if (!unanswered.empty() && r.first <= unanswered.back().second + 1) {
      unanswered.back().second = std::max(unanswered.back().second, r.second);
    } else {
      unanswered.push_back(r);
    }
  }
  size_t range = 0;
  for (const ObjectSample& sample : samples) {
    while (range < unanswered.size() && unanswered[range].second < sample.timestamp_ms) ++range;
    if (range < unanswered.size() && unanswered[range].first <= sample.timestamp_ms) continue;
    visit(sample);
  }
}

}  // namespace kubemonitor::tsdb
