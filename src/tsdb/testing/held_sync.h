#pragma once
// A WAL sync the test holds back: while held, every sync the WAL starts waits (it has begun, the
// record is not durable) until release(); then it runs the real fdatasync. Shows that nothing but
// the acknowledgement waits for the disk, without sleeping for a slow one.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "tsdb/wal.h"

namespace kubemonitor::tsdb::testing {

class HeldSync {
 public:
  HeldSync();
  ~HeldSync();  // releases, so that a failing test does not leave the WAL's flusher stuck
  HeldSync(const HeldSync&) = delete;
  HeldSync& operator=(const HeldSync&) = delete;

  // For WalOptions::sync_file; stays valid after this object is gone (then never holds).
  WalSyncFunction function() const;
  void hold();
  void release();
  // Waits (bounded by `timeout`) until a sync is waiting behind the hold; false on timeout.
  bool waitUntilASyncIsHeld(std::chrono::milliseconds timeout) const;
  // Syncs that ran to completion so far.
  size_t completedSyncs() const;

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    bool held = false;
    size_t waiting = 0;
    size_t completed = 0;
  };
  std::shared_ptr<State> state_;
};

}  // namespace kubemonitor::tsdb::testing
