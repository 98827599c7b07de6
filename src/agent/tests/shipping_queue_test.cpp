#include "agent/shipping_queue.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace kubemonitor::agent {
namespace {

// Refuses the first `failures` sends with kRetryLater, then records what it receives.
class ScriptedSink final : public ReportSink {
 public:
  explicit ScriptedSink(int failures) : failures_left_(failures) {}
  SendOutcome send(const EncodedReport& report) override {
    std::lock_guard lock(mutex_);
    ++attempts_;
    if (failures_left_ > 0) {
      --failures_left_;
      return SendOutcome::kRetryLater;
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
