#include "model/report.h"

namespace kubemonitor::model {

double cpuPercent(const NodeUsage& usage) {
  if (usage.cpu_capacity_millicores == 0) return 0;
  return usage.cpu_millicores * 100.0 / static_cast<double>(usage.cpu_capacity_millicores);
}

double memoryPercent(const NodeUsage& usage) {
  if (usage.memory_capacity_bytes == 0) return 0;
  return static_cast<double>(usage.memory_working_set_bytes) * 100.0 / static_cast<double>(usage.memory_capacity_bytes);
}

}  // namespace kubemonitor::model
