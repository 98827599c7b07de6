#pragma once
// An in-memory Storage: per node a time-ordered map of samples, dropped after the retention.
// Stand-in until the embedded engine (DESIGN §4) lands; nothing survives a restart.

#include <chrono>
#include <map>
#include <shared_mutex>
#include <string>

#include "common/clock.h"
#include "tsdb/storage.h"

namespace kubemonitor::tsdb {

class MemoryStorage final : public Storage {
 public:
  // `clock` must outlive the storage; samples older than clock.wallNow() − retention are dropped.
  MemoryStorage(const Clock& clock, std::chrono::seconds retention);

  Result<IngestOutcome> ingest(const model::Report& report) override;
  std::vector<NodeSample> latestNodes() const override;
  std::optional<NodeSample> latestNode(std::string_view node) const override;
  std::vector<NodeSample> nodeSeries(std::string_view node, const SeriesQuery& query) const override;
  StorageStats stats() const override;

 private:
  struct StoredSample {
    int64_t interval_ms = 0;
    model::NodeUsage usage;
  };
  using Series = std::map<int64_t, StoredSample>;  // key: timestamp_ms; out-of-order inserts are fine

  int64_t cutoffMs() const;
  // Drops expired samples of every node, and nodes left empty. Caller holds the lock exclusively.
  void sweepLocked(int64_t cutoff_ms);
  static NodeSample toSample(const std::string& node, const Series::value_type& entry);

  const Clock& clock_;
  const int64_t retention_ms_;
  // How often a full sweep runs (at most): the nodes not reporting any more are only dropped by it,
  // while a reporting node's own expired samples go on each of its ingests.
  const int64_t sweep_period_ms_;

  mutable std::shared_mutex mutex_;
  std::map<std::string, Series, std::less<>> nodes_;  // guarded by mutex_
  size_t sample_count_ = 0;                          // guarded by mutex_
  int64_t next_sweep_ms_ = 0;                         // guarded by mutex_
};

}  // namespace kubemonitor::tsdb
