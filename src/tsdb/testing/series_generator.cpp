#include "tsdb/testing/series_generator.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace kubemonitor::tsdb::testing {

std::string_view seriesShapeName(SeriesShape shape) {
  switch (shape) {
    case SeriesShape::kIdleGauge: return "idle_gauge";
    case SeriesShape::kIdleCounter: return "idle_counter";
    case SeriesShape::kIdleCpu: return "idle_cpu";
    case SeriesShape::kSteadyCounter: return "steady_counter";
    case SeriesShape::kMemoryWalk: return "memory_walk";
    case SeriesShape::kCpuMillicores: return "cpu_millicores";
    case SeriesShape::kNetworkBursty: return "network_bursty";
    case SeriesShape::kNetworkRate: return "network_rate";
  }
  return "unknown";
}

ValueKind seriesShapeKind(SeriesShape shape) {
  switch (shape) {
    case SeriesShape::kIdleCpu:
    case SeriesShape::kCpuMillicores:
    case SeriesShape::kNetworkRate: return ValueKind::kDouble;
    default: return ValueKind::kUint64;
  }
}

std::vector<Sample> generateSeries(SeriesShape shape, size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Sample> out;
  out.reserve(count);

  int64_t grid_ms = kSeriesStartMs;
  int64_t last_ts_ms = kSeriesStartMs - kGridMs;
  uint64_t counter = 1'234'567'890;           // cumulative bytes / ns since boot
  uint64_t gauge_bytes = 256ULL << 20;        // 256 MiB working set
  double cpu_millicores = 180.0;
  for (size_t i = 0; out.size() < count; ++i, grid_ms += kGridMs) {
    if (i > 0 && unit(rng) < 0.01) continue;  // a missed report: the next delta is 10 s
    int64_t ts_ms = grid_ms;
    if (unit(rng) < 0.02) ts_ms += 1 + static_cast<int64_t>(unit(rng) * 5);  // late by 1-5 ms
    const double elapsed_s = static_cast<double>(ts_ms - last_ts_ms) / 1000.0;
    last_ts_ms = ts_ms;

    Value value;
    switch (shape) {
      case SeriesShape::kIdleGauge: value = Value::ofUint64(48ULL << 20); break;
      case SeriesShape::kIdleCounter: value = Value::ofUint64(9'876'543); break;
      case SeriesShape::kIdleCpu:
        // 1-3 millicores, rounded to 3 decimals as the last step, like the agent does.
        value = Value::ofDouble(unit(rng) < 0.03 ? std::round((1.0 + unit(rng) * 2.0) * 1000.0) / 1000.0 : 0.0);
        break;
      case SeriesShape::kSteadyCounter: {
        // 250 millicores = 0.25 CPU-seconds per second of CPU time, in ns, ± 2 %.
        const double ns = 0.25e9 * elapsed_s * (1.0 + (unit(rng) - 0.5) * 0.04);
        counter += static_cast<uint64_t>(ns);
        value = Value::ofUint64(counter);
        break;
      }
      case SeriesShape::kMemoryWalk: {
        const auto pages = static_cast<int64_t>(std::round((unit(rng) - 0.5) * 64.0));
        gauge_bytes = static_cast<uint64_t>(static_cast<int64_t>(gauge_bytes) + pages * 4096);
        value = Value::ofUint64(gauge_bytes);
        break;
      }
      case SeriesShape::kCpuMillicores: {
        cpu_millicores += (unit(rng) - 0.5) * 20.0;
        cpu_millicores = std::clamp(cpu_millicores, 0.0, 4000.0);
        // The agent reports millicores rounded to 3 decimals.
        value = Value::ofDouble(std::round(cpu_millicores * 1000.0) / 1000.0);
        break;
      }
      case SeriesShape::kNetworkBursty:
      case SeriesShape::kNetworkRate: {
        uint64_t bytes = static_cast<uint64_t>(unit(rng) * 400.0);  // keep-alives, DNS
        if (unit(rng) < 0.05) bytes += static_cast<uint64_t>(unit(rng) * 8e6);  // a burst of MBs
        counter += bytes;
        if (shape == SeriesShape::kNetworkRate) {
          value = Value::ofDouble(static_cast<double>(bytes) / elapsed_s);
        } else {
          if (out.size() == count / 2) counter = bytes;  // interface re-created: counter reset
          value = Value::ofUint64(counter);
        }
        break;
      }
    }
    out.push_back(Sample{ts_ms, value});
  }
  return out;
}

}  // namespace kubemonitor::tsdb::testing
