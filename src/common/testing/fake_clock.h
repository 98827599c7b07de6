#pragma once
// A clock that moves only when a test says so (DESIGN rule 10: no sleeps in tests).

#include <chrono>

#include "common/clock.h"

namespace kubemonitor {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime start = WallTime{std::chrono::seconds(1'800'000'000)});
  WallTime wallNow() const override { return wall_; }
  MonotonicTime monotonicNow() const override { return monotonic_; }
  // Moves both clocks forward by `d`.
  void advance(std::chrono::nanoseconds d);

 private:
  WallTime wall_;
  MonotonicTime monotonic_;
};

}  // namespace kubemonitor
