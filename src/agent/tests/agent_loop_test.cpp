#include "agent/agent_loop.h"

#include <gtest/gtest.h>

#include <functional>
#include <mutex>

#include "agent/heartbeat.h"
#include "common/compression.h"
#include "common/testing/child_process.h"
#include "common/testing/fake_clock.h"
#include "hostfs/testing/fake_host_fs.h"
#include "model/report_json.h"

namespace kubemonitor::agent {
namespace {

// /proc/stat with `busy` user ticks and `idle` idle ticks on 2 CPUs.
std::string procStat(uint64_t busy, uint64_t idle) {
  return "cpu  " + std::to_string(busy) + " 0 0 " + std::to_string(idle) +
         " 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\nctxt 1\nbtime 1700000000\n"
         "processes 10\nprocs_running 1\nprocs_blocked 0\n";
}

constexpr const char* kMeminfo =
    "MemTotal:        8000000 kB\nMemFree:         1000000 kB\nMemAvailable:    5000000 kB\n"
    "Buffers:           10000 kB\nCached:          3000000 kB\nSReclaimable:      20000 kB\nAnonPages:       2000000 kB\n";

std::string netDev(uint64_t eth0_rx) {
  return "Inter-|   Receive                                                |  Transmit\n"
         " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
         "    lo:  999999      9    0    0    0     0          0         0   999999       9    0    0    0     0       0          0\n"
         "  eth0: " + std::to_string(eth0_rx) + "     10    0    0    0     0          0         0     2000      20    0    0    0     0       0          0\n"
         "veth12:  555555      5    0    0    0     0          0         0   555555       5    0    0    0     0       0          0\n";
}

std::string diskstats(uint64_t vda_sectors_read) {
  // Fields after the name: reads completed, reads merged, sectors read, ... (Documentation/admin-guide/iostats.rst).
  return " 254       0 vda 0 0 " + std::to_string(vda_sectors_read) +
         " 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
         " 254       1 vda1 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
         " 253       0 dm-0 100 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
}

// 5 s interval, 15 min buffer, no heartbeat file.
AgentConfig testConfig(std::string node) {
  AgentConfig config;
  config.node_name = std::move(node);
  config.interval = std::chrono::seconds(5);
  config.buffer = std::chrono::minutes(15);
  return config;
}

// Moves the fake clock to each deadline instead of sleeping, runs a hook that changes the fake
// /proc, and asks the loop to stop after `wakes` wake-ups.
class FakeWaiter final : public Waiter {
 public:
  FakeWaiter(FakeClock& clock, int wakes, std::function<void()> on_wake)
      : clock_(clock), wakes_left_(wakes), on_wake_(std::move(on_wake)) {}
  bool sleepUntil(WallTime deadline) override {
    if (wakes_left_-- <= 0) return false;
    if (deadline > clock_.wallNow()) clock_.advance(deadline - clock_.wallNow());
    on_wake_();
    return true;
  }

 private:
  FakeClock& clock_;
  int wakes_left_;
  std::function<void()> on_wake_;
};

class RecordingSink final : public ReportSink {
 public:
  SendResult send(const EncodedReport& encoded) override {
    auto json = decompress(ContentEncoding::kZstd, encoded.body, 1 << 20);
    EXPECT_TRUE(json.ok());
    auto report = model::decodeReport(*json);
    EXPECT_TRUE(report.ok()) << report.error().toString();
    std::lock_guard lock(mutex_);
    reports_.push_back(*report);
    return SendOutcome::kDelivered;
  }
  std::vector<model::Report> reports() {
    std::lock_guard lock(mutex_);
    return reports_;
  }

 private:
  std::mutex mutex_;
  std::vector<model::Report> reports_;
};

class AgentLoopTest : public ::testing::Test {
 protected:
  AgentLoopTest() : clock_(WallTime{std::chrono::milliseconds(1'800'000'001'234)}) {
    const auto& p = fs_.paths();
    fs_.addFile(p.procStat(), procStat(0, 0));
    fs_.addFile(p.procMeminfo(), kMeminfo);
    fs_.addFile(p.procPidNetDev(1), netDev(0));
    fs_.addFile(p.procDiskstats(), diskstats(0));
    fs_.addFile(p.procUptime(), "1234.50 2000.00\n");
    fs_.setFsStats(p.procPidRoot(1), hostfs::FsStats{100'000, 40'000, 30'000});
  }

  // Each wake: 5 s pass; 2 CPUs × 5 s = 1000 ticks, of which `busy_per_tick` busy.
  void advanceCounters(uint64_t busy_ticks, uint64_t idle_ticks) {
    busy_ += busy_ticks;
    idle_ += idle_ticks;
    rx_ += 50'000;
    sectors_ += 20;
    const auto& p = fs_.paths();
    fs_.addFile(p.procStat(), procStat(busy_, idle_));
    if (!optional_files_present_) return;
    fs_.addFile(p.procPidNetDev(1), netDev(rx_));
    fs_.addFile(p.procDiskstats(), diskstats(sectors_));
  }

  hostfs::FakeHostFs fs_;
  FakeClock clock_;
  uint64_t busy_ = 0, idle_ = 0, rx_ = 0, sectors_ = 0;
  bool optional_files_present_ = true;  // false: advanceCounters leaves diskstats and net/dev absent
};

TEST_F(AgentLoopTest, OneReportPerIntervalOnTheGridWithExactRates) {
  FakeWaiter waiter(clock_, 3, [&] { advanceCounters(500, 500); });
  AgentConfig config = testConfig("node-a");
  AgentLoop loop(config, fs_, clock_, waiter);
  RecordingSink sink;
  EXPECT_EQ(loop.run(sink), 3U);
  const auto reports = sink.reports();
  ASSERT_EQ(reports.size(), 3U);
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].node, "node-a");
    EXPECT_EQ(reports[i].timestamp_ms % 5000, 0) << "snapped to the 5 s grid";
    if (i > 0) {
      EXPECT_EQ(reports[i].timestamp_ms - reports[i - 1].timestamp_ms, 5000);
    }
  }
  // From the second report on, each covers exactly 5 s: 500 busy ticks / 100 Hz / 5 s = 1 CPU.
  const model::NodeUsage& usage = reports[2].node_usage;
  EXPECT_DOUBLE_EQ(usage.cpu_millicores, 1000.0);
  EXPECT_EQ(usage.cpu_capacity_millicores, 2000U);
  EXPECT_DOUBLE_EQ(usage.network_rx_bytes_per_sec, 10'000.0);  // eth0 only, not lo or veth
  EXPECT_DOUBLE_EQ(usage.disk_read_bytes_per_sec, 20.0 * 512 / 5);  // vda only, not vda1 or dm-0
  EXPECT_EQ(usage.memory_working_set_bytes, 3'000'000ULL * 1024);
  EXPECT_EQ(usage.filesystem_capacity_bytes, 100'000U);
  EXPECT_EQ(usage.filesystem_used_bytes, 60'000U);
  EXPECT_DOUBLE_EQ(usage.uptime_seconds, 1234.5);
}

TEST_F(AgentLoopTest, MissingOptionalFilesReportZeroButStillReport) {
  fs_.removeFile(fs_.paths().procDiskstats());
  fs_.removeFile(fs_.paths().procPidNetDev(1));
  optional_files_present_ = false;
  FakeWaiter waiter(clock_, 2, [&] { advanceCounters(100, 900); });
  AgentLoop loop(testConfig("node-b"), fs_, clock_, waiter);
  RecordingSink sink;
  loop.run(sink);
  const auto reports = sink.reports();
  ASSERT_EQ(reports.size(), 2U);
  EXPECT_EQ(reports[1].node_usage.disk_read_bytes, 0U);
  EXPECT_DOUBLE_EQ(reports[1].node_usage.cpu_millicores, 200.0);
}

TEST_F(AgentLoopTest, UnreadableCpuCountersSkipTheCycleInsteadOfReportingGarbage) {
  int wake = 0;
  FakeWaiter waiter(clock_, 3, [&] {
    advanceCounters(500, 500);
    if (++wake == 2) fs_.addFile(fs_.paths().procStat(), "cpu  1 2");  // truncated
  });
  AgentLoop loop(testConfig("node-c"), fs_, clock_, waiter);
  RecordingSink sink;
  loop.run(sink);
  EXPECT_EQ(sink.reports().size(), 2U);  // the broken cycle is skipped, the others are whole
}

TEST_F(AgentLoopTest, CollectOnceWaitsOneIntervalBetweenSamples) {
  FakeWaiter waiter(clock_, 1, [&] { advanceCounters(250, 750); });
  AgentLoop loop(testConfig("node-d"), fs_, clock_, waiter);
  auto report = loop.collectOnce();
  ASSERT_TRUE(report.ok()) << report.error().toString();
  EXPECT_DOUBLE_EQ(report->node_usage.cpu_millicores, 500.0);
}

TEST_F(AgentLoopTest, WritesTheHeartbeatEveryCycle) {
  testing::TempDir dir;
  AgentConfig config = testConfig("node-e");
  config.heartbeat_file = dir.path() + "/heartbeat";
  FakeWaiter waiter(clock_, 2, [&] { advanceCounters(100, 900); });
  AgentLoop loop(config, fs_, clock_, waiter);
  RecordingSink sink;
  loop.run(sink);
  const int64_t now_s = toUnixMs(clock_.wallNow()) / 1000;
  EXPECT_TRUE(checkHeartbeat(config.heartbeat_file, now_s, std::chrono::seconds(0)).ok());
}

TEST(SnapToGridTest, FloorsToTheInterval) {
  EXPECT_EQ(snapToGrid(1'800'000'001'234, 5000), 1'800'000'000'000);
  EXPECT_EQ(snapToGrid(10'000, 5000), 10'000);
  EXPECT_EQ(snapToGrid(-1, 5000), -5000);
}

}  // namespace
}  // namespace kubemonitor::agent
