#pragma once
// Reports waiting for the server, oldest first, shared by the collecting thread (push) and the
// shipping thread (front/pop). Bounded: while the server is away the queue keeps the newest
// `capacity` reports (default 15 min worth) and counts what it had to drop. Sending happens
// outside the lock, so a slow or black-holed server never delays a collection.
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "agent/report_sink.h"

namespace kubemonitor::agent {

class ShippingQueue {
 public:
  struct Entry {
    uint64_t sequence = 0;  // increases by one per push; identifies the entry across unlocks
    std::shared_ptr<const EncodedReport> report;
  };

  explicit ShippingQueue(size_t capacity);

  // Appends; when full, drops the oldest report first.
  void push(EncodedReport report);
  // Blocks until a report is queued (returns the oldest, still queued) or the queue is closed
  // and empty (returns an empty Entry).
  Entry waitFront();
  // Removes the oldest entry if it is still `sequence` (an overflow may have dropped it already).
  void pop(uint64_t sequence);
  // Sleeps for `delay` or until close(); false once closed.
  bool waitRetry(std::chrono::milliseconds delay);
  // Wakes every waiter; pushes still work, waitFront drains what is left and then returns empty.
  void close();

  size_t size() const;
  size_t capacity() const { return capacity_; }
  uint64_t droppedTotal() const;  // counter: reports dropped because the queue was full

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Entry> entries_;
  const size_t capacity_;
  uint64_t next_sequence_ = 0;
  uint64_t dropped_total_ = 0;
  bool closed_ = false;
};

struct ShipperStats {
  uint64_t delivered = 0;  // counter: reports acknowledged by the server
  uint64_t rejected = 0;   // counter: reports the server refused for good
  uint64_t retries = 0;    // counter: failed attempts that will be retried
  uint64_t retry_after_honoured = 0;  // counter: retries that waited for the server's Retry-After
  std::chrono::milliseconds waited{0};  // total backoff asked for between attempts
};

// The shipping thread's body: sends queued reports in order; on kRetryLater waits (RetryBackoff:
// full jitter from initial_backoff doubling up to max_backoff, or the server's Retry-After plus
// jitter) and retries the same report. After close(), makes one more pass over what is left
// without backing off, then returns. `seed` varies the jitter per agent (0: a random one).
ShipperStats shipUntilClosed(ShippingQueue& queue, ReportSink& sink,
                             std::chrono::milliseconds initial_backoff = std::chrono::seconds(1),
                             std::chrono::milliseconds max_backoff = std::chrono::seconds(10), uint64_t seed = 0);

}  // namespace kubemonitor::agent
