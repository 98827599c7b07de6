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
  std::vector<ObjectSample> latest(ObjectKind kind, const LatestFilter& filter) const override;
  std::optional<ObjectSample> latestObject(const ObjectKey& key, int64_t stale_after_ms) const override;
  std::vector<ObjectSample> series(const ObjectKey& key, const SeriesQuery& query) const override;
  std::vector<NamespaceCandidate> findNamespaces(ObjectKind kind, std::string_view name,
                                                 int64_t stale_after_ms) const override;
  std::vector<ContainerSample> latestContainers(const ObjectKey& pod) const override;
  StorageStats stats() const override;

 private:
  struct StoredSample {
    int64_t interval_ms = 0;
    model::NodeUsage usage;
    uint64_t pod_count = 0;
    // Every pod, namespace and deployment series this report wrote a point (or a contribution)
    // into at its timestamp: a replay of (node, timestamp) takes exactly these back first.
    std::vector<ObjectKey> object_keys;
  };
  using Series = std::map<int64_t, StoredSample>;  // key: timestamp_ms; out-of-order inserts are fine

  struct ObjectPoint {
    int64_t interval_ms = 0;
    std::string node;        // pods only
    std::string deployment;  // pods only
    std::string uid;         // pods only
    ObjectValues values;     // pods: their own; namespaces, deployments: the sum of `contributions`
    // Namespaces and deployments: what each node's report at this timestamp added (its pods'
    // sum). Kept apart so a replayed report replaces its own share instead of adding it twice.
    std::map<std::string, ObjectValues, std::less<>> contributions;
  };
  struct ObjectSeries {
    std::map<int64_t, ObjectPoint> points;  // key: timestamp_ms
    int64_t containers_ms = -1;             // pods: timestamp of `containers`
    std::vector<ContainerSample> containers;
  };
  using NodeTimes = std::map<std::string, int64_t, std::less<>>;  // node → its newest report, ms

  // Nodes whose newest report is within the staleness window. Caller holds the lock.
  NodeTimes liveNodesLocked(int64_t now_ms, int64_t stale_after_ms) const;
  // The live sum of an aggregate series (namespace, deployment); nullopt when no live node adds to it.
  std::optional<ObjectSample> liveAggregateLocked(const ObjectKey& key, const ObjectSeries& series,
                                                  const NodeTimes& live) const;
  bool podLiveLocked(const ObjectSeries& series, const NodeTimes& live) const;
  static ObjectSample toObjectSample(const ObjectKey& key, int64_t timestamp_ms, const ObjectPoint& point);
  // Takes back what `node`'s report at `timestamp_ms` wrote into `key`. Caller holds the lock exclusively.
  void removeContributionLocked(const ObjectKey& key, int64_t timestamp_ms, const std::string& node);
  static void dropExpired(ObjectSeries& series, int64_t cutoff_ms);

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
  // Sorted by (kind, namespace, name): a kind or a namespace is one contiguous range.
  std::map<ObjectKey, ObjectSeries> objects_;  // guarded by mutex_
  size_t sample_count_ = 0;                          // guarded by mutex_
  int64_t next_sweep_ms_ = 0;                         // guarded by mutex_
};

}  // namespace kubemonitor::tsdb
