#include "common/testing/fake_clock.h"

namespace kubemonitor {

FakeClock::FakeClock(WallTime start) : wall_(start), monotonic_(std::chrono::seconds(1000)) {}

void FakeClock::advance(std::chrono::nanoseconds d) {
  wall_ += std::chrono::duration_cast<WallTime::duration>(d);
  monotonic_ += d;
}

}  // namespace kubemonitor
