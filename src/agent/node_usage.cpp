#include "agent/node_usage.h"

#include <algorithm>
#include <chrono>

namespace kubemonitor::agent {

double counterRate(uint64_t previous, uint64_t current, double seconds) {
  if (current < previous || seconds <= 0) return 0;
  return static_cast<double>(current - previous) / seconds;
}

double reportedRate(uint64_t previous, uint64_t current, double seconds) {
  return model::toReportedPrecision(counterRate(previous, current, seconds));
}

model::NodeUsage computeNodeUsage(const NodeSnapshot& previous, const NodeSnapshot& current, double ticks_per_second) {
  const double seconds = std::chrono::duration<double>(current.taken_at - previous.taken_at).count();
  model::NodeUsage usage;

  // Busy ticks per second of wall time = CPUs in use; × 1000 = millicores. Capped at capacity:
  // /proc/stat and the clock are read a few microseconds apart, which can overshoot slightly.
  const double busy_ticks_per_sec = counterRate(previous.cpu.busy(), current.cpu.busy(), seconds);
  usage.cpu_count = current.cpu_count;
  usage.cpu_capacity_millicores = uint64_t{current.cpu_count} * 1000;
  usage.cpu_millicores = model::toReportedPrecision(
      std::min(busy_ticks_per_sec / ticks_per_second * 1000.0, static_cast<double>(usage.cpu_capacity_millicores)));

  const procfs::Meminfo& mem = current.memory;
  usage.memory_capacity_bytes = mem.mem_total_bytes;
  // Kernels before 3.14 have no MemAvailable: free + reclaimable page cache is its estimate.
  const uint64_t available = mem.has_mem_available ? mem.mem_available_bytes
                                                   : mem.mem_free_bytes + mem.cached_bytes + mem.buffers_bytes;
  usage.memory_working_set_bytes = mem.mem_total_bytes - std::min(mem.mem_total_bytes, available);
  const uint64_t unused = mem.mem_free_bytes + mem.buffers_bytes + mem.cached_bytes + mem.s_reclaimable_bytes;
  usage.memory_used_bytes = mem.mem_total_bytes - std::min(mem.mem_total_bytes, unused);
  usage.memory_rss_bytes = mem.anon_pages_bytes;
  usage.memory_cache_bytes = mem.cached_bytes;
  usage.memory_buffers_bytes = mem.buffers_bytes;

  usage.disk_read_bytes = current.disk_read_bytes;
  usage.disk_write_bytes = current.disk_write_bytes;
  usage.disk_read_bytes_per_sec = reportedRate(previous.disk_read_bytes, current.disk_read_bytes, seconds);
  usage.disk_write_bytes_per_sec = reportedRate(previous.disk_write_bytes, current.disk_write_bytes, seconds);

  usage.network_rx_bytes = current.network_rx_bytes;
  usage.network_tx_bytes = current.network_tx_bytes;
  usage.network_rx_bytes_per_sec = reportedRate(previous.network_rx_bytes, current.network_rx_bytes, seconds);
  usage.network_tx_bytes_per_sec = reportedRate(previous.network_tx_bytes, current.network_tx_bytes, seconds);

  usage.filesystem_capacity_bytes = current.filesystem_capacity_bytes;
  usage.filesystem_used_bytes = current.filesystem_used_bytes;
  usage.uptime_seconds = current.uptime_seconds;
  return usage;
}

}  // namespace kubemonitor::agent
