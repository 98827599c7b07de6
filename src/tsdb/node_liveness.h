#pragma once
// Internal to tsdb: when a node counts as reporting (LatestFilter::stale_after_ms), one rule for
// every engine.

#include <cstdint>

namespace kubemonitor::tsdb {

// A node whose newest report (Unix ms) is within the retention (`cutoff_ms`) and younger than the
// staleness window: `stale_after_ms` when > 0, else 3 × its interval, else 60 s (interval unknown).
inline bool nodeIsLive(int64_t newest_ms, int64_t interval_ms, int64_t now_ms, int64_t cutoff_ms,
                       int64_t stale_after_ms) {
  constexpr int64_t kUnknownIntervalGraceMs = 60'000;
  const int64_t grace_ms = stale_after_ms > 0 ? stale_after_ms
                           : interval_ms > 0  ? 3 * interval_ms
                                              : kUnknownIntervalGraceMs;
  return newest_ms >= cutoff_ms && newest_ms >= now_ms - grace_ms;
}

}  // namespace kubemonitor::tsdb
