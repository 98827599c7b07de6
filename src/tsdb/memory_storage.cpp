#include "tsdb/memory_storage.h"

#include <algorithm>
#include <mutex>

#include "tsdb/bucket_aggregator.h"

namespace kubemonitor::tsdb {
namespace {

// Floor division, so that buckets before 1970 align too (C++ '/' truncates toward zero).
int64_t bucketStart(int64_t timestamp_ms, int64_t step_ms) {
  int64_t q = timestamp_ms / step_ms;
  if (timestamp_ms % step_ms != 0 && timestamp_ms < 0) --q;
  return q * step_ms;
}

}  // namespace

MemoryStorage::MemoryStorage(const Clock& clock, std::chrono::seconds retention)
    : clock_(clock),
      retention_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(retention).count()),
      // A hundredth of the retention, between 1 s and 1 min: cheap, and stale nodes go soon enough.
      sweep_period_ms_(std::clamp<int64_t>(retention_ms_ / 100, 1000, 60'000)) {}

int64_t MemoryStorage::cutoffMs() const { return toUnixMs(clock_.wallNow()) - retention_ms_; }

Result<IngestOutcome> MemoryStorage::ingest(const model::Report& report) {
  if (report.node.empty()) return makeError(ErrorCode::kInvalidArgument, "report without a node name");
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const int64_t cutoff_ms = now_ms - retention_ms_;
  IngestOutcome outcome;
  std::unique_lock lock(mutex_);
  if (now_ms >= next_sweep_ms_) {
    sweepLocked(cutoff_ms);
    next_sweep_ms_ = now_ms + sweep_period_ms_;
  }
  // A replay from a long outage may be older than what we keep: acknowledged, not stored.
  if (report.timestamp_ms < cutoff_ms) return outcome;

  auto node_it = nodes_.find(report.node);
  if (node_it == nodes_.end()) node_it = nodes_.emplace(report.node, Series{}).first;
  Series& series = node_it->second;
  // This node's own expired samples: amortised O(1) per ingest, as each sample expires once.
  while (!series.empty() && series.begin()->first < cutoff_ms) {
    series.erase(series.begin());
    --sample_count_;
  }
  auto [it, inserted] = series.insert_or_assign(report.timestamp_ms, StoredSample{report.interval_ms, report.node_usage});
  (void)it;
  if (inserted) ++sample_count_;
  outcome.accepted = 1;
  outcome.replaced = !inserted;
  return outcome;
}

void MemoryStorage::sweepLocked(int64_t cutoff_ms) {
  for (auto node_it = nodes_.begin(); node_it != nodes_.end();) {
    Series& series = node_it->second;
    const auto keep_from = series.lower_bound(cutoff_ms);
    sample_count_ -= static_cast<size_t>(std::distance(series.begin(), keep_from));
    series.erase(series.begin(), keep_from);
    node_it = series.empty() ? nodes_.erase(node_it) : std::next(node_it);
  }
}

NodeSample MemoryStorage::toSample(const std::string& node, const Series::value_type& entry) {
  return NodeSample{node, entry.first, entry.second.interval_ms, entry.second.usage};
}

std::vector<NodeSample> MemoryStorage::latestNodes() const {
  // Expired samples may still be held until the next ingest sweeps them; readers skip them.
  const int64_t cutoff_ms = cutoffMs();
  std::shared_lock lock(mutex_);
  std::vector<NodeSample> out;
  out.reserve(nodes_.size());
  for (const auto& [name, series] : nodes_) {  // std::map: already sorted by name
    if (series.empty() || series.rbegin()->first < cutoff_ms) continue;
    out.push_back(toSample(name, *series.rbegin()));
  }
  return out;
}

std::optional<NodeSample> MemoryStorage::latestNode(std::string_view node) const {
  const int64_t cutoff_ms = cutoffMs();
  std::shared_lock lock(mutex_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.empty() || it->second.rbegin()->first < cutoff_ms) return std::nullopt;
  return toSample(it->first, *it->second.rbegin());
}

std::vector<NodeSample> MemoryStorage::nodeSeries(std::string_view node, const SeriesQuery& query) const {
  std::vector<NodeSample> out;
  if (query.step_ms <= 0 || query.end_ms < query.start_ms) return out;
  const int64_t start_ms = std::max(query.start_ms, cutoffMs());
  std::shared_lock lock(mutex_);
  auto node_it = nodes_.find(node);
  if (node_it == nodes_.end()) return out;
  const Series& series = node_it->second;

  BucketAggregator bucket;
  int64_t bucket_ms = 0;
  auto flush = [&] {
    if (bucket.empty()) return;
    out.push_back(NodeSample{node_it->first, bucket_ms, bucket.intervalMs(), bucket.result()});
    bucket.reset();
  };
  for (auto it = series.lower_bound(start_ms); it != series.end() && it->first <= query.end_ms; ++it) {
    const int64_t this_bucket_ms = bucketStart(it->first, query.step_ms);
    if (!bucket.empty() && this_bucket_ms != bucket_ms) flush();
    bucket_ms = this_bucket_ms;
    bucket.add(it->second.usage, it->second.interval_ms);
  }
  flush();
  return out;
}

StorageStats MemoryStorage::stats() const {
  std::shared_lock lock(mutex_);
  return StorageStats{"memory", nodes_.size(), sample_count_};
}

}  // namespace kubemonitor::tsdb
