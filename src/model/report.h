#pragma once
// The report an agent sends once per interval (POST /api/ingest), and the node usage inside it.
// Field names on the wire are the API field names of DESIGN.md §3; units are in the names.

#include <cstdint>
#include <string>
#include <vector>

namespace kubemonitor::model {

// What a report carries for a rate (bytes/s) or for millicores: the value rounded to thousandths
// of its unit (0.001 B/s; 0.001 millicores = one millionth of a CPU). The agent cannot resolve
// more: it reads the clock and the counters microseconds apart, which over a 5 s interval blurs a
// rate by ~1e-6 of its value (1000 millicores → ±0.001). Values of this shape are stored by the
// engine as exact scaled integers instead of 8-byte doubles (docs/decisions.md "Three decimals").
// Values beyond 1e15 (already whole in a double) and NaN/±inf are returned unchanged.
double toReportedPrecision(double value);

// Current report schema. The server rejects reports from a newer schema with a clear 400.
inline constexpr int kReportSchemaVersion = 1;

// Usage of a whole node at one timestamp. Gauges are over the interval that ended at the
// report's timestamp; counters are cumulative since boot.
struct NodeUsage {
  double cpu_millicores = 0;              // gauge: CPU busy time / elapsed wall time × 1000
  uint64_t cpu_capacity_millicores = 0;   // gauge: online CPUs × 1000
  uint32_t cpu_count = 0;                 // gauge: online CPUs
  uint64_t memory_capacity_bytes = 0;     // gauge: MemTotal
  uint64_t memory_working_set_bytes = 0;  // gauge: MemTotal − MemAvailable
  uint64_t memory_used_bytes = 0;         // gauge: MemTotal − MemFree − Buffers − Cached − SReclaimable (as free(1))
  uint64_t memory_rss_bytes = 0;          // gauge: AnonPages (anonymous memory of all processes)
  uint64_t memory_cache_bytes = 0;        // gauge: Cached (page cache, tmpfs/shmem included)
  uint64_t memory_buffers_bytes = 0;      // gauge: Buffers
  uint64_t network_rx_bytes = 0;          // counter: physical interfaces, since boot
  uint64_t network_tx_bytes = 0;          // counter
  double network_rx_bytes_per_sec = 0;    // gauge: rate over the interval
  double network_tx_bytes_per_sec = 0;    // gauge
  uint64_t disk_read_bytes = 0;           // counter: whole physical disks, since boot
  uint64_t disk_write_bytes = 0;          // counter
  double disk_read_bytes_per_sec = 0;     // gauge
  double disk_write_bytes_per_sec = 0;    // gauge
  uint64_t filesystem_capacity_bytes = 0; // gauge: root filesystem size
  uint64_t filesystem_used_bytes = 0;     // gauge: root filesystem size − free blocks
  double uptime_seconds = 0;              // gauge: /proc/uptime
};

// Usage of one cgroup: a container, or a whole pod (the pod's own cgroup, which holds its
// containers). Counters are cumulative since the cgroup was created; a counter that went back
// (container restart) yields a rate of 0 for that interval, never a negative or huge one.
struct CgroupUsage {
  double cpu_millicores = 0;              // gauge: CPU time used / elapsed wall time × 1000
  uint64_t cpu_usage_ns = 0;              // counter: cpuacct.usage / cpu.stat usage_usec × 1000
  uint64_t cpu_periods = 0;               // counter: CFS enforcement periods (nr_periods)
  uint64_t cpu_throttled_periods = 0;     // counter: periods in which the cgroup was throttled
  uint64_t cpu_throttled_ns = 0;          // counter: total time throttled
  // Rates of the three CFS counters above over the interval, computed by the agent from two reads
  // of the same cgroup as cpu_millicores is (0 on a cgroup's first cycle or without a CFS quota).
  double cpu_throttled_periods_per_sec = 0;  // gauge: throttled periods per second
  double cpu_throttled_ratio = 0;            // gauge: throttled periods / periods in the interval (0–1)
  double cpu_throttled_seconds_per_sec = 0;  // gauge: seconds throttled per second
  uint64_t memory_usage_bytes = 0;        // gauge: memory.usage_in_bytes / memory.current
  uint64_t memory_working_set_bytes = 0;  // gauge: usage − inactive_file, floored at 0 (kubelet's)
  uint64_t memory_rss_bytes = 0;          // gauge: anonymous memory (rss / anon)
  uint64_t memory_cache_bytes = 0;        // gauge: page cache (cache / file)
  uint64_t memory_limit_bytes = 0;        // gauge: cgroup memory limit; 0 = unlimited
  uint64_t oom_kills = 0;                 // counter: OOM kills in this cgroup
  uint64_t disk_read_bytes = 0;           // counter: summed over devices
  uint64_t disk_write_bytes = 0;          // counter
  double disk_read_bytes_per_sec = 0;     // gauge: rate over the interval
  double disk_write_bytes_per_sec = 0;    // gauge
  // Pressure stall information, share of the last 10 s in percent (0–100); 0 when the kernel
  // has no PSI for this cgroup (v1).
  double cpu_pressure_some_percent = 0;
  double memory_pressure_some_percent = 0;
  double memory_pressure_full_percent = 0;
  double io_pressure_some_percent = 0;
  double io_pressure_full_percent = 0;
};

// Network of a pod's network namespace, all interfaces except lo. Counters since the namespace
// was created.
struct NetworkUsage {
  uint64_t rx_bytes = 0, tx_bytes = 0;      // counters
  uint64_t rx_packets = 0, tx_packets = 0;  // counters
  uint64_t rx_errors = 0, tx_errors = 0;    // counters
  uint64_t rx_dropped = 0, tx_dropped = 0;  // counters
  double rx_bytes_per_sec = 0;              // gauge: rate over the interval
  double tx_bytes_per_sec = 0;              // gauge
};

// Requests and limits from the pod spec (sum over its containers); 0 = not set.
struct ResourceSpec {
  uint64_t cpu_request_millicores = 0;
  uint64_t cpu_limit_millicores = 0;
  uint64_t memory_request_bytes = 0;
  uint64_t memory_limit_bytes = 0;
};

struct ContainerUsage {
  std::string name;  // from the Kubernetes API; the short container id when the API is unknown
  std::string id;    // runtime container id (64 hex digits for containerd/CRI-O/Docker)
  CgroupUsage usage;
  ResourceSpec spec;  // this container's own requests and limits
  uint64_t restarts = 0;  // counter: status.containerStatuses[].restartCount from the Kubernetes API
};

struct PodUsage {
  std::string uid;            // pod UID (dashes, as the API spells it)
  std::string name;           // from the Kubernetes API; empty when unknown
  std::string namespace_name; // from the Kubernetes API; empty when unknown
  std::string deployment;     // owning Deployment (via ReplicaSet); empty when none
  std::string workload_kind;  // Deployment, StatefulSet, DaemonSet, Job, ReplicaSet, … or empty
  std::string workload_name;
  std::string qos_class;      // Guaranteed, Burstable or BestEffort (from the cgroup path)
  bool host_network = false;  // shares the node's network namespace: network left at 0
  CgroupUsage usage;          // the pod cgroup (all its containers)
  NetworkUsage network;
  ResourceSpec spec;          // sum over the containers
  uint64_t restarts = 0;      // counter: Σ restartCount of the pod's containers (all of them, as the API lists)
  std::vector<ContainerUsage> containers;
};

// Percent of the pod's CPU limit, or of the node's capacity when the pod has none.
double podCpuPercent(const PodUsage& pod, const NodeUsage& node);
// Percent of the pod's memory limit (spec, else cgroup), or of the node's memory.
double podMemoryPercent(const PodUsage& pod, const NodeUsage& node);

// The longest collection interval a report may state (1 h): the decoder refuses longer ones, and
// the engine's stored intervals are checked against it when a head snapshot loads.
inline constexpr int64_t kMaxReportIntervalMs = 3'600'000;

struct Report {
  int schema = kReportSchemaVersion;
  std::string node;           // Kubernetes node name
  int64_t timestamp_ms = 0;   // Unix ms, snapped to the interval grid
  int64_t interval_ms = 0;    // the agent's collection interval
  NodeUsage node_usage;
  std::vector<PodUsage> pods;  // every pod found on the node (may be empty)
};

// Derived percentages; 0 when the capacity is unknown.
double cpuPercent(const NodeUsage& usage);
double memoryPercent(const NodeUsage& usage);

}  // namespace kubemonitor::model
