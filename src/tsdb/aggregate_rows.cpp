#include "tsdb/aggregate_rows.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "tsdb/row_samples.h"

namespace kubemonitor::tsdb {
namespace {

// Timestamps whose aggregates are computed together: bounds the rows copied for them (a 6 h block
// of 10k pods would otherwise copy every pod of a namespace at once).
constexpr size_t kTimestampsPerSlice = 8;

// The aggregates a pod adds to: its namespace and its Deployment.
template <typename Visit>
void forEachAggregateOf(const model::PodUsage& pod, Visit&& visit) {
  if (pod.namespace_name.empty()) return;  // unnamed pods count on their node only
  visit(ObjectKey{ObjectKind::kNamespace, "", pod.namespace_name});
  if (!pod.deployment.empty()) visit(ObjectKey{ObjectKind::kDeployment, pod.namespace_name, pod.deployment});
}

// A pod as the rows of an aggregate need it: identity and values, no containers.
model::PodUsage withoutContainers(const model::PodUsage& pod) {
  model::PodUsage out = podIdentity(pod);
  out.usage = pod.usage;
  out.network = pod.network;
  out.spec = pod.spec;
  out.restarts = pod.restarts;
  return out;
}

// The shares of every node with a report at `timestamp_ms`, for every aggregate.
void addBoundary(std::span<const model::Report* const> reports, int64_t timestamp_ms,
                 std::map<ObjectKey, AggregateRows>& rows) {
  for (auto& [key, aggregate] : rows) aggregate.boundaries.push_back(AggregateBoundary{timestamp_ms, {}});
  for (const model::Report* by_node : reports) {  // by node name
    const model::Report& report = *by_node;
    if (report.timestamp_ms != timestamp_ms) continue;
    std::map<ObjectKey, NodeShare> shares;
    for (const model::PodUsage& pod : report.pods) {
      forEachAggregateOf(pod, [&](const ObjectKey& key) { shares[key].add(pod, report.node_usage); });
    }
    for (auto& [key, aggregate] : rows) {
      AggregateShare share{report.node, report.interval_ms, false, {}};
      if (auto it = shares.find(key); it != shares.end()) {
        share.contributes = true;
        share.values = it->second.result(report.node_usage);
      }
      aggregate.boundaries.back().shares.push_back(std::move(share));
    }
  }
}

}  // namespace

std::string aggregateIndexName(const ObjectKey& key) {
  std::string name(1, '\x01');
  name += key.kind == ObjectKind::kNamespace ? 'n' : 'd';
  return name.append(key.namespace_name).append(1, '/').append(key.name);
}

std::vector<AggregateRows> aggregateRowsOf(std::span<const model::Report* const> reports) {
  std::map<ObjectKey, AggregateRows> rows;
  std::set<int64_t> timestamps;
  for (const model::Report* report_ptr : reports) {
    const model::Report& report = *report_ptr;
    timestamps.insert(report.timestamp_ms);
    for (const model::PodUsage& pod : report.pods) {
      forEachAggregateOf(pod, [&](const ObjectKey& key) { rows.try_emplace(key).first->second.key = key; });
    }
  }
  if (rows.empty()) return {};
  const std::vector<int64_t> ordered(timestamps.begin(), timestamps.end());
  for (size_t begin = 0; begin < ordered.size(); begin += kTimestampsPerSlice) {
    const int64_t lo_ms = ordered[begin];
    const int64_t hi_ms = ordered[std::min(ordered.size(), begin + kTimestampsPerSlice) - 1];
    // Per aggregate, each report of the slice that lists its pods as a source of its own, in the
    // block's (node, timestamp) order: the order visitAggregateSamples sees a block's reports in.
    std::map<ObjectKey, std::vector<BlockRows>> sources;
    for (const model::Report* report_ptr : reports) {
      const model::Report& report = *report_ptr;
      if (report.timestamp_ms < lo_ms || report.timestamp_ms > hi_ms) continue;
      std::map<ObjectKey, BlockRows*> of_report;
      for (const model::PodUsage& pod : report.pods) {
        forEachAggregateOf(pod, [&](const ObjectKey& key) {
          BlockRows*& source = of_report[key];
          if (source == nullptr) {
            source = &sources[key].emplace_back();
            source->nodes.push_back(
                NodeRows{report.node, {report.timestamp_ms}, {report.interval_ms}, {report.node_usage}});
          }
          source->pods.push_back(PodRows{report.node, podIdentity(pod), {report.timestamp_ms}, {withoutContainers(pod)}});
        });
      }
    }
    for (auto& [key, key_sources] : sources) {
      AggregateRows& out = rows[key];
      visitAggregateSamples(key, key_sources, [&](const ObjectSample& sample) {
        out.timestamps_ms.push_back(sample.timestamp_ms);
        out.intervals_ms.push_back(sample.interval_ms);
        out.values.push_back(sample.values);
      });
    }
  }
  addBoundary(reports, ordered.front(), rows);
  if (ordered.back() != ordered.front()) addBoundary(reports, ordered.back(), rows);
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
