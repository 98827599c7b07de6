#include "agent/shipping_queue.h"

#include <algorithm>
#include <random>

#include "agent/retry_backoff.h"

namespace kubemonitor::agent {

ShippingQueue::ShippingQueue(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void ShippingQueue::push(EncodedReport report) {
  {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= capacity_) {
      entries_.pop_front();
      ++dropped_total_;
    }
    entries_.push_back(Entry{next_sequence_++, std::make_shared<const EncodedReport>(std::move(report))});
  }
  changed_.notify_all();
}

ShippingQueue::Entry ShippingQueue::waitFront() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return !entries_.empty() || closed_; });
  if (entries_.empty()) return {};
  return entries_.front();
}

void ShippingQueue::pop(uint64_t sequence) {
  std::lock_guard lock(mutex_);
  if (!entries_.empty() && entries_.front().sequence == sequence) entries_.pop_front();
}

bool ShippingQueue::waitRetry(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, delay, [&] { return closed_; });
}

void ShippingQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

size_t ShippingQueue::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

uint64_t ShippingQueue::droppedTotal() const {
  std::lock_guard lock(mutex_);
  return dropped_total_;
}

ShipperStats shipUntilClosed(ShippingQueue& queue, ReportSink& sink, std::chrono::milliseconds initial_backoff,
                             std::chrono::milliseconds max_backoff, uint64_t seed) {
  ShipperStats stats;
  RetryBackoff backoff(initial_backoff, max_backoff, seed != 0 ? seed : std::random_device{}());
  bool draining = false;  // closed: one last pass, no waiting
  while (true) {
    ShippingQueue::Entry entry = queue.waitFront();
    if (!entry.report) break;
    const SendResult sent = sink.send(*entry.report);
    if (sent.outcome == SendOutcome::kRetryLater) {
      ++stats.retries;
      if (draining) break;
      if (sent.retry_after) ++stats.retry_after_honoured;
      const std::chrono::milliseconds wait = backoff.next(sent.retry_after);
      stats.waited += wait;
      if (!queue.waitRetry(wait)) draining = true;
      continue;
    }
    (sent.outcome == SendOutcome::kDelivered ? stats.delivered : stats.rejected) += 1;
    backoff.reset();
    queue.pop(entry.sequence);
  }
  return stats;
}

}  // namespace kubemonitor::agent
