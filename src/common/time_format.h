#pragma once
// RFC 3339 timestamps (always UTC, "Z") and human durations ("90", "5m", "1h30m", "7d").

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kubemonitor {

// "2026-11-22T09:00:05Z", or "...05.250Z" when the milliseconds are not zero.
std::string formatRfc3339(int64_t unix_ms);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z" and numeric offsets ("+02:00"); returns Unix milliseconds.
Result<int64_t> parseRfc3339(std::string_view text);

// A duration in seconds: a bare number of seconds ("300") or units s, m, h, d, w, combinable
// ("1h30m"). Zero and negative durations are rejected.
Result<int64_t> parseDurationSeconds(std::string_view text);
// The inverse for display: 300 → "5m", 5400 → "1h30m".
std::string formatDurationSeconds(int64_t seconds);

}  // namespace kubemonitor
