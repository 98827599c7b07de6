// Wal::whenDurable: acknowledgements that no thread waits for. Each test holds the WAL's sync back
// (HeldSync) to see exactly what happens before and after the disk answers.

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <vector>

#include "common/testing/child_process.h"
#include "tsdb/testing/held_sync.h"
#include "tsdb/wal.h"

namespace kubemonitor::tsdb {
namespace {

using namespace std::chrono_literals;
using kubemonitor::testing::TempDir;
using tsdb::testing::HeldSync;

// Collects callback answers from whichever thread gives them.
class Answers {
 public:
  Wal::DurableCallback record(uint64_t lsn) {
    return [this, lsn](Status status) {
      std::lock_guard lock(mutex_);
      answers_.emplace_back(lsn, status.ok() ? std::string() : status.error().toString());
      changed_.notify_all();
    };
  }
  bool waitFor(size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return answers_.size() >= count; });
  }
  std::vector<std::pair<uint64_t, std::string>> all() {
    std::lock_guard lock(mutex_);
    return answers_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<uint64_t, std::string>> answers_;  // (lsn, error text; empty = ok)
};

std::vector<uint8_t> payload(uint8_t value) { return std::vector<uint8_t>(64, value); }

std::unique_ptr<Wal> openWith(const TempDir& dir, WalSyncFunction sync) {
  WalOptions options;
  options.sync_interval_ms = 1;
  options.sync_file = std::move(sync);
  auto wal = Wal::open(dir.path() + "/wal", options);
  EXPECT_TRUE(wal.ok()) << wal.error().toString();
  return wal ? std::move(*wal) : nullptr;
}

TEST(WalDurableCallbackTest, AnsweredOnlyOnceTheHeldSyncCompletes) {
  TempDir dir;
  HeldSync sync;
  auto wal = openWith(dir, sync.function());
  ASSERT_TRUE(wal);
  sync.hold();
  Answers answers;
  std::vector<uint64_t> lsns;
  for (uint8_t i = 0; i < 5; ++i) {
    auto lsn = wal->append(payload(i));
    ASSERT_TRUE(lsn.ok());
    lsns.push_back(*lsn);
    wal->whenDurable(*lsn, answers.record(*lsn));  // returns at once: nobody waits for the disk
  }
  ASSERT_TRUE(sync.waitUntilASyncIsHeld(10s));
  EXPECT_TRUE(answers.all().empty());  // the sync has begun but not ended: nothing acknowledged
  EXPECT_LT(wal->stats().durable_lsn, lsns.front());
  // Appends go on while the disk is busy.
  auto more = wal->append(payload(9));
  ASSERT_TRUE(more.ok());
  wal->whenDurable(*more, answers.record(*more));
  sync.release();
  ASSERT_TRUE(answers.waitFor(6));
  for (const auto& [lsn, error] : answers.all()) EXPECT_EQ(error, "") << "LSN " << lsn;
  EXPECT_GE(wal->stats().durable_lsn, *more);
  // Already durable: answered on the caller's thread, before whenDurable returns.
  bool answered_inline = false;
  wal->whenDurable(lsns.front(), [&](Status status) { answered_inline = status.ok(); });
  EXPECT_TRUE(answered_inline);
}

TEST(WalDurableCallbackTest, AFailedSyncAnswersEveryWaiterWithItsError) {
  TempDir dir;
  std::atomic<bool> fail{false};
  auto wal = openWith(dir, [&](int fd) {
    if (!fail.load()) return ::fdatasync(fd);
    errno = EIO;
    return -1;
  });
  ASSERT_TRUE(wal);
  fail = true;
  Answers answers;
  for (uint8_t i = 0; i < 3; ++i) {
    auto lsn = wal->append(payload(i));
    ASSERT_TRUE(lsn.ok());
    wal->whenDurable(*lsn, answers.record(*lsn));
  }
  ASSERT_TRUE(answers.waitFor(3));
  for (const auto& [lsn, error] : answers.all()) EXPECT_NE(error.find("cannot sync the WAL"), std::string::npos) << error;
  // Sticky: later appends are refused, so nothing is acknowledged that the kernel may have lost.
  EXPECT_FALSE(wal->append(payload(7)).ok());
}

TEST(WalDurableCallbackTest, ClosingTheWalSyncsAndAnswersWhatIsWaiting) {
  TempDir dir;
  HeldSync sync;
  Answers answers;
  {
    auto wal = openWith(dir, sync.function());
    ASSERT_TRUE(wal);
    sync.hold();
    auto lsn = wal->append(payload(1));
    ASSERT_TRUE(lsn.ok());
    wal->whenDurable(*lsn, answers.record(*lsn));
    ASSERT_TRUE(sync.waitUntilASyncIsHeld(10s));
    sync.release();  // the destructor joins the flusher, which finishes its sync
  }
  ASSERT_TRUE(answers.waitFor(1, 0ms));  // answered before the destructor returned
  EXPECT_EQ(answers.all().front().second, "");
}

TEST(WalDurableCallbackTest, UnknownLsnIsAnErrorAtOnce) {
  TempDir dir;
  auto wal = openWith(dir, {});
  ASSERT_TRUE(wal);
  Status answer;
  wal->whenDurable(1, [&](Status status) { answer = std::move(status); });
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kubemonitor::tsdb
