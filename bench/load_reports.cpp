#include "load_reports.h"

#include <thread>

#include "common/compression.h"
#include "model/report_json.h"

namespace kubemonitor::bench {
namespace {

constexpr int kNamespaces = 20;

// Replicas of one deployment take four consecutive pod slots of the fleet, so most deployments
// span two nodes.
int deploymentOf(const LoadReportShape& shape, int agent, int pod) { return (agent * shape.pods_per_agent + pod) / 4; }

}  // namespace

std::string loadNodeName(int agent) { return "load-node-" + std::to_string(agent); }

LoadPodName loadPodName(const LoadReportShape& shape, int agent, int pod) {
  const int deployment = deploymentOf(shape, agent, pod);
  return {"app-" + std::to_string(deployment) + "-" + std::to_string(agent) + "x" + std::to_string(pod),
          "team-" + std::to_string(deployment % kNamespaces)};
}

model::Report makeLoadReport(const LoadReportShape& shape, int agent, int round, int64_t timestamp_ms) {
  model::Report r;
  r.node = loadNodeName(agent);
  r.interval_ms = shape.interval_ms;
  r.timestamp_ms = timestamp_ms;
  model::NodeUsage& u = r.node_usage;
  u.cpu_count = 32;
  u.cpu_capacity_millicores = 32000;
  u.cpu_millicores = 8000 + (agent * 131 + round * 17) % 9000;
  u.memory_capacity_bytes = 128ULL << 30;
  u.memory_working_set_bytes = (40ULL << 30) + uint64_t(agent) * 4096;
  u.network_rx_bytes = 1'000'000'000ULL + uint64_t(round) * 1'250'000;
  u.network_rx_bytes_per_sec = 250'000;
  for (int p = 0; p < shape.pods_per_agent; ++p) {
    model::PodUsage pod;
    LoadPodName name = loadPodName(shape, agent, p);
    pod.name = std::move(name.name);
    pod.namespace_name = std::move(name.namespace_name);
    pod.uid = "8a1c2e5e-0000-4000-8000-" + std::to_string(100000000000LL + agent * 1000 + p);
    pod.deployment = "app-" + std::to_string(deploymentOf(shape, agent, p));
    pod.workload_kind = "Deployment";
    pod.workload_name = pod.deployment;
    pod.qos_class = "Burstable";
    pod.spec.cpu_limit_millicores = 1000;
    pod.spec.memory_limit_bytes = 1ULL << 30;
    pod.network.rx_bytes = 5'000'000ULL * uint64_t(p + 1) + uint64_t(round) * 40'000;
    pod.network.tx_bytes = 3'000'000ULL * uint64_t(p + 1) + uint64_t(round) * 20'000;
    pod.network.rx_bytes_per_sec = 8000 + p;
    pod.network.tx_bytes_per_sec = 4000 + p;
    for (int c = 0; c < shape.containers_per_pod; ++c) {
      model::ContainerUsage container;
      container.name = c == 0 ? "app" : "sidecar-" + std::to_string(c);
      container.id = std::string(56, 'c') + std::to_string(10000000 + agent * 1000 + p * 10 + c).substr(0, 8);
      model::CgroupUsage& cu = container.usage;
      cu.cpu_millicores = 10 + (p * 7 + c * 13 + round) % 200;
      cu.cpu_usage_ns = 1'000'000'000ULL * uint64_t(p + c + 1) + uint64_t(round) * 50'000'000;
      cu.memory_usage_bytes = (64ULL << 20) + uint64_t(p * 4096 + c * 512);
      cu.memory_working_set_bytes = cu.memory_usage_bytes - (8ULL << 20);
      cu.memory_rss_bytes = cu.memory_working_set_bytes / 2;
      cu.memory_cache_bytes = 8ULL << 20;
      cu.disk_write_bytes = 1'000'000ULL * uint64_t(p + 1);
      container.spec.cpu_limit_millicores = 1000 / uint64_t(shape.containers_per_pod);
      pod.usage.cpu_millicores += cu.cpu_millicores;
      pod.usage.cpu_usage_ns += cu.cpu_usage_ns;
      pod.usage.memory_usage_bytes += cu.memory_usage_bytes;
      pod.usage.memory_working_set_bytes += cu.memory_working_set_bytes;
      pod.usage.memory_rss_bytes += cu.memory_rss_bytes;
      pod.usage.memory_cache_bytes += cu.memory_cache_bytes;
      pod.usage.disk_write_bytes += cu.disk_write_bytes;
      pod.containers.push_back(std::move(container));
    }
    r.pods.push_back(std::move(pod));
  }
  return r;
}

std::string encodeLoadReport(const LoadReportShape& shape, int agent, int round, int64_t timestamp_ms) {
  return compressZstd(model::encodeReport(makeLoadReport(shape, agent, round, timestamp_ms)));
}

LoadBodies::LoadBodies(const LoadReportShape& shape, int agents, int slots, int64_t first_slot_ms, int threads)
    : slots_(slots), bodies_(static_cast<size_t>(agents) * static_cast<size_t>(slots)) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    // Each worker writes only its own agents' entries: no locking needed.
    workers.emplace_back([&, t] {
      for (int a = t; a < agents; a += threads) {
        for (int k = 0; k < slots; ++k) {
          bodies_[index(a, k)] = encodeLoadReport(shape, a, k, first_slot_ms + int64_t{k} * shape.interval_ms);
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (const auto& body : bodies_) total_bytes_ += body.size();
}

}  // namespace kubemonitor::bench
