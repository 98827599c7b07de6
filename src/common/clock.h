#pragma once
// A two-method clock (after Envoy's TimeSource): wall time for report timestamps, monotonic time
// for measuring elapsed intervals. Passed in, never read from a global (DESIGN rule 3).

#include <chrono>
#include <cstdint>

namespace kubemonitor {

using WallTime = std::chrono::system_clock::time_point;
using MonotonicTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime wallNow() const = 0;
  virtual MonotonicTime monotonicNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
  MonotonicTime monotonicNow() const override { return std::chrono::steady_clock::now(); }
};

// Milliseconds since the Unix epoch, the unit every timestamp in kubemonitor's model uses.
inline int64_t toUnixMs(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace kubemonitor
