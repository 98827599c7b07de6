#include "common/cpu_count.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <thread>

namespace kubemonitor {
namespace {

TEST(CpuCountTest, FollowsTheAffinityMaskNotTheMachine) {
  EXPECT_GE(usableCpuCount(), 1U);
  EXPECT_LE(usableCpuCount(), std::max(1U, std::thread::hardware_concurrency()));
  // A thread pinned to one CPU (as taskset or a cpuset would) counts one.
  unsigned pinned = 0;
  bool pinned_ok = false;
  std::thread([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    cpu_set_t current;
    CPU_ZERO(&current);
    if (::sched_getaffinity(0, sizeof current, &current) != 0) return;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &current)) {
        CPU_SET(cpu, &one);
        break;
      }
    }
    pinned_ok = ::sched_setaffinity(0, sizeof one, &one) == 0;
    pinned = usableCpuCount();
  }).join();
  ASSERT_TRUE(pinned_ok);
  EXPECT_EQ(pinned, 1U);
}

}  // namespace
}  // namespace kubemonitor
