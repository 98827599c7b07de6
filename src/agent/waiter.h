#pragma once
// Sleeping between cycles, interruptible by a stop request. The real one waits for SIGTERM or
// SIGINT with sigtimedwait, so sleeping and noticing a signal are one system call; tests use a
// fake that advances a FakeClock instead of sleeping (DESIGN rule 10).

#include "common/clock.h"

namespace kubemonitor::agent {

class Waiter {
 public:
  virtual ~Waiter() = default;
  // Returns at `deadline` (wall clock) with true, or early with false when asked to stop.
  virtual bool sleepUntil(WallTime deadline) = 0;
};

// Blocks SIGTERM and SIGINT in the calling thread (call it in main before any thread starts, so
// every thread inherits the mask) and waits for them in sleepUntil.
class SignalWaiter final : public Waiter {
 public:
  explicit SignalWaiter(const Clock& clock);
  bool sleepUntil(WallTime deadline) override;
  bool stopRequested() const { return stop_requested_; }

 private:
  const Clock& clock_;
  bool stop_requested_ = false;
};

}  // namespace kubemonitor::agent
