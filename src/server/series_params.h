#pragma once
// The time range of a series request: window, start, end and step query parameters → a range
// and a step that give at most max_data_points buckets. Pure, so every rule is unit-tested.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"

namespace kubemonitor::server {

struct SeriesRange {
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // inclusive
  int64_t step_ms = 0;   // > 0; buckets are aligned to multiples of it
  int64_t window_seconds = 0;  // end − start, rounded up to whole seconds
};

struct SeriesDefaults {
  int64_t now_ms = 0;
  int64_t window_seconds = 3600;
  int64_t step_ms = 5000;  // the node's report interval when known
  size_t max_data_points = 1000;
};

// True when the query asks for a series (window, start, end, step, fields or max-data-points present).
bool wantsSeries(const std::map<std::string, std::string, std::less<>>& query);

// Errors are kInvalidArgument with the parameter as subject, e.g. ("window", "unknown unit").
// window: seconds or a duration ("300", "5m", "1h30m"); start/end: RFC 3339 or Unix seconds;
// step: a duration. At most two of window, start and end; end defaults to now.
Result<SeriesRange> parseSeriesRange(const std::map<std::string, std::string, std::less<>>& query,
                                     const SeriesDefaults& defaults);

// Number of step-aligned buckets that [start_ms, end_ms] touches.
int64_t bucketCount(int64_t start_ms, int64_t end_ms, int64_t step_ms);

}  // namespace kubemonitor::server
