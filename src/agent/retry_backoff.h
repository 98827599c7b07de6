#pragma once
// When the shipper tries again after a failed send (DESIGN §2): exponential backoff with full
// jitter, capped, and the server's Retry-After honoured.
//
// Full jitter (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015): the k-th
// consecutive failure waits uniform[0, min(cap, initial·2^k)], so agents that failed together
// (a server restart) come back spread over the window instead of at the same second. A server's
// Retry-After R is a floor: the wait is R + uniform[0, min(R, cap)], which keeps the promise and
// still spreads the agents the same 503 sent away.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "common/clock.h"

namespace kubemonitor::agent {

class RetryBackoff {
 public:
  RetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds cap, uint64_t seed);

  // The wait before the next attempt after one more failure; `retry_after` is the server's.
  std::chrono::milliseconds next(std::optional<std::chrono::milliseconds> retry_after);
  // A send succeeded: the next failure starts again from `initial`.
  void reset();
  // The upper bound of the jitter window the next failure draws from.
  std::chrono::milliseconds ceiling() const { return ceiling_; }

 private:
  std::chrono::milliseconds uniformUpTo(std::chrono::milliseconds high);

  const std::chrono::milliseconds initial_;
  const std::chrono::milliseconds cap_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 random_;
};

// The delay a Retry-After header value asks for (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date
// (IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT") taken relative to `now`; a date in the past
// is 0. nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value, WallTime now);

}  // namespace kubemonitor::agent
