#include "tsdb/testing/held_sync.h"

#include <unistd.h>

namespace kubemonitor::tsdb::testing {

HeldSync::HeldSync() : state_(std::make_shared<State>()) {}

HeldSync::~HeldSync() { release(); }

WalSyncFunction HeldSync::function() const {
  return [state = state_](int fd) {
    {
      std::unique_lock lock(state->mutex);
      ++state->waiting;
      state->changed.notify_all();
      state->changed.wait(lock, [&] { return !state->held; });
      --state->waiting;
    }
    const int rc = ::fdatasync(fd);
    const int saved = errno;
    {
      std::lock_guard lock(state->mutex);
      ++state->completed;
    }
    state->changed.notify_all();
    errno = saved;
    return rc;
  };
}

void HeldSync::hold() {
  std::lock_guard lock(state_->mutex);
  state_->held = true;
}

void HeldSync::release() {
  {
    std::lock_guard lock(state_->mutex);
    state_->held = false;
  }
  state_->changed.notify_all();
}

bool HeldSync::waitUntilASyncIsHeld(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mutex);
  return state_->changed.wait_for(lock, timeout, [&] { return state_->held && state_->waiting > 0; });
}

size_t HeldSync::completedSyncs() const {
  std::lock_guard lock(state_->mutex);
  return state_->completed;
}

}  // namespace kubemonitor::tsdb::testing
