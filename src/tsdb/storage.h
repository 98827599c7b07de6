#pragma once
// The storage interface the API layer talks to. MemoryStorage implements it today; the embedded
// engine of DESIGN §4 replaces it without the server noticing.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/report.h"
#include "tsdb/object_values.h"

namespace kubemonitor::tsdb {

struct NodeSample {
  std::string node;
  int64_t timestamp_ms = 0;  // Unix ms; for a series point, the start of its step bucket
  int64_t interval_ms = 0;   // the reporting agent's collection interval; 0 when unknown
  model::NodeUsage usage;
  uint64_t pod_count = 0;    // pods in the report (gauge; a series point keeps the bucket's last)
};

// One object at one timestamp: identity, labels and values.
struct ObjectSample {
  ObjectKey key;
  std::string node;        // pods: the node it runs on; nodes: their own name; else empty
  std::string deployment;  // pods: the owning Deployment, or empty
  std::string uid;         // pods: the pod UID
  int64_t timestamp_ms = 0;  // Unix ms; for a series point, the start of its step bucket
  int64_t interval_ms = 0;   // the reporting agent's interval (the newest one for aggregates)
  ObjectValues values;
  // Pods and containers (the pod's): from the Kubernetes API, empty when unknown.
  // (Initialised here so that the many positional initialisers of the fields above stay valid.)
  std::string qos_class{};      // Guaranteed, Burstable, BestEffort
  std::string workload_kind{};  // Deployment, StatefulSet, DaemonSet, Job, …
  std::string workload_name{};
};

// A node's sample as the object `key` (kind kNode): what series() of a node answers.
inline ObjectSample nodeObjectSample(const ObjectKey& key, const NodeSample& sample) {
  return ObjectSample{key, sample.node, {}, {}, sample.timestamp_ms, sample.interval_ms,
                      nodeValues(sample.usage, sample.pod_count)};
}

// Which objects latest() answers with; empty strings match everything.
struct LatestFilter {
  std::string namespace_name;
  std::string node;
  std::string deployment;
  // A node whose newest report is older than this is silent: its pods, and its contributions to
  // namespaces and deployments, leave the latest views. 0: 3 × the node's interval (60 s when the
  // interval is unknown).
  int64_t stale_after_ms = 0;
};

// A container of a pod's newest report, as metrics.k8s.io PodMetrics and the container routes list them.
struct ContainerSample {
  std::string name;
  ObjectValues values;  // containerValues(): CPU, memory, throttling, OOM kills, restarts, PSI, spec
};

// A namespace in which a name exists (findNamespaces).
struct NamespaceCandidate {
  std::string namespace_name;
  bool live = false;  // in the latest views now (see LatestFilter::stale_after_ms)
};

// Inclusive range [start_ms, end_ms] in Unix ms, cut into buckets of step_ms (> 0).
struct SeriesQuery {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t step_ms = 0;
  // Pods: the stored columns the caller reads (podColumnsFor); an engine may answer the values of
  // other columns as 0. Other kinds read every value.
  uint64_t pod_columns = kAllPodColumns;
};

// One object's series question, for Storage::seriesOf.
struct ObjectSeriesQuery {
  ObjectKey key;
  SeriesQuery query;
};

struct IngestOutcome {
  size_t accepted = 0;    // samples stored (0 when the report is already older than the retention)
  bool replaced = false;  // (node, timestamp) was already stored: a replay, which replaced it
};

struct StorageStats {
  std::string engine;  // "memory", later "embedded" or "clickhouse"
  size_t nodes = 0;    // nodes with at least one sample
  size_t samples = 0;  // node samples held
  size_t objects = 0;  // pod, container, namespace and deployment series held
};

// Thread-safe: any number of concurrent readers and writers.
class Storage {
 public:
  virtual ~Storage() = default;
  // Idempotent on (node, timestamp): a replayed report replaces the stored one, never duplicates.
  virtual Result<IngestOutcome> ingest(const model::Report& report) = 0;
  // The same, answered through `done` (exactly once, on any thread) instead of by blocking the
  // caller until the report is durable: what the server's network threads call. `done` must be
  // short. By default it is ingest() on the caller's thread (stores with nothing to wait for).
  using IngestCallback = std::function<void(Result<IngestOutcome>)>;
  virtual void ingestAsync(model::Report report, IngestCallback done) { done(ingest(report)); }
  // The newest sample of each node, sorted by node name.
  virtual std::vector<NodeSample> latestNodes() const = 0;
  virtual std::optional<NodeSample> latestNode(std::string_view node) const = 0;
  // One point per step bucket [t, t+step) aligned to multiples of step_ms, for the buckets that
  // hold samples within [start_ms, end_ms]; gauges are averaged over the bucket, counters and
  // capacities take the bucket's last value (see bucket_aggregator.h). Timestamp = bucket start.
  virtual std::vector<NodeSample> nodeSeries(std::string_view node, const SeriesQuery& query) const = 0;

  // Latest values of every live object of `kind` that passes `filter`, sorted by (namespace,
  // name). Pods are live while their node reports and they are in its newest report; a namespace
  // or deployment is the sum, over the live nodes, of its pods in each node's newest report.
  virtual std::vector<ObjectSample> latest(ObjectKind kind, const LatestFilter& filter) const = 0;
  // The last known values of one object, live or not (a silent pod answers with its last report),
  // with the staleness rule of `stale_after_ms` for aggregates; nullopt when never seen (or expired).
  virtual std::optional<ObjectSample> latestObject(const ObjectKey& key, int64_t stale_after_ms) const = 0;
  // Bucketed like nodeSeries. Namespaces and deployments: each stored point is the exact sum of
  // their pods at that timestamp over all nodes; the buckets then fold those sums.
  virtual std::vector<ObjectSample> series(const ObjectKey& key, const SeriesQuery& query) const = 0;
  // The namespaces in which a pod or deployment called `name` has data, sorted; for the 409 of
  // DESIGN §3. `kind` is kPod or kDeployment.
  virtual std::vector<NamespaceCandidate> findNamespaces(ObjectKind kind, std::string_view name,
                                                         int64_t stale_after_ms) const = 0;
  // The containers of the pod's newest report, in report order. Their history is series() of
  // ObjectKey{kContainer, namespace, containerSeriesName(pod, container)}.
  virtual std::vector<ContainerSample> latestContainers(const ObjectKey& pod) const = 0;

  // Many questions at once (a list route's items), answered as series() / latestContainers() each
  // would, in order: an engine whose every read is a round trip answers them in a few.
  virtual std::vector<std::vector<ObjectSample>> seriesOf(std::span<const ObjectSeriesQuery> queries) const {
    std::vector<std::vector<ObjectSample>> out;
    out.reserve(queries.size());
    for (const ObjectSeriesQuery& q : queries) out.push_back(series(q.key, q.query));
    return out;
  }
  virtual std::vector<std::vector<ContainerSample>> latestContainersOf(std::span<const ObjectKey> pods) const {
    std::vector<std::vector<ContainerSample>> out;
    out.reserve(pods.size());
    for (const ObjectKey& pod : pods) out.push_back(latestContainers(pod));
    return out;
  }

  virtual StorageStats stats() const = 0;

  // Reads above answer values, not errors: an engine whose reads can fail (a ClickHouse that is
  // down) answers empty and records why for the calling thread. This returns and clears that
  // record; the router turns it into a 503 instead of an empty 200. Local engines never fail a read.
  virtual std::optional<Error> takeReadFailure() const { return std::nullopt; }
};

}  // namespace kubemonitor::tsdb
