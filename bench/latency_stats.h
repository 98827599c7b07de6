#pragma once
// Percentiles of latency samples, shared by the benchmarks that report p50/p99.

#include <algorithm>
#include <cstddef>
#include <vector>

namespace kubemonitor::bench {

// The value below which a fraction `p` (0..1) of `values` lies (nearest rank); 0 when empty.
// Takes a copy: nth_element reorders it.
inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
  return values[index];
}

}  // namespace kubemonitor::bench
