#pragma once
// Raw node counters at one instant. Usage (rates, millicores) comes from two snapshots, so a
// snapshot holds counters only, plus the monotonic time at which it was taken.

#include <cstdint>

#include "common/clock.h"
#include "common/result.h"
#include "hostfs/host_fs.h"
#include "procfs/meminfo.h"
#include "procfs/proc_stat.h"

namespace kubemonitor::agent {

struct NodeSnapshot {
  MonotonicTime taken_at{};            // when /proc/stat was read
  procfs::CpuTimes cpu{};              // counters, USER_HZ ticks
  uint32_t cpu_count = 0;              // online CPUs
  procfs::Meminfo memory{};            // gauges, bytes
  uint64_t disk_read_bytes = 0;        // counter: whole physical disks
  uint64_t disk_write_bytes = 0;       // counter
  uint32_t disk_count = 0;             // how many disks were summed
  uint64_t network_rx_bytes = 0;       // counter: physical interfaces of the host network namespace
  uint64_t network_tx_bytes = 0;       // counter
  uint32_t interface_count = 0;
  uint64_t filesystem_capacity_bytes = 0;  // gauge: root filesystem
  uint64_t filesystem_used_bytes = 0;      // gauge
  double uptime_seconds = 0;               // gauge
};

// Reads /proc/stat, /proc/meminfo, /proc/diskstats, /proc/1/net/dev, /proc/uptime and the root
// filesystem through `fs`. CPU and memory are required; a failure there is an error. Disk,
// network and filesystem figures are optional: a host without them reports zero and the reason
// is logged once by the caller (via `warnings`).
Result<NodeSnapshot> takeNodeSnapshot(const hostfs::HostFs& fs, const Clock& clock, std::vector<Error>* warnings);

}  // namespace kubemonitor::agent
