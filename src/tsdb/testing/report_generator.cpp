#include "tsdb/testing/report_generator.h"

#include <cmath>

namespace kubemonitor::tsdb::testing {
namespace {

// SplitMix64: a stateless hash, so any (node, pod, tick) is reproducible on its own.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

double unit(uint64_t x) { return static_cast<double>(mix(x) >> 11) / 9007199254740992.0; }  // [0, 1)

// Rates and millicores as the agent reports them: thousandths of their unit.
double reported(double value) { return model::toReportedPrecision(value); }

}  // namespace

model::Report generateNodeReport(size_t node_index, size_t pods, uint64_t tick, int64_t start_ms, int64_t interval_ms) {
  model::Report r;
  r.node = "node-" + std::to_string(node_index);
  r.timestamp_ms = start_ms + static_cast<int64_t>(tick) * interval_ms;
  r.interval_ms = interval_ms;
  const double seconds = static_cast<double>(interval_ms) / 1000.0;
  const uint64_t seed = mix(node_index * 1'000'003 + tick);
  auto& n = r.node_usage;
  n.cpu_count = 8;
  n.cpu_capacity_millicores = 8000;
  n.memory_capacity_bytes = 32ULL << 30;
  n.cpu_millicores = reported(2000 + 1500 * unit(seed));
  n.memory_working_set_bytes = (18ULL << 30) + (mix(seed + 1) % (1ULL << 28)) / 4096 * 4096;
  n.memory_used_bytes = n.memory_working_set_bytes - (2ULL << 30);
  n.memory_rss_bytes = n.memory_working_set_bytes / 2 / 4096 * 4096;
  n.memory_cache_bytes = (8ULL << 30) + tick * 4096;
  n.memory_buffers_bytes = 300ULL << 20;
  n.network_rx_bytes = (1ULL << 34) + tick * 5'000'000 + mix(seed + 2) % 100'000;
  n.network_tx_bytes = (1ULL << 33) + tick * 3'000'000 + mix(seed + 3) % 100'000;
  n.network_rx_bytes_per_sec = reported(500'000 + static_cast<double>(mix(seed + 2) % 100'000) / seconds);
  n.network_tx_bytes_per_sec = reported(300'000 + static_cast<double>(mix(seed + 3) % 100'000) / seconds);
  n.disk_read_bytes = (1ULL << 32) + tick * 409'600;
  n.disk_write_bytes = (1ULL << 33) + tick * 1'228'800;
  n.disk_read_bytes_per_sec = reported(409'600 / seconds);
  n.disk_write_bytes_per_sec = reported(1'228'800 / seconds);
  n.filesystem_capacity_bytes = 100ULL << 30;
  n.filesystem_used_bytes = (40ULL << 30) + tick * 4096;
  n.uptime_seconds = 86'400 + static_cast<double>(tick) * seconds;
  r.pods.reserve(pods);
  for (size_t i = 0; i < pods; ++i) {
    model::PodUsage p;
    const uint64_t pod_seed = mix(node_index * 7919 + i);
    const size_t ns = i % 5;
    p.namespace_name = "ns-" + std::to_string(ns);
    p.deployment = "deploy-" + std::to_string(ns) + "-" + std::to_string(i % 7);
    p.name = p.deployment + "-" + std::to_string(node_index) + "x" + std::to_string(i);
    p.uid = std::to_string(pod_seed);
    const bool idle = i % 3 == 0;
    const uint64_t s = mix(pod_seed + tick);
    p.usage.cpu_millicores = idle ? 0 : reported(50 + 200 * unit(s));
    p.usage.memory_working_set_bytes = (64ULL << 20) + (idle ? 0 : (mix(s + 1) % (16ULL << 20)) / 4096 * 4096);
    p.usage.memory_rss_bytes = p.usage.memory_working_set_bytes / 2 / 4096 * 4096;
    p.usage.memory_cache_bytes = 8ULL << 20;
    p.usage.memory_limit_bytes = i % 2 == 0 ? (512ULL << 20) : 0;
    p.usage.disk_read_bytes = 1'000'000 + (idle ? 0 : tick * 4096);
    p.usage.disk_write_bytes = 2'000'000 + (idle ? 0 : tick * 8192);
    p.usage.disk_read_bytes_per_sec = reported(idle ? 0 : 4096 / seconds);
    p.usage.disk_write_bytes_per_sec = reported(idle ? 0 : 8192 / seconds);
    p.network.rx_bytes = 10'000'000 + tick * (idle ? 120 : 20'000 + mix(s + 2) % 1000);
    p.network.tx_bytes = 5'000'000 + tick * (idle ? 80 : 10'000 + mix(s + 3) % 1000);
    p.network.rx_bytes_per_sec = reported(idle ? 120 / seconds : 2000 + static_cast<double>(mix(s + 2) % 1000) / seconds);
    p.network.tx_bytes_per_sec = reported(idle ? 80 / seconds : 1000 + static_cast<double>(mix(s + 3) % 1000) / seconds);
    p.spec.cpu_limit_millicores = i % 2 == 0 ? 500 : 0;
    p.spec.memory_limit_bytes = i % 2 == 0 ? (512ULL << 20) : 0;
    // Issue 14's fields with the shapes a real node gives: constant requests, throttling only under
    // a CFS limit (ratio with three decimals, 10 periods/s at the default 100 ms period), rare OOM
    // kills and restarts, pressure as the kernel prints avg10 (two decimals).
    p.qos_class = i % 2 == 0 ? "Burstable" : "BestEffort";
    p.workload_kind = "Deployment";
    p.workload_name = p.deployment;
    p.spec.cpu_request_millicores = i % 2 == 0 ? (i % 3 == 0 ? 100 : 250) : 0;
    p.spec.memory_request_bytes = i % 2 == 0 ? (256ULL << 20) : 0;
    const bool throttled = i % 2 == 0 && !idle;
    p.usage.cpu_throttled_ratio = throttled ? static_cast<double>(mix(s + 4) % 300) / 1000 : 0;
    p.usage.cpu_throttled_periods_per_sec = reported(p.usage.cpu_throttled_ratio * 10);
    p.usage.cpu_throttled_seconds_per_sec = reported(p.usage.cpu_throttled_ratio * 0.02);
    p.usage.oom_kills = i % 11 == 0 ? tick / 500 : 0;
    p.restarts = i % 13 == 0 ? 1 + tick / 1000 : 0;
    p.usage.cpu_pressure_some_percent = idle ? 0 : static_cast<double>(mix(s + 5) % 500) / 100;
    p.usage.memory_pressure_some_percent = idle || i % 4 != 0 ? 0 : static_cast<double>(mix(s + 6) % 100) / 100;
    p.usage.memory_pressure_full_percent = p.usage.memory_pressure_some_percent / 2 >= 0.01
                                               ? static_cast<double>(static_cast<int>(p.usage.memory_pressure_some_percent * 50)) / 100
                                               : 0;
    p.usage.io_pressure_some_percent = idle ? 0 : static_cast<double>(mix(s + 7) % 200) / 100;
    p.usage.io_pressure_full_percent = idle ? 0 : static_cast<double>(mix(s + 8) % 50) / 100;
    // The only container: the pod's usage (a real pod cgroup adds the sandbox's few KiB).
    model::ContainerUsage c;
    c.name = "main";
    c.usage = p.usage;
    c.spec = p.spec;
    c.restarts = p.restarts;
    p.containers.push_back(std::move(c));
    r.pods.push_back(std::move(p));
  }
  return r;
}

}  // namespace kubemonitor::tsdb::testing
