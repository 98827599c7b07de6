#include "agent/waiter.h"

#include <csignal>
#include <cerrno>
#include <ctime>

namespace kubemonitor::agent {
namespace {

sigset_t stopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

SignalWaiter::SignalWaiter(const Clock& clock) : clock_(clock) {
  const sigset_t set = stopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool SignalWaiter::sleepUntil(WallTime deadline) {
  const sigset_t set = stopSignals();
  while (!stop_requested_) {
    const auto remaining = deadline - clock_.wallNow();
    if (remaining <= WallTime::duration::zero()) return true;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(remaining).count();
    timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    const int signal = sigtimedwait(&set, nullptr, &timeout);
    if (signal == SIGTERM || signal == SIGINT) stop_requested_ = true;
    // EAGAIN: the timeout passed; EINTR: another signal; loop and re-check the clock either way.
  }
  return false;
}

}  // namespace kubemonitor::agent
