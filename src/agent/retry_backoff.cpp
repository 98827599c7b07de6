#include "agent/retry_backoff.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>

#include "common/text.h"

namespace kubemonitor::agent {

RetryBackoff::RetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap, uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      cap_(std::max(cap, initial_)),
      ceiling_(initial_),
      random_(seed) {}

std::chrono::milliseconds RetryBackoff::uniformUpTo(std::chrono::milliseconds high) {
  std::uniform_int_distribution<int64_t> pick(0, high.count());
  return std::chrono::milliseconds(pick(random_));
}

std::chrono::milliseconds RetryBackoff::next(std::optional<std::chrono::milliseconds> retry_after) {
  std::chrono::milliseconds wait;
  if (retry_after) {
    const auto floor = std::max(*retry_after, std::chrono::milliseconds(0));
    wait = floor + uniformUpTo(std::min(floor, cap_));
  } else {
    wait = uniformUpTo(ceiling_);
  }
  ceiling_ = std::min(ceiling_ * 2, cap_);
  return wait;
}

void RetryBackoff::reset() { ceiling_ = initial_; }

std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value, WallTime now) {
  value = text::trim(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(std::min<int64_t>(seconds, 24 * 3600));  // a day is far enough
  }
  std::tm date{};
  const std::string text(value);
  const char* parsed = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &date);
  if (parsed == nullptr || *parsed != '\0') return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(::timegm(&date));
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

}  // namespace kubemonitor::agent
