#pragma once
// The objects the API serves besides full node detail — nodes, pods, namespaces, deployments — as
// one shape: an identity (kind, namespace, name), labels (node, deployment) and a fixed set of
// numeric fields. A column store (embedded engine, ClickHouse) keeps them as one series per
// identity with one column per field; how each field folds into a step bucket is in the table of
// object_values.cpp, next to whether it is a gauge, a counter or a capacity.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "model/report.h"
#include "tsdb/bucket_aggregator.h"

namespace kubemonitor::tsdb {

// kContainer (issue 14): a container of a pod, keyed (namespace, containerSeriesName(pod, container)).
enum class ObjectKind { kNode, kPod, kNamespace, kDeployment, kContainer };

// Pods and containers carry pod labels (node, deployment, uid, …); the other kinds are sums or nodes.
constexpr bool hasPodLabels(ObjectKind kind) { return kind == ObjectKind::kPod || kind == ObjectKind::kContainer; }

// "node", "pod", "namespace", "deployment": the API's "kind" values.
std::string_view objectKindName(ObjectKind kind);

struct ObjectKey {
  ObjectKind kind = ObjectKind::kPod;
  std::string namespace_name;  // empty for nodes and namespaces
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
};

// Numbers of one object at one timestamp. For namespaces and deployments every field is the sum
// over their pods (capacities: over the distinct nodes those pods ran on).
struct ObjectValues {
  double cpu_millicores = 0;              // gauge
  uint64_t memory_working_set_bytes = 0;  // gauge
  uint64_t memory_rss_bytes = 0;          // gauge
  uint64_t memory_cache_bytes = 0;        // gauge
  uint64_t network_rx_bytes = 0;          // counter (sum of the pods' counters)
  uint64_t network_tx_bytes = 0;          // counter
  double network_rx_bytes_per_sec = 0;    // gauge
  double network_tx_bytes_per_sec = 0;    // gauge
  uint64_t disk_read_bytes = 0;           // counter
  uint64_t disk_write_bytes = 0;          // counter
  double disk_read_bytes_per_sec = 0;     // gauge
  double disk_write_bytes_per_sec = 0;    // gauge
  uint64_t pod_count = 0;                 // gauge taken as last: pods (1 for a pod itself)
  uint64_t cpu_capacity_millicores = 0;   // capacity: of the node(s) the object ran on
  uint64_t memory_capacity_bytes = 0;     // capacity
  uint64_t cpu_limit_millicores = 0;      // capacity: pod CPU limit (sum for aggregates); 0 = none
  uint64_t memory_limit_bytes = 0;        // capacity: pod memory limit, spec else cgroup; 0 = none
  // Issue 14. Pods: their own; namespaces and deployments: sums (the JSON layer serves only the
  // sums that mean something — requests, limits, OOM kills, restarts).
  uint64_t cpu_request_millicores = 0;       // capacity: spec requests (sum of containers); 0 = none
  uint64_t memory_request_bytes = 0;         // capacity: spec requests; 0 = none
  double cpu_throttled_periods_per_sec = 0;  // gauge: CFS periods throttled per second
  double cpu_throttled_ratio = 0;            // gauge: throttled periods / periods in the interval (0–1)
  double cpu_throttled_seconds_per_sec = 0;  // gauge: seconds throttled per second
  uint64_t oom_kills = 0;                    // counter: OOM kills (pod: max(own cgroup, Σ containers))
  // increase: OOM kills during a series point's bucket, Σ max(0, kills − kills of the sample before)
  // over its samples (the sample before the bucket included when in the range); stored samples hold 0.
  uint64_t oom_kills_in_window = 0;
  uint64_t restarts = 0;                      // counter: container restarts (Kubernetes restartCount)
  double cpu_pressure_some_percent = 0;       // gauge: PSI avg10, percent of time
  double memory_pressure_some_percent = 0;    // gauge
  double memory_pressure_full_percent = 0;    // gauge
  double io_pressure_some_percent = 0;        // gauge
  double io_pressure_full_percent = 0;        // gauge
};

enum class FieldKind {
  kGauge,     // a level over the interval: averaged over a bucket, summed across pods
  kCounter,   // cumulative: a bucket keeps its last value
  kCapacity,  // a bound (capacity, limit, pod count): a bucket keeps its last value
  kIncrease,  // derived while folding: how much a counter (oom_kills) grew over the bucket
};

// ObjectValues as 8-byte words in declaration order (every field is 8 bytes), for the encoders that
// store it whole (head snapshot, the blocks' aggregate entries); whether word `i` holds a double.
inline constexpr size_t kObjectValueWords = sizeof(ObjectValues) / 8;
bool objectValueWordIsDouble(size_t i);
std::array<uint64_t, kObjectValueWords> objectValueWords(const ObjectValues& values);
ObjectValues objectValuesOfWords(const std::array<uint64_t, kObjectValueWords>& words);

// How `field_name` (as on the wire) is kept; nullopt for names that are not ObjectValues fields.
std::optional<FieldKind> objectFieldKind(std::string_view field_name);

// Adds every field of `from` into `into` (counters and capacities included).
void addValues(ObjectValues& into, const ObjectValues& from);

// The values of one pod of a report; capacities are its node's.
ObjectValues podValues(const model::PodUsage& pod, const model::NodeUsage& node);
// The values of one container of a pod (no network: a pod's containers share its namespace);
// capacities are its node's, memory limit its spec's, else its cgroup's.
ObjectValues containerValues(const model::ContainerUsage& container, const model::NodeUsage& node);
// The name of a container's series: "<pod>/<container>" ('/' is in neither name, so it is unambiguous).
std::string containerSeriesName(std::string_view pod, std::string_view container);

// Which stored pod columns a pod series must read to answer `values` (names as the API and
// ObjectValues spell them, e.g. "cpu_millicores"): bit i is the engine's i-th pod column. A value
// copied from one column (podValues) needs that column; oom_kills_in_window needs oom_kills; a value
// computed from several (percentages, limits) or an unknown name needs every column, as does an
// empty list. Lets a fleet window with fields= skip decoding the other columns.
inline constexpr uint64_t kAllPodColumns = ~uint64_t{0};
uint64_t podColumnsFor(std::span<const std::string> values);
// The same name written into `out`, whose buffer is reused (ingest names every container of a report).
void assignContainerSeriesName(std::string& out, std::string_view pod, std::string_view container);
// The values of a node: its usage, `pod_count` pods.
ObjectValues nodeValues(const model::NodeUsage& node, uint64_t pod_count);

// Percent of the CPU limit for pods that have one, else of the capacity; 0 without either.
double objectCpuPercent(ObjectKind kind, const ObjectValues& values);
// Percent of the memory limit for pods that have one (capped at the node's memory, as
// model::podMemoryPercent), else of the capacity; 0 without either.
double objectMemoryPercent(ObjectKind kind, const ObjectValues& values);

// Folds the samples of one step bucket: gauges averaged, counters and capacities last; it also
// keeps each field's min and max, so it is the rollup bucket (min, max, avg, last) of the engine.
// Not thread-safe; samples oldest first.
class ObjectBucketAggregator {
 public:
  ObjectBucketAggregator();
  void add(const ObjectValues& values);
  // Folds a later bucket into this one, as if its samples had been added one by one (gauge sums
  // add, so averages stay exact sums / counts however buckets were cut).
  void merge(const ObjectBucketAggregator& later);
  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  ObjectValues result() const;  // requires !empty(): gauges averaged, the rest last
  const ObjectValues& first() const { return first_; }
  const ObjectValues& last() const { return last_; }
  const ObjectValues& min() const { return min_; }
  const ObjectValues& max() const { return max_; }
  void reset();

 private:
  void foldMinMax(const ObjectValues& low, const ObjectValues& high);  // before count_ changes
  // Grows oom_kills_in_window by how much oom_kills rose from `before` to `after` (a fall — a pod
  // leaving an aggregate, a container cgroup re-made — is not a kill).
  void addIncrease(const ObjectValues& before, const ObjectValues& after);

  std::vector<double> sums_;  // one per gauge, in table order
  ObjectValues last_;
  ObjectValues min_;
  ObjectValues max_;
  ObjectValues first_;     // the bucket's first sample (merge adds the rise from this bucket's last to it)
  uint64_t increase_ = 0;  // oom_kills_in_window of the samples so far
  size_t count_ = 0;
};


}  // namespace kubemonitor::tsdb
