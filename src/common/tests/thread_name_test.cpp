#include "common/thread_name.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace kubemonitor {
namespace {

int niceOf(long tid) { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid)); }

TEST(ThreadPriority, LowersOnlyTheCallingThread) {
  const long main_tid = ::syscall(SYS_gettid);
  const int main_before = niceOf(main_tid);
  int before = 0, after = 0;
  bool lowered = false;
  std::thread worker([&] {
    const long tid = ::syscall(SYS_gettid);
    before = niceOf(tid);
    lowered = lowerThisThreadPriority(5);
    after = niceOf(tid);
  });
  worker.join();
  ASSERT_TRUE(lowered);
  EXPECT_EQ(after, std::min(before + 5, 19));  // the kernel caps nice at 19
  EXPECT_EQ(niceOf(main_tid), main_before);
}

}  // namespace
}  // namespace kubemonitor
