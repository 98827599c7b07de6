#include "procfs/proc_stat.h"

#include <gtest/gtest.h>

#include "procfs/tests/fixture.h"

namespace kubemonitor::procfs {
namespace {

TEST(ProcStatTest, CapturedDebian12) {
  const auto host = testing::fixtureHost();
  auto stat = parseProcStat(testing::readFixture(host.paths().procStat()));
  ASSERT_TRUE(stat.ok()) << stat.error().toString();
  // cpu  4341 0 2378 367588 598 0 50 84 0 0
  EXPECT_EQ(stat->cpu_total.user, 4341u);
  EXPECT_EQ(stat->cpu_total.nice, 0u);
  EXPECT_EQ(stat->cpu_total.system, 2378u);
  EXPECT_EQ(stat->cpu_total.idle, 367588u);
  EXPECT_EQ(stat->cpu_total.iowait, 598u);
  EXPECT_EQ(stat->cpu_total.softirq, 50u);
  EXPECT_EQ(stat->cpu_total.steal, 84u);
  EXPECT_EQ(stat->cpu_total.total(), 4341u + 2378 + 367588 + 598 + 50 + 84);
  EXPECT_EQ(stat->cpu_total.busy(), 4341u + 2378 + 50 + 84);
  EXPECT_EQ(stat->cpu_count, 2u);
  EXPECT_EQ(stat->boot_time_seconds, 1795337009u);
  EXPECT_EQ(stat->context_switches, 330321u);
  EXPECT_EQ(stat->processes_running, 1u);
}

// A 4.19 kernel, 4 CPUs, 10 columns with guest time (inside user, so not added to total()).
TEST(ProcStatTest, Kernel4WithGuestColumns) {
  constexpr std::string_view kText =
      "cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0\n"
      "cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0\n"
      "cpu1 1335218 39088 456340 11148456 2616 0 2276 0 45036 0\n"
      "cpu2 1243890 28780 413215 11167897 3978 0 2473 0 53547 0\n"
      "cpu3 1204327 24892 391434 11168837 3959 0 2570 0 53111 0\n"
      "intr 199292 0 0 0\n"
      "ctxt 19325131\n"
      "btime 1540000000\n"
      "processes 94765\n"
      "procs_running 3\n"
      "procs_blocked 0\n"
      "softirq 7213423 14 2513322 11 18567 244929 0 11 2278862 0 2157707\n";
  auto stat = parseProcStat(kText);
  ASSERT_TRUE(stat.ok()) << stat.error().toString();
  EXPECT_EQ(stat->cpu_count, 4u);
  EXPECT_EQ(stat->cpu_total.guest, 175628u);
  EXPECT_EQ(stat->cpu_total.total(), 10132153u + 290696 + 3084719 + 46828483 + 16683 + 25195);
  EXPECT_EQ(stat->processes_running, 3u);
}

// 2.6.18 (RHEL 5) prints 8 columns, 2.4 only 4: missing columns read 0.
TEST(ProcStatTest, OlderKernelsWithFewerColumns) {
  auto eight = parseProcStat(
      "cpu  100 2 30 4000 5 6 7 8\ncpu0 100 2 30 4000 5 6 7 8\nctxt 9\nbtime 10\nprocs_running 1\n");
  ASSERT_TRUE(eight.ok()) << eight.error().toString();
  EXPECT_EQ(eight->cpu_total.steal, 8u);
  EXPECT_EQ(eight->cpu_total.guest, 0u);
  auto four = parseProcStat("cpu  100 2 30 4000\ncpu0 100 2 30 4000\nctxt 9\nbtime 10\nprocs_running 1\n");
  ASSERT_TRUE(four.ok()) << four.error().toString();
  EXPECT_EQ(four->cpu_total.total(), 4132u);
  EXPECT_EQ(four->cpu_total.iowait, 0u);
}

TEST(ProcStatTest, Errors) {
  EXPECT_EQ(parseProcStat("").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseProcStat("cpu  1 2 3 4\ncpu0 1 2").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseProcStat("cpu  1 2 3\ncpu0 1 2 3 4\nctxt 9\nbtime 10\nprocs_running 1\n").error().code,
            ErrorCode::kTruncated);
  auto garbled = parseProcStat("cpu  1 2 x3 4\ncpu0 1 2 3 4\nctxt 9\nbtime 10\nprocs_running 1\n");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().code, ErrorCode::kParse);
  EXPECT_EQ(garbled.error().message, "line 1: field system is not an unsigned integer: 'x3'");
  EXPECT_EQ(garbled.error().subject, "stat");
  EXPECT_EQ(parseProcStat("cpu0 1 2 3 4\nctxt 9\nbtime 10\nprocs_running 1\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parseProcStat("cpu  1 2 3 4\ncpu0 1 2 3 4\nctxt 9\nprocs_running 1\n").error().code,
            ErrorCode::kParse);
  EXPECT_EQ(parseProcStat("cpu  1 2 3 4\ncpu0 1 2 3 4\nctxt -9\nbtime 10\nprocs_running 1\n").error().code,
            ErrorCode::kParse);
}

}  // namespace
}  // namespace kubemonitor::procfs
