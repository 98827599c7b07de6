#pragma once
// The report an agent sends once per interval (POST /api/ingest), and the node usage inside it.
// Field names on the wire are the API field names of DESIGN.md §3; units are in the names.

#include <cstdint>
#include <string>
#include <vector>

namespace kubemonitor::model {

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

struct Report {
  int schema = kReportSchemaVersion;
  std::string node;           // Kubernetes node name
  int64_t timestamp_ms = 0;   // Unix ms, snapped to the interval grid
  int64_t interval_ms = 0;    // the agent's collection interval
  NodeUsage node_usage;
};

// Derived percentages; 0 when the capacity is unknown.
double cpuPercent(const NodeUsage& usage);
double memoryPercent(const NodeUsage& usage);

}  // namespace kubemonitor::model
