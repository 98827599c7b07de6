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

}  // namespace

std::string aggregateIndexName(const ObjectKey& key) {
  std::string name(1, '\x01');
  name += key.kind == ObjectKind::kNamespace ? 'n' : 'd';
  return name.append(key.namespace_name).append(1, '/').append(key.name);
}

void AggregateRowsBuilder::beginNode(std::string_view node, std::span<const int64_t> timestamps_ms,
                                     std::span<const int64_t> intervals_ms,
                                     std::span<const model::NodeUsage* const> usage) {
  endNode();
  node_.assign(node);
  for (size_t k = 0; k < timestamps_ms.size(); ++k) reports_.push_back(Report{timestamps_ms[k], intervals_ms[k], *usage[k]});
}

void AggregateRowsBuilder::addPod(int64_t timestamp_ms, const model::PodUsage& labels, const model::PodUsage& values) {
  auto report = std::lower_bound(reports_.begin(), reports_.end(), timestamp_ms,
                                 [](const Report& r, int64_t ts) { return r.timestamp_ms < ts; });
  if (report == reports_.end() || report->timestamp_ms != timestamp_ms) return;
  forEachAggregateOf(labels, [&](const ObjectKey& key) { node_shares_[{timestamp_ms, key}].add(values, report->usage); });
}

void AggregateRowsBuilder::endNode() {
  if (reports_.empty()) return;
  // Shares ordered by (timestamp, key): one pass alongside the node's reports.
  auto share = node_shares_.begin();
  for (size_t k = 0; k < reports_.size(); ++k) {
    const Report& report = reports_[k];
    // Every report at the node's first or last timestamp may lie on a block boundary, pods or not:
    // its (non-)shares tell a reader which nodes' reports of that tick the block holds.
    EdgeReport* edge = nullptr;
    if (k == 0 || k + 1 == reports_.size()) {
      edge = &edges_.emplace_back(EdgeReport{node_, report.timestamp_ms, report.interval_ms, {}});
    }
    for (; share != node_shares_.end() && share->first.first == report.timestamp_ms; ++share) {
      const ObjectValues values = share->second.result(report.usage);
      Sum& sum = sums_[share->first.second][report.timestamp_ms];
      addValues(sum.values, values);
      sum.interval_ms = report.interval_ms;
      if (edge != nullptr) edge->shares.emplace(share->first.second, values);
    }
  }
  node_shares_.clear();
  reports_.clear();
  // Only reports at the earliest or latest timestamp so far can still be on a boundary.
  const auto [lo, hi] = std::minmax_element(edges_.begin(), edges_.end(), [](const EdgeReport& a, const EdgeReport& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  const int64_t first_ms = lo->timestamp_ms;
  const int64_t last_ms = hi->timestamp_ms;
  std::erase_if(edges_, [&](const EdgeReport& e) { return e.timestamp_ms != first_ms && e.timestamp_ms != last_ms; });
}

std::vector<AggregateRows> AggregateRowsBuilder::finish() {
  endNode();
  std::vector<AggregateRows> out;
  if (edges_.empty()) return out;
  int64_t first_ms = INT64_MAX;
  int64_t last_ms = INT64_MIN;
  for (const EdgeReport& edge : edges_) {
    first_ms = std::min(first_ms, edge.timestamp_ms);
    last_ms = std::max(last_ms, edge.timestamp_ms);
  }
  std::vector<int64_t> boundaries{first_ms};
  if (last_ms != first_ms) boundaries.push_back(last_ms);
  out.reserve(sums_.size());
  for (auto& [key, samples] : sums_) {
    AggregateRows& rows = out.emplace_back();
    rows.key = key;
    for (const auto& [ts, sum] : samples) {
      rows.timestamps_ms.push_back(ts);
      rows.values.push_back(sum.values);
      rows.intervals_ms.push_back(sum.interval_ms);
    }
    // Every aggregate of the block lists each boundary report, even one that listed none of its pods.
    for (int64_t ts : boundaries) {
      AggregateBoundary& boundary = rows.boundaries.emplace_back(AggregateBoundary{ts, {}});
      for (const EdgeReport& edge : edges_) {
        if (edge.timestamp_ms != ts) continue;
        AggregateShare& share = boundary.shares.emplace_back(AggregateShare{edge.node, edge.interval_ms, false, {}});
        if (auto it = edge.shares.find(key); it != edge.shares.end()) {
          share.contributes = true;
          share.values = it->second;
        }
      }
    }
  }
  sums_.clear();
  edges_.clear();
  return out;
}

std::vector<AggregateRows> aggregateRowsOf(std::span<const model::Report* const> reports) {
  AggregateRowsBuilder builder;
  std::vector<int64_t> timestamps_ms, intervals_ms;
  std::vector<const model::NodeUsage*> usage;
  for (size_t i = 0; i < reports.size();) {
    size_t j = i;
    timestamps_ms.clear();
    intervals_ms.clear();
    usage.clear();
    for (; j < reports.size() && reports[j]->node == reports[i]->node; ++j) {
      timestamps_ms.push_back(reports[j]->timestamp_ms);
      intervals_ms.push_back(reports[j]->interval_ms);
      usage.push_back(&reports[j]->node_usage);
    }
    builder.beginNode(reports[i]->node, timestamps_ms, intervals_ms, usage);
    for (size_t k = i; k < j; ++k) {
      for (const model::PodUsage& pod : reports[k]->pods) builder.addPod(reports[k]->timestamp_ms, pod, pod);
    }
    i = j;
  }
  return builder.finish();
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
