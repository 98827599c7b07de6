#include "agent/node_usage.h"

#include <gtest/gtest.h>

namespace kubemonitor::agent {
namespace {

NodeSnapshot baseline() {
  NodeSnapshot s;
  s.taken_at = MonotonicTime{std::chrono::seconds(100)};
  s.cpu.user = 10'000;
  s.cpu.system = 2'000;
  s.cpu.idle = 50'000;
  s.cpu.iowait = 300;
  s.cpu_count = 2;
  s.memory.mem_total_bytes = 8ULL << 30;
  s.memory.mem_free_bytes = 1ULL << 30;
  s.memory.mem_available_bytes = 5ULL << 30;
  s.memory.has_mem_available = true;
  s.memory.buffers_bytes = 100ULL << 20;
  s.memory.cached_bytes = 3ULL << 30;
  s.memory.s_reclaimable_bytes = 200ULL << 20;
  s.memory.anon_pages_bytes = 2ULL << 30;
  s.disk_read_bytes = 1'000'000;
  s.disk_write_bytes = 2'000'000;
  s.network_rx_bytes = 5'000;
  s.network_tx_bytes = 7'000;
  return s;
}

TEST(NodeUsageTest, CpuMillicoresUseTheMeasuredElapsedTime) {
  NodeSnapshot before = baseline();
  NodeSnapshot after = before;
  // 4 s measured (not the nominal 5 s): 400 busy ticks at 100 Hz = 4 CPU-seconds → 1000 m.
  after.taken_at += std::chrono::seconds(4);
  after.cpu.user += 300;
  after.cpu.system += 100;
  after.cpu.idle += 350;
  after.cpu.iowait += 50;  // waiting for I/O is idle time, not usage
  const model::NodeUsage usage = computeNodeUsage(before, after);
  EXPECT_DOUBLE_EQ(usage.cpu_millicores, 1000.0);
  EXPECT_EQ(usage.cpu_capacity_millicores, 2000U);
  EXPECT_DOUBLE_EQ(model::cpuPercent(usage), 50.0);
}

TEST(NodeUsageTest, RatesAndCpuCarryThousandthsOfTheirUnit) {
  NodeSnapshot before = baseline();
  NodeSnapshot after = before;
  // 3 s measured: 100 busy ticks → 333.333… m; 1000 bytes → 333.333… B/s. A report carries
  // thousandths (model::toReportedPrecision), which the storage keeps as exact integers.
  after.taken_at += std::chrono::seconds(3);
  after.cpu.user += 100;
  after.disk_read_bytes += 1000;
  after.network_rx_bytes += 2000;
  const model::NodeUsage usage = computeNodeUsage(before, after);
  EXPECT_EQ(usage.cpu_millicores, 333.333);
  EXPECT_EQ(usage.disk_read_bytes_per_sec, 333.333);
  EXPECT_EQ(usage.network_rx_bytes_per_sec, 666.667);
}

TEST(NodeUsageTest, MemoryFollowsMeminfoDefinitions) {
  const model::NodeUsage usage = computeNodeUsage(baseline(), baseline());
  EXPECT_EQ(usage.memory_capacity_bytes, 8ULL << 30);
  EXPECT_EQ(usage.memory_working_set_bytes, 3ULL << 30);  // total − available
  // total − free − buffers − cached − SReclaimable, as free(1) computes "used"
  EXPECT_EQ(usage.memory_used_bytes, (8ULL << 30) - (1ULL << 30) - (100ULL << 20) - (3ULL << 30) - (200ULL << 20));
  EXPECT_EQ(usage.memory_rss_bytes, 2ULL << 30);
  EXPECT_EQ(usage.memory_cache_bytes, 3ULL << 30);
  EXPECT_EQ(usage.memory_buffers_bytes, 100ULL << 20);
}

TEST(NodeUsageTest, EstimatesAvailableMemoryOnOldKernels) {
  NodeSnapshot s = baseline();
  s.memory.has_mem_available = false;
  const model::NodeUsage usage = computeNodeUsage(s, s);
  const uint64_t available = (1ULL << 30) + (3ULL << 30) + (100ULL << 20);
  EXPECT_EQ(usage.memory_working_set_bytes, (8ULL << 30) - available);
}

TEST(NodeUsageTest, RatesOverTheIntervalAndCumulativeCounters) {
  NodeSnapshot before = baseline();
  NodeSnapshot after = before;
  after.taken_at += std::chrono::milliseconds(2500);
  after.disk_read_bytes += 25'000;
  after.disk_write_bytes += 5'000;
  after.network_rx_bytes += 2'500;
  const model::NodeUsage usage = computeNodeUsage(before, after);
  EXPECT_DOUBLE_EQ(usage.disk_read_bytes_per_sec, 10'000.0);
  EXPECT_DOUBLE_EQ(usage.disk_write_bytes_per_sec, 2'000.0);
  EXPECT_DOUBLE_EQ(usage.network_rx_bytes_per_sec, 1'000.0);
  EXPECT_DOUBLE_EQ(usage.network_tx_bytes_per_sec, 0.0);
  EXPECT_EQ(usage.disk_read_bytes, 1'025'000U);
}

TEST(NodeUsageTest, CounterResetGivesZeroNotNegativeOrHuge) {
  NodeSnapshot before = baseline();
  NodeSnapshot after = before;
  after.taken_at += std::chrono::seconds(5);
  after.network_rx_bytes = 10;  // an interface was re-created
  after.cpu.user = 5;           // impossible on one boot, but must not wrap
  const model::NodeUsage usage = computeNodeUsage(before, after);
  EXPECT_EQ(usage.network_rx_bytes_per_sec, 0.0);
  EXPECT_EQ(usage.cpu_millicores, 0.0);
}

TEST(NodeUsageTest, NoElapsedTimeGivesZeroRates) {
  NodeSnapshot s = baseline();
  NodeSnapshot later = s;
  later.disk_read_bytes += 1000;
  EXPECT_EQ(computeNodeUsage(s, later).disk_read_bytes_per_sec, 0.0);
}

}  // namespace
}  // namespace kubemonitor::agent
