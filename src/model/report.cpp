#include "model/report.h"

#include <cmath>

namespace kubemonitor::model {

double toReportedPrecision(double value) {
  if (!(std::fabs(value) < 1e15)) return value;
  return std::nearbyint(value * 1000.0) / 1000.0;
}

double cpuPercent(const NodeUsage& usage) {
  if (usage.cpu_capacity_millicores == 0) return 0;
  return usage.cpu_millicores * 100.0 / static_cast<double>(usage.cpu_capacity_millicores);
}

double memoryPercent(const NodeUsage& usage) {
  if (usage.memory_capacity_bytes == 0) return 0;
  return static_cast<double>(usage.memory_working_set_bytes) * 100.0 / static_cast<double>(usage.memory_capacity_bytes);
}

}  // namespace kubemonitor::model

namespace kubemonitor::model {

double podCpuPercent(const PodUsage& pod, const NodeUsage& node) {
  if (pod.spec.cpu_limit_millicores > 0) {
    return pod.usage.cpu_millicores * 100.0 / static_cast<double>(pod.spec.cpu_limit_millicores);
  }
  if (node.cpu_capacity_millicores == 0) return 0;
  return pod.usage.cpu_millicores * 100.0 / static_cast<double>(node.cpu_capacity_millicores);
}

double podMemoryPercent(const PodUsage& pod, const NodeUsage& node) {
  uint64_t limit = pod.spec.memory_limit_bytes != 0 ? pod.spec.memory_limit_bytes : pod.usage.memory_limit_bytes;
  if (limit == 0 || limit > node.memory_capacity_bytes) limit = node.memory_capacity_bytes;
  if (limit == 0) return 0;
  return static_cast<double>(pod.usage.memory_working_set_bytes) * 100.0 / static_cast<double>(limit);
}

}  // namespace kubemonitor::model
