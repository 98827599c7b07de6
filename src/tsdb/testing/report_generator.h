#pragma once
// Realistic node reports for the embedded engine's tests and benchmark: `pods` pods per node, a
// third of them idle (flat gauges, still counters), the rest with noisy CPU and memory, steady
// network and disk counters, spread over a few namespaces and deployments.

#include <cstddef>
#include <cstdint>
#include <string>

#include "model/report.h"

namespace kubemonitor::tsdb::testing {

// The report of node `node_index` at tick `tick` (timestamp = start_ms + tick × interval_ms).
// Deterministic: the same arguments give the same report.
model::Report generateNodeReport(size_t node_index, size_t pods, uint64_t tick, int64_t start_ms,
                                 int64_t interval_ms = 10'000);

}  // namespace kubemonitor::tsdb::testing
