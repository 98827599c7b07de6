#include "agent/shipping_queue.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace kubemonitor::agent {
namespace {

// Refuses the first `failures` sends with kRetryLater (with `retry_after` when given), then
// records what it receives.
class ScriptedSink final : public ReportSink {
 public:
  explicit ScriptedSink(int failures, std::optional<std::chrono::milliseconds> retry_after = std::nullopt)
      : failures_left_(failures), retry_after_(retry_after) {}
  SendResult send(const EncodedReport& report) override {
    std::lock_guard lock(mutex_);
    ++attempts_;
    if (failures_left_ > 0) {
      --failures_left_;
      return SendResult(SendOutcome::kRetryLater, retry_after_);
    }
    if (report.body == "reject") return SendOutcome::kRejected;
    received_.push_back(report.timestamp_ms);
    received_changed_.notify_all();
    return SendOutcome::kDelivered;
  }
  // Blocks until `count` reports arrived (or 30 s passed, so a bug fails instead of hanging).
  bool waitForReceived(size_t count) {
    std::unique_lock lock(mutex_);
    return received_changed_.wait_for(lock, std::chrono::seconds(30), [&] { return received_.size() >= count; });
  }
  std::vector<int64_t> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  int attempts() const {
    std::lock_guard lock(mutex_);
    return attempts_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable received_changed_;
  int failures_left_;
  const std::optional<std::chrono::milliseconds> retry_after_;
  int attempts_ = 0;
  std::vector<int64_t> received_;
};

TEST(ShippingQueueTest, KeepsTheNewestWhenFull) {
  ShippingQueue queue(3);
  for (int64_t t = 1; t <= 5; ++t) queue.push({t, "r"});
  EXPECT_EQ(queue.size(), 3U);
  EXPECT_EQ(queue.droppedTotal(), 2U);
  queue.close();
  ScriptedSink sink(0);
  const ShipperStats stats = shipUntilClosed(queue, sink);
  EXPECT_EQ(stats.delivered, 3U);
  EXPECT_EQ(sink.received(), (std::vector<int64_t>{3, 4, 5}));
}

TEST(ShippingQueueTest, RetriesInOrderAfterAnOutage) {
  ShippingQueue queue(100);
  ScriptedSink sink(3);  // the server is away for three attempts
  std::thread shipper([&] { shipUntilClosed(queue, sink, std::chrono::milliseconds(1), std::chrono::milliseconds(4)); });
  for (int64_t t = 1; t <= 10; ++t) queue.push({t * 5000, "r"});
  EXPECT_TRUE(sink.waitForReceived(10));
  queue.close();
  shipper.join();
  std::vector<int64_t> expected;
  for (int64_t t = 1; t <= 10; ++t) expected.push_back(t * 5000);
  EXPECT_EQ(sink.received(), expected);  // each once, in order
  EXPECT_EQ(sink.attempts(), 13);
}

TEST(ShippingQueueTest, HonoursTheServersRetryAfterThenDelivers) {
  // The server sheds twice with Retry-After: 20 ms (a full ingest queue), then takes the report.
  ShippingQueue queue(10);
  queue.push({5000, "r"});
  ScriptedSink sink(2, std::chrono::milliseconds(20));
  std::thread shipper([&] { return shipUntilClosed(queue, sink, std::chrono::milliseconds(1), std::chrono::milliseconds(4), 99); });
  EXPECT_TRUE(sink.waitForReceived(1));
  queue.close();
  shipper.join();
  EXPECT_EQ(sink.received(), (std::vector<int64_t>{5000}));  // kept, then delivered once
  EXPECT_EQ(sink.attempts(), 3);
}

TEST(ShippingQueueTest, RetryWaitsFollowRetryAfterNotTheShortBackoff) {
  ShipperStats stats;
  // Open queue: every wait is at least the 20 ms the server asked for, never the 1–4 ms backoff.
  ShippingQueue open_queue(10);
  open_queue.push({1, "r"});
  ScriptedSink sheds_three(3, std::chrono::milliseconds(20));
  std::thread shipper([&] { stats = shipUntilClosed(open_queue, sheds_three, std::chrono::milliseconds(1), std::chrono::milliseconds(4), 5); });
  EXPECT_TRUE(sheds_three.waitForReceived(1));
  open_queue.close();
  shipper.join();
  EXPECT_EQ(stats.retry_after_honoured, 3U);
  EXPECT_GE(stats.waited, std::chrono::milliseconds(60));
  EXPECT_LE(stats.waited, std::chrono::milliseconds(72));  // + jitter of at most the 4 ms cap each
}

TEST(ShippingQueueTest, DropsRejectedReportsAndGoesOn) {
  ShippingQueue queue(10);
  queue.push({1, "r"});
  queue.push({2, "reject"});
  queue.push({3, "r"});
  queue.close();
  ScriptedSink sink(0);
  const ShipperStats stats = shipUntilClosed(queue, sink);
  EXPECT_EQ(stats.delivered, 2U);
  EXPECT_EQ(stats.rejected, 1U);
  EXPECT_EQ(queue.size(), 0U);
}

TEST(ShippingQueueTest, CloseWhileTheServerIsAwayKeepsWhatIsUnsent) {
  ShippingQueue queue(10);
  queue.push({1, "r"});
  queue.push({2, "r"});
  queue.close();
  ScriptedSink sink(1000);
  const ShipperStats stats = shipUntilClosed(queue, sink, std::chrono::milliseconds(1), std::chrono::milliseconds(1));
  EXPECT_EQ(stats.delivered, 0U);
  EXPECT_EQ(queue.size(), 2U);  // nothing dropped silently
}

}  // namespace
}  // namespace kubemonitor::agent
