// The ingest pipeline alone: the admission bound, ages, Retry-After, and a shutdown that waits for
// every admitted report's answer.

#include "server/ingest_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "common/testing/fake_clock.h"

namespace kubemonitor::server {
namespace {

using namespace std::chrono_literals;

TEST(IngestPipelineTest, AdmitsUpToItsCapacityThenRefusesAndCounts) {
  FakeClock clock;
  IngestPipeline pipeline(1, 3, 0ms, clock);
  std::vector<IngestPipeline::Ticket> tickets;
  for (int i = 0; i < 3; ++i) {
    auto ticket = pipeline.admit();
    ASSERT_TRUE(ticket);
    tickets.push_back(*ticket);
  }
  EXPECT_FALSE(pipeline.admit());
  EXPECT_FALSE(pipeline.admit());
  IngestPipelineStats stats = pipeline.stats();
  EXPECT_EQ(stats.in_flight, 3U);
  EXPECT_EQ(stats.capacity, 3U);
  EXPECT_EQ(stats.refused_total, 2U);
  EXPECT_EQ(stats.admitted_total, 3U);
  pipeline.finish(tickets[1]);
  EXPECT_TRUE(pipeline.admit());  // room again
  pipeline.finish(tickets[1]);    // twice: ignored
  EXPECT_EQ(pipeline.stats().finished_total, 1U);
  pipeline.finish(tickets[0]);
  pipeline.finish(tickets[2]);
  pipeline.finish(4);
  EXPECT_EQ(pipeline.stats().in_flight, 0U);
}

TEST(IngestPipelineTest, RefusesOnceTheOldestInFlightHasWaitedTooLong) {
  FakeClock clock;
  IngestPipeline pipeline(1, 1000, 500ms, clock);
  const auto first = *pipeline.admit();
  clock.advance(300ms);
  const auto second = *pipeline.admit();
  clock.advance(200ms);
  EXPECT_TRUE(pipeline.admit());  // the oldest has waited 500 ms: not longer than the bound
  clock.advance(1ms);
  EXPECT_FALSE(pipeline.admit());  // far below the count, but admitted reports would wait too long
  EXPECT_EQ(pipeline.stats().refused_total, 1U);
  pipeline.finish(first);  // the oldest is now the second, 201 ms old: admission resumes
  EXPECT_TRUE(pipeline.admit());
  pipeline.finish(second);
  pipeline.finish(3);
  pipeline.finish(4);
}

TEST(IngestPipelineTest, OldestUnacknowledgedAgeFollowsTheOldestStillInFlight) {
  FakeClock clock;
  IngestPipeline pipeline(1, 10, 0ms, clock);
  EXPECT_EQ(pipeline.stats().oldest_unacknowledged_ms, 0);
  const auto first = *pipeline.admit();
  clock.advance(400ms);
  const auto second = *pipeline.admit();
  clock.advance(100ms);
  EXPECT_EQ(pipeline.stats().oldest_unacknowledged_ms, 500);
  pipeline.finish(first);
  EXPECT_EQ(pipeline.stats().oldest_unacknowledged_ms, 100);
  pipeline.finish(second);
  EXPECT_EQ(pipeline.stats().oldest_unacknowledged_ms, 0);
}

TEST(IngestPipelineTest, RetryAfterIsTheDrainTimeAtTheRecentRate) {
  FakeClock clock;
  IngestPipeline pipeline(1, 1000, 0ms, clock);
  EXPECT_EQ(pipeline.retryAfterSeconds(), 1);  // nothing measured yet
  // 100 acknowledged over 2 s: 50/s; 400 in flight drain in 8 s.
  for (int i = 0; i < 100; ++i) {
    const auto ticket = *pipeline.admit();
    clock.advance(20ms);
    pipeline.finish(ticket);
  }
  std::vector<IngestPipeline::Ticket> in_flight;
  for (int i = 0; i < 400; ++i) in_flight.push_back(*pipeline.admit());
  EXPECT_EQ(pipeline.retryAfterSeconds(), 8);
  for (auto ticket : in_flight) pipeline.finish(ticket);  // else the destructor waits for them
}

TEST(IngestPipelineTest, JobsRunOnWorkersAndShutdownWaitsForEveryAdmittedAnswer) {
  SystemClock clock;
  std::atomic<int> answered{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread late_answer;
  {
    IngestPipeline pipeline(2, 100, 0ms, clock);
    EXPECT_EQ(pipeline.stats().workers, 2U);
    for (int i = 0; i < 10; ++i) {
      const auto ticket = *pipeline.admit();
      pipeline.post([&, ticket] {
        EXPECT_NE(std::this_thread::get_id(), std::thread::id());
        answered.fetch_add(1);
        pipeline.finish(ticket);
      });
    }
    // One report whose answer comes from elsewhere (the storage's flusher) after a while.
    const auto slow = *pipeline.admit();
    late_answer = std::thread([&, slow] {
      released.wait();
      answered.fetch_add(1);
      pipeline.finish(slow);
    });
    release.set_value();
  }  // the destructor returns only once all eleven are answered
  EXPECT_EQ(answered.load(), 11);
  late_answer.join();
}

}  // namespace
}  // namespace kubemonitor::server
