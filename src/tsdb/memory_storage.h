#pragma once
// An in-memory Storage: per node a time-ordered map of samples, dropped after the retention.
// Stand-in until the embedded engine (DESIGN §4) lands; nothing survives a restart.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "tsdb/storage.h"
#include "tsdb/time_runs.h"

namespace kubemonitor::tsdb {

class MemoryStorage final : public Storage {
 public:
  // `clock` must outlive the storage; samples older than clock.wallNow() − retention are dropped.
  // `replay_window` > 0: a namespace/deployment point older than its series' newest point minus
  // the window keeps only which nodes added to it, not each node's share (the shares are most of
  // the RAM of aggregates: one per node per point). A replay that still reaches such a point is
  // exact too: the point is summed again from its pods, which requires every report's pods in
  // sortPods() order (block.h), as EmbeddedStorage ingests them. 0: shares kept for the retention.
  MemoryStorage(const Clock& clock, std::chrono::seconds retention,
                std::chrono::seconds replay_window = std::chrono::seconds(0));

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

  // Drops node samples and series points older than `floor_ms`, except the newest of each series
  // (the latest views and liveness need it): EmbeddedStorage serves older ranges from its blocks.
  // A dropped node sample stays known by its timestamp (TimeRuns: a run per stretch on the node's
  // interval grid) so that a later replay of it still counts as a replay and stats().samples keeps
  // counting it. Returns the points dropped. Takes the lock a batch of series at a time, so that
  // ingest and queries go on meanwhile; callers must not rely on the data below `floor_ms` (the
  // embedded engine raises its floor first, so readers take those ranges from the blocks).
  size_t trimBefore(int64_t floor_ms);

  // The whole head (node samples and trimmed times, series points, labels, containers, aggregate
  // shares) as bytes for EmbeddedStorage's head snapshot (head_snapshot.h), and back: loadState
  // fills an empty storage, or returns kParse/kTruncated and leaves it empty. Defined in head_snapshot.cpp.
  // saveState takes the lock a batch of series at a time (see there: the state is fuzzy, exact
  // once the WAL from the checkpoint is replayed on top, as open() does).
  void saveState(std::vector<uint8_t>& out) const;
  Status loadState(std::span<const uint8_t> bytes);

 private:
  struct StoredSample {
    int64_t interval_ms = 0;
    model::NodeUsage usage;
    uint64_t pod_count = 0;
    // No list of the series this report wrote: a replay (rare) finds its points by scanning the
    // series for (node, timestamp), which costs less than ~70 B of keys per pod per sample.
  };
  using Series = std::map<int64_t, StoredSample>;  // key: timestamp_ms; out-of-order inserts are fine

  // A pod's labels: the same at nearly every point, so a point holds an index into its series' list.
  struct PodLabels {
    std::string node;
    std::string deployment;
    std::string uid;
    std::string qos_class;
    std::string workload_kind;
    std::string workload_name;
    bool operator==(const PodLabels&) const = default;
  };
  // A report's pod labels as views, compared with a series' labels without copying six strings per
  // pod and report (copied only when a series meets them for the first time).
  struct PodLabelsView {
    std::string_view node, deployment, uid, qos_class, workload_kind, workload_name;
    bool matches(const PodLabels& l) const {
      return uid == l.uid && node == l.node && deployment == l.deployment && qos_class == l.qos_class &&
             workload_kind == l.workload_kind && workload_name == l.workload_name;
    }
    PodLabels copy() const {
      return PodLabels{std::string(node),      std::string(deployment),    std::string(uid),
                       std::string(qos_class), std::string(workload_kind), std::string(workload_name)};
    }
  };

  // What one node's report at a point's timestamp added to a namespace or deployment (its pods' sum).
  struct Contribution {
    std::string node;
    ObjectValues values;
  };
  // Namespaces and deployments: who added what to a point.
  struct AggregateShares {
    // Sorted by node: kept apart so a replayed report replaces its own share instead of adding it
    // twice. Empty once sealed.
    std::vector<Contribution> contributions;
    // Sealed (older than the replay window): the ids (node_names_) of the nodes that added, sorted
    // by name; the point's values stay their in-order sum.
    std::vector<uint32_t> sealed_nodes;
    bool sealed() const { return contributions.empty(); }
  };
  struct ObjectPoint {
    int64_t timestamp_ms = 0;
    int64_t interval_ms = 0;
    ObjectValues values;                      // pods: their own; namespaces, deployments: the sum of the node shares
    uint32_t labels = 0;                      // pods: index into ObjectSeries::labels
    std::unique_ptr<AggregateShares> shares;  // namespaces and deployments only
  };
  struct ObjectSeries {
    // Sorted by timestamp_ms: a flat vector (appends at the end) instead of a map node per point.
    // Expired points at the front are dropped in batches (see dropExpired); readers skip them.
    std::vector<ObjectPoint> points;
    std::vector<PodLabels> labels;  // pods and containers: the distinct label sets of `points`
    int64_t containers_ms = -1;     // pods: timestamp of `containers`
    std::vector<ContainerSample> containers;
    // Pods: their containers' series by container name, so that ingest finds them without the
    // index (three of its four lookups per pod at three containers, each a few cache misses into a
    // table of every series). Valid while `container_series_epoch` equals series_erasures_: any
    // erased series may have been one of them.
    std::vector<std::pair<std::string, ObjectSeries*>> container_series;
    uint64_t container_series_epoch = 0;
  };
  // The label index of `labels` in `series`, added when new. Caller holds the lock exclusively.
  static uint32_t labelIndexLocked(ObjectSeries& series, const PodLabelsView& labels);
  // An ObjectKey's fields as views, to look a series up without building the key's strings.
  struct KeyView {
    ObjectKind kind;
    std::string_view namespace_name;
    std::string_view name;
  };
  struct KeyLess {
    using is_transparent = void;
    static KeyView view(const ObjectKey& key) { return KeyView{key.kind, key.namespace_name, key.name}; }
    static KeyView view(const KeyView& key) { return key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      const KeyView x = view(a);
      const KeyView y = view(b);
      return std::tie(x.kind, x.namespace_name, x.name) < std::tie(y.kind, y.namespace_name, y.name);
    }
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const KeyView& key) const {
      const size_t h = std::hash<std::string_view>{}(key.namespace_name) * 31 + std::hash<std::string_view>{}(key.name);
      return h * 4 + static_cast<size_t>(key.kind);
    }
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(const KeyView& a, const KeyView& b) const {
      return a.kind == b.kind && a.name == b.name && a.namespace_name == b.namespace_name;
    }
  };
  using ObjectMap = std::map<ObjectKey, ObjectSeries, KeyLess>;
  using NodeTimes = std::map<std::string, int64_t, std::less<>>;  // node → its newest report, ms

  // Nodes whose newest report is within the staleness window. Caller holds the lock.
  NodeTimes liveNodesLocked(int64_t now_ms, int64_t stale_after_ms) const;
  // The live sum of an aggregate series (namespace, deployment); nullopt when no live node adds to it.
  std::optional<ObjectSample> liveAggregateLocked(const ObjectKey& key, const ObjectSeries& series,
                                                  const NodeTimes& live) const;
  bool podLiveLocked(const ObjectSeries& series, const NodeTimes& live) const;
  static ObjectSample toObjectSample(const ObjectKey& key, const ObjectSeries& series, const ObjectPoint& point);
  // The series of `key`, created when missing. Caller holds the lock exclusively.
  ObjectSeries& seriesLocked(const KeyView& key);
  // The series of a container of the pod whose series is `pod_series` and key `pod_key`, created
  // when missing; `scratch` holds the series name when it must be looked up. Caller holds the lock
  // exclusively.
  ObjectSeries& containerSeriesLocked(ObjectSeries& pod_series, const KeyView& pod_key, std::string_view container,
                                      std::string& scratch);
  // Erases a series from objects_ and index_. Caller holds the lock exclusively.
  ObjectMap::iterator eraseSeriesLocked(ObjectMap::iterator it);
  // One series as saveState writes it. Caller holds mutex_ (shared).
  void putObjectSeries(std::vector<uint8_t>& out, const ObjectKey& key, const ObjectSeries& series) const;
  // trimBefore and saveState hold the lock for this many series at a time (~5 ms of work).
  static constexpr size_t kSeriesPerLockHold = 512;
  // Calls visit(key, series) for every series of `objects` in key order, `lock` (held on entry and
  // on return) released after each kSeriesPerLockHold series; a series added or dropped meanwhile
  // may or may not be visited. `objects` is objects_, const or not.
  template <class Objects, class Lock, class Visit>
  static void visitInBatches(Objects& objects, Lock& lock, Visit&& visit) {
    auto it = objects.begin();
    while (it != objects.end()) {
      for (size_t batch = 0; it != objects.end() && batch < kSeriesPerLockHold; ++it, ++batch) visit(it->first, it->second);
      if (it == objects.end()) break;
      const ObjectKey resume = it->first;  // iterators do not survive the unlock: find it again
      lock.unlock();
      lock.lock();
      it = objects.lower_bound(resume);
    }
  }
  // Takes back everything `node`'s report at `timestamp_ms` wrote into pod, namespace and
  // deployment series; sealed aggregate points it added to go to `resum`. Caller holds the lock exclusively.
  void removeReportLocked(const std::string& node, int64_t timestamp_ms, std::vector<ObjectKey>& resum);
  // Sums an aggregate's point at `timestamp_ms` again from its pods' points (node order, pods in
  // key order within a node, as the reports added them); sealed. Caller holds the lock exclusively.
  void resumFromPodsLocked(const ObjectKey& key, int64_t timestamp_ms);
  // `node`'s share of aggregate `key` at `timestamp_ms` from the pods' points, capacities from the
  // node's sample; nullopt when none of its pods is there. Caller holds the lock.
  std::optional<ObjectValues> shareFromPodsLocked(const ObjectKey& key, int64_t timestamp_ms,
                                                  std::string_view node) const;
  // Calls visit(labels, values) for every pod point at exactly `timestamp_ms` that aggregate `key`
  // sums (its namespace; for a deployment, that deployment's pods), in key order. Caller holds the lock.
  template <typename Visit>
  void forEachPodPointLocked(const ObjectKey& key, int64_t timestamp_ms, Visit&& visit) const;
  // Seals the aggregate's points older than its newest minus the replay window.
  void sealLocked(ObjectSeries& aggregate);
  uint32_t nodeIdLocked(const std::string& node);
  static void dropExpired(ObjectSeries& series, int64_t cutoff_ms);
  // The first point at or after `timestamp_ms`.
  static std::vector<ObjectPoint>::const_iterator pointAtOrAfter(const std::vector<ObjectPoint>& points,
                                                                 int64_t timestamp_ms);
  static std::vector<ObjectPoint>::iterator pointAtOrAfter(std::vector<ObjectPoint>& points, int64_t timestamp_ms);
  // The point at `timestamp_ms`, inserted (default values) in time order when missing.
  static ObjectPoint& pointAt(std::vector<ObjectPoint>& points, int64_t timestamp_ms);

  int64_t cutoffMs() const;
  // Drops expired samples of every node, and nodes left empty. Caller holds the lock exclusively.
  void sweepLocked(int64_t cutoff_ms);
  static NodeSample toSample(const std::string& node, const Series::value_type& entry);

  const Clock& clock_;
  const int64_t retention_ms_;
  const int64_t replay_window_ms_;  // 0: never seal
  // How often a full sweep runs (at most): the nodes not reporting any more are only dropped by it,
  // while a reporting node's own expired samples go on each of its ingests.
  const int64_t sweep_period_ms_;

  mutable std::shared_mutex mutex_;
  std::map<std::string, Series, std::less<>> nodes_;  // guarded by mutex_
  // Per node, the timestamps of its samples dropped by trimBefore (counted in sample_count_), as
  // runs on its interval grid: a few runs per node whatever the retention.
  std::map<std::string, TimeRuns, std::less<>> trimmed_times_;  // guarded by mutex_
  // Sorted by (kind, namespace, name): a kind or a namespace is one contiguous range.
  ObjectMap objects_;  // guarded by mutex_
  // objects_ by hash, for ingest: a report looks up ~150 series, and pod names share long
  // prefixes that make every comparison of a tree walk a memcmp. Views point into objects_'s
  // keys (map nodes do not move).
  std::unordered_map<KeyView, ObjectMap::iterator, KeyHash, KeyEqual> index_;  // guarded by mutex_
  // Node names by id (sealed points): never shrinks, nodes are few and come back.
  std::vector<std::string> node_names_;                 // guarded by mutex_
  std::unordered_map<std::string, uint32_t> node_ids_;  // guarded by mutex_
  size_t sample_count_ = 0;                             // guarded by mutex_
  uint64_t series_erasures_ = 0;  // series erased, or replaced wholesale, so far; guarded by mutex_
  int64_t next_sweep_ms_ = 0;                           // guarded by mutex_
};

}  // namespace kubemonitor::tsdb
