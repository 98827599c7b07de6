#include "server/kube_quantity.h"

#include <cmath>

namespace kubemonitor::server {

std::string cpuQuantity(double millicores) {
  if (!(millicores > 0)) return "0";
  const double nanocores = std::round(millicores * 1e6);  // 1 millicore = 10^6 nanocores
  return std::to_string(static_cast<uint64_t>(nanocores)) + "n";
}

std::string memoryQuantity(uint64_t bytes) {
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + "Ki";
  return std::to_string(bytes);
}

}  // namespace kubemonitor::server
