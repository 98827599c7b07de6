#pragma once
// The server's ingest stage between the network threads and the storage: a bounded admission
// count and a small pool of workers that decompress, parse and store reports.
//
//   admit()   on a network thread: a ticket, or nothing when `capacity` reports are already
//             admitted and not yet acknowledged, or when the oldest of them has waited longer
//             than `max_wait` (the router then answers 503 + Retry-After);
//   post()    runs a job on a worker (decompress, parse, Storage::ingestAsync);
//   finish()  when the report's answer is known (acknowledged, or refused with an error).
//
// The bound counts reports from admission to acknowledgement, so it bounds both memory (queued
// bodies) and the latency an admitted report can see. Thread-safe. The destructor stops taking
// jobs, runs those queued and waits for every admitted report to finish (their callbacks come
// from the storage) before the workers are joined.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace kubemonitor::server {

struct IngestPipelineStats {
  size_t in_flight = 0;           // gauge: admitted, not yet answered
  size_t capacity = 0;            // the bound on in_flight
  size_t queued = 0;              // gauge: admitted, waiting for a worker
  unsigned workers = 0;
  int64_t oldest_unacknowledged_ms = 0;  // gauge: age of the oldest admitted report (ms), 0 when none
  uint64_t admitted_total = 0;    // counter
  uint64_t refused_total = 0;     // counter: admissions refused because the pipeline was full or slow
  uint64_t finished_total = 0;    // counter
};

class IngestPipeline {
 public:
  using Ticket = uint64_t;

  // `workers` threads (≥ 1); `clock` (monotonic time for ages) must outlive the pipeline.
  // `max_wait` 0: only the count bounds admission.
  IngestPipeline(unsigned workers, size_t capacity, std::chrono::milliseconds max_wait, const Clock& clock);
  ~IngestPipeline();
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;

  std::optional<Ticket> admit();
  void post(std::function<void()> job);
  void finish(Ticket ticket);

  // When a refused agent should come back (s, ≥ 1): about the time the reports now in flight take
  // to drain at the recent acknowledgement rate.
  int retryAfterSeconds() const;
  IngestPipelineStats stats() const;

 private:
  void work();

  const Clock& clock_;
  const size_t capacity_;
  const std::chrono::milliseconds max_wait_;
  mutable std::mutex mutex_;
  std::condition_variable jobs_cv_;      // a job was queued, or stopping
  std::condition_variable finished_cv_;  // a report finished (the destructor waits for none in flight)
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_
  std::map<Ticket, MonotonicTime> admitted_;  // guarded by mutex_: admission time of each in flight
  Ticket next_ticket_ = 1;                    // guarded by mutex_
  uint64_t refused_total_ = 0;                // guarded by mutex_
  uint64_t finished_total_ = 0;               // guarded by mutex_
  // Acknowledgement rate: finished_total_ at the start of the current one-second window and of
  // the previous one's, for retryAfterSeconds. Guarded by mutex_.
  MonotonicTime rate_window_start_{};
  uint64_t rate_window_finished_ = 0;
  double finished_per_second_ = 0;
  bool stopping_ = false;      // guarded by mutex_: admit() refuses
  bool workers_exit_ = false;  // guarded by mutex_: nothing is in flight any more
  std::vector<std::thread> workers_;
};

}  // namespace kubemonitor::server
