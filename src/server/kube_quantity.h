#pragma once
// Kubernetes resource quantities as the metrics API writes them (k8s.io/apimachinery
// resource.Quantity, canonical forms): CPU in nanocores ("250000000n") and memory in KiB
// ("131072Ki") — the forms metrics-server answers with, so kubectl's parser sees what it expects.

#include <cstdint>
#include <string>

namespace kubemonitor::server {

// Millicores (may be fractional) → "<n>n", rounded to the nearest nanocore, never negative.
std::string cpuQuantity(double millicores);
// Bytes → "<k>Ki" when a multiple of 1024, else the plain byte count ("1000").
std::string memoryQuantity(uint64_t bytes);

}  // namespace kubemonitor::server
