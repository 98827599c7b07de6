#include "server/series_params.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "common/text.h"
#include "common/time_format.h"

namespace kubemonitor::server {
namespace {

// 100 years: beyond this a window is a typo, and ms arithmetic stays far from int64 overflow.
constexpr int64_t kMaxWindowSeconds = 100LL * 366 * 24 * 3600;
constexpr int64_t kMsPerSecond = 1000;

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

Error paramError(std::string_view param, std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message), std::string(param));
}

// RFC 3339, or Unix seconds with an optional fraction ("1700000000", "1700000000.5").
Result<int64_t> parseInstantMs(std::string_view param, std::string_view text) {
  if (text.find_first_of("T-:") != std::string_view::npos && text.front() != '-') {
    auto ms = parseRfc3339(text);
    if (!ms) return paramError(param, ms.error().message);
    return *ms;
  }
  auto seconds = text::parseDouble(text);
  if (!seconds || *seconds < 0 || *seconds > 1e11) {
    return paramError(param, "expected RFC 3339 or Unix seconds, got \"" + std::string(text) + "\"");
  }
  return static_cast<int64_t>(std::llround(*seconds * kMsPerSecond));
}

Result<int64_t> parseWindowSeconds(std::string_view param, std::string_view text) {
  auto seconds = parseDurationSeconds(text);
  if (!seconds) return paramError(param, seconds.error().message + " in \"" + std::string(text) + "\"");
  if (*seconds > kMaxWindowSeconds) return paramError(param, "longer than 100 years");
  return *seconds;
}

std::optional<std::string_view> find(const std::map<std::string, std::string, std::less<>>& query, std::string_view key) {
  auto it = query.find(key);
  if (it == query.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace

bool wantsSeries(const std::map<std::string, std::string, std::less<>>& query) {
  // fields= and max-data-points= shape points: given alone they ask for the default window, rather
  // than being silently ignored.
  for (const char* key : {"window", "start", "end", "step", "fields", "max-data-points"}) {
    if (query.count(std::string_view(key)) != 0) return true;
  }
  return false;
}

int64_t bucketCount(int64_t start_ms, int64_t end_ms, int64_t step_ms) {
  return floorDiv(end_ms, step_ms) - floorDiv(start_ms, step_ms) + 1;
}

Result<SeriesRange> parseSeriesRange(const std::map<std::string, std::string, std::less<>>& query,
                                     const SeriesDefaults& defaults) {
  const auto window_text = find(query, "window");
  const auto start_text = find(query, "start");
  const auto end_text = find(query, "end");
  const auto step_text = find(query, "step");
  if (window_text && start_text && end_text) {
    return paramError("window", "give at most two of window, start and end");
  }

  std::optional<int64_t> window_ms, start_ms, end_ms;
  if (window_text) {
    auto seconds = parseWindowSeconds("window", *window_text);
    if (!seconds) return seconds.error();
    window_ms = *seconds * kMsPerSecond;
  }
  if (start_text) {
    auto ms = parseInstantMs("start", *start_text);
    if (!ms) return ms.error();
    start_ms = *ms;
  }
  if (end_text) {
    auto ms = parseInstantMs("end", *end_text);
    if (!ms) return ms.error();
    end_ms = *ms;
  }

  SeriesRange range;
  if (start_ms && window_ms && !end_ms) {
    range.start_ms = *start_ms;
    range.end_ms = *start_ms + *window_ms;
  } else {
    range.end_ms = end_ms.value_or(defaults.now_ms);
    range.start_ms = start_ms ? *start_ms : range.end_ms - window_ms.value_or(defaults.window_seconds * kMsPerSecond);
  }
  if (range.start_ms >= range.end_ms) return paramError(start_ms ? "start" : "end", "start must be before end");
  if (range.end_ms - range.start_ms > kMaxWindowSeconds * kMsPerSecond) {
    return paramError("window", "longer than 100 years");
  }
  range.window_seconds = (range.end_ms - range.start_ms + kMsPerSecond - 1) / kMsPerSecond;

  range.step_ms = defaults.step_ms > 0 ? defaults.step_ms : 5 * kMsPerSecond;
  if (step_text) {
    auto seconds = parseWindowSeconds("step", *step_text);
    if (!seconds) return seconds.error();
    range.step_ms = *seconds * kMsPerSecond;
  }
  // Too many points: the step grows to ceil(range / max points), in whole seconds. Aligned buckets
  // can then still touch max + 1 buckets (a partial one at each end); the oldest, partial, one is
  // dropped by starting the range at the next bucket boundary, which keeps round steps (60 s, not
  // 63 s) for round windows.
  const int64_t max_points = std::max<int64_t>(1, static_cast<int64_t>(defaults.max_data_points));
  if (bucketCount(range.start_ms, range.end_ms, range.step_ms) > max_points) {
    const int64_t span_ms = range.end_ms - range.start_ms;
    const int64_t needed_ms = (span_ms + max_points - 1) / max_points;
    range.step_ms = std::max(range.step_ms, (needed_ms + kMsPerSecond - 1) / kMsPerSecond * kMsPerSecond);
    if (bucketCount(range.start_ms, range.end_ms, range.step_ms) > max_points) {
      range.start_ms = (floorDiv(range.start_ms, range.step_ms) + 1) * range.step_ms;
    }
  }
  return range;
}

}  // namespace kubemonitor::server
