#include "server/ingest_pipeline.h"

#include <algorithm>
#include <cmath>

#include "common/thread_name.h"

namespace kubemonitor::server {
namespace {

constexpr auto kRateWindow = std::chrono::seconds(1);
constexpr int kMaxRetryAfterSeconds = 30;

}  // namespace

IngestPipeline::IngestPipeline(unsigned workers, size_t capacity, std::chrono::milliseconds max_wait, const Clock& clock)
    : clock_(clock),
      capacity_(std::max<size_t>(capacity, 1)),
      max_wait_(max_wait),
      rate_window_start_(clock.monotonicNow()) {
  const unsigned count = std::max(workers, 1U);
  workers_.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    workers_.emplace_back([this] {
      nameThisThread("km-ingest");
      work();
    });
  }
}

IngestPipeline::~IngestPipeline() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  jobs_cv_.notify_all();
  // Queued jobs still run (the workers drain the queue before they stop); their storage callbacks
  // call finish() from the storage's threads, which must not find the pipeline gone.
  finished_cv_.wait(lock, [&] { return admitted_.empty() && jobs_.empty(); });
  workers_exit_ = true;
  jobs_cv_.notify_all();
  lock.unlock();
  for (auto& worker : workers_) worker.join();
}

std::optional<IngestPipeline::Ticket> IngestPipeline::admit() {
  const MonotonicTime now = clock_.monotonicNow();
  std::lock_guard lock(mutex_);
  // Tickets grow with admission time: the first one is the oldest.
  const bool too_slow = max_wait_.count() > 0 && !admitted_.empty() && now - admitted_.begin()->second > max_wait_;
  if (stopping_ || admitted_.size() >= capacity_ || too_slow) {
    ++refused_total_;
    return std::nullopt;
  }
  const Ticket ticket = next_ticket_++;
  admitted_.emplace_hint(admitted_.end(), ticket, now);
  return ticket;
}

void IngestPipeline::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  jobs_cv_.notify_one();
}

void IngestPipeline::finish(Ticket ticket) {
  const MonotonicTime now = clock_.monotonicNow();
  {
    std::lock_guard lock(mutex_);
    if (admitted_.erase(ticket) == 0) return;
    ++finished_total_;
    if (now - rate_window_start_ >= kRateWindow) {
      const double seconds = std::chrono::duration<double>(now - rate_window_start_).count();
      finished_per_second_ = static_cast<double>(finished_total_ - rate_window_finished_) / seconds;
      rate_window_start_ = now;
      rate_window_finished_ = finished_total_;
    }
    // Under the lock: the destructor may be waiting for this very report and must not destroy
    // the condition variable while it is being notified.
    finished_cv_.notify_all();
  }
}

int IngestPipeline::retryAfterSeconds() const {
  std::lock_guard lock(mutex_);
  if (finished_per_second_ <= 0) return 1;
  const double drain_seconds = static_cast<double>(admitted_.size()) / finished_per_second_;
  return std::clamp(static_cast<int>(std::ceil(drain_seconds)), 1, kMaxRetryAfterSeconds);
}

IngestPipelineStats IngestPipeline::stats() const {
  const MonotonicTime now = clock_.monotonicNow();
  std::lock_guard lock(mutex_);
  IngestPipelineStats stats;
  stats.in_flight = admitted_.size();
  stats.capacity = capacity_;
  stats.queued = jobs_.size();
  stats.workers = static_cast<unsigned>(workers_.size());
  if (!admitted_.empty()) {
    // Tickets grow with admission time: the first one is the oldest.
    stats.oldest_unacknowledged_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - admitted_.begin()->second).count();
  }
  stats.admitted_total = next_ticket_ - 1;
  stats.refused_total = refused_total_;
  stats.finished_total = finished_total_;
  return stats;
}

void IngestPipeline::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    jobs_cv_.wait(lock, [&] { return workers_exit_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // nothing admitted is left
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
    if (jobs_.empty()) finished_cv_.notify_all();  // the destructor waits for an empty queue too
  }
}

}  // namespace kubemonitor::server
