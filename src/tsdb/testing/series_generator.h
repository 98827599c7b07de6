#pragma once
// Realistic Kubernetes series for codec tests and `kubemonitor-bench codec`: what the agent reports
// for idle and busy pods on the 5 s grid, with the occasional missed report and a few ms of jitter.
// Deterministic for a given seed.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tsdb/chunk.h"

namespace kubemonitor::tsdb::testing {

enum class SeriesShape {
  kIdleGauge,      // uint64 memory_working_set_bytes of an idle pod: constant
  kIdleCounter,    // uint64 network_rx_bytes of an idle pod: flat counter
  kIdleCpu,        // double cpu_millicores of an idle pod: 0.0 with a rare 1-2 millicore blip
  kSteadyCounter,  // uint64 cpu_usage_ns growing ~1.25e9 ns per 5 s (250 millicores) ± 2 %
  kMemoryWalk,     // uint64 memory_working_set_bytes: random walk in 4 KiB pages
  kCpuMillicores,  // double cpu_millicores: noisy around 180 with 3 decimals
  kNetworkBursty,  // uint64 network_tx_bytes counter: slow trickle, bursts of MBs, a counter reset
  kNetworkRate,    // double network_rx_bytes_per_sec: bytes over elapsed seconds, full precision
};

inline constexpr SeriesShape kAllSeriesShapes[] = {
    SeriesShape::kIdleGauge,  SeriesShape::kIdleCounter,    SeriesShape::kIdleCpu,       SeriesShape::kSteadyCounter,
    SeriesShape::kMemoryWalk, SeriesShape::kCpuMillicores, SeriesShape::kNetworkBursty, SeriesShape::kNetworkRate,
};

std::string_view seriesShapeName(SeriesShape shape);
ValueKind seriesShapeKind(SeriesShape shape);

inline constexpr int64_t kGridMs = 5000;
inline constexpr int64_t kSeriesStartMs = 1796083200000;  // 2026-12-01T00:00:00Z

// `count` samples from kSeriesStartMs on the 5 s grid; ~1 % of reports missing, ~2 % off the grid
// by 1-5 ms.
std::vector<Sample> generateSeries(SeriesShape shape, size_t count, uint64_t seed);

}  // namespace kubemonitor::tsdb::testing
