#include "agent/pod_network.h"

#include <gtest/gtest.h>

#include "hostfs/testing/fake_host_fs.h"

namespace kubemonitor::agent {
namespace {

std::string netDev(uint64_t eth0_rx, uint64_t eth0_tx) {
  return "Inter-|   Receive                                                |  Transmit\n"
         " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
         "    lo:  999999      9    0    0    0     0          0         0   999999       9    0    0    0     0       0          0\n"
         "  eth0: " + std::to_string(eth0_rx) + "     10    1    2    0     0          0         0 " +
         std::to_string(eth0_tx) + "      20    3    4    0     0       0          0\n";
}

class PodNetworkTest : public ::testing::Test {
 protected:
  PodNetworkTest() {
    const auto& p = fs_.paths();
    fs_.addLink(p.procPidNetNs(1), kHostNs);
    addProcess(100, "nginx", "net:[4026532300]", netDev(5000, 7000));
    addProcess(90, "pause", "net:[4026532300]", netDev(5000, 7000));
  }
  void addProcess(int pid, const std::string& comm, const std::string& ns, const std::string& net_dev) {
    const auto& p = fs_.paths();
    fs_.addFile(p.procPidComm(pid), comm + "\n");
    fs_.addLink(p.procPidNetNs(pid), ns);
    fs_.addFile(p.procPidNetDev(pid), net_dev);
  }
  static constexpr const char* kHostNs = "net:[4026531840]";
  hostfs::FakeHostFs fs_;
};

TEST_F(PodNetworkTest, SumsInterfacesWithoutLoopback) {
  auto sample = readPodNetwork(fs_, {100, 90}, kHostNs);
  ASSERT_TRUE(sample.ok()) << sample.error().toString();
  EXPECT_FALSE(sample->host_network);
  EXPECT_EQ(sample->namespace_id, "net:[4026532300]");
  EXPECT_EQ(sample->counters.rx_bytes, 5000U);
  EXPECT_EQ(sample->counters.tx_bytes, 7000U);
  EXPECT_EQ(sample->counters.rx_packets, 10U);
  EXPECT_EQ(sample->counters.rx_errors, 1U);
  EXPECT_EQ(sample->counters.rx_dropped, 2U);
  EXPECT_EQ(sample->counters.tx_errors, 3U);
  EXPECT_EQ(sample->counters.tx_dropped, 4U);
}

TEST_F(PodNetworkTest, PrefersTheSandboxProcess) {
  // If pid 100 were read first, its (different) file would show; the pause process wins.
  fs_.addFile(fs_.paths().procPidNetDev(100), netDev(1, 1));
  auto sample = readPodNetwork(fs_, {100, 90}, kHostNs);
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->counters.rx_bytes, 5000U);
}

TEST_F(PodNetworkTest, SandboxFirstTakesThePidsInTheGivenOrder) {
  // The collector knows its sandbox and puts it first: no comm is read, the first pid answers.
  fs_.addFile(fs_.paths().procPidNetDev(100), netDev(1, 1));
  auto sample = readPodNetwork(fs_, {100, 90}, kHostNs, PidOrder::kSandboxFirst);
  ASSERT_TRUE(sample.ok());
  EXPECT_EQ(sample->counters.rx_bytes, 1U);
}

TEST_F(PodNetworkTest, ReaderKeepsEachPodsFileOpenAcrossCyclesAndReopensOnANewNamespace) {
  PodNetworkReader reader(fs_);
  auto first = reader.read("pod-a", {90}, kHostNs, PidOrder::kSandboxFirst);
  ASSERT_TRUE(first.ok()) << first.error().toString();
  reader.endCycle();
  fs_.addFile(fs_.paths().procPidNetDev(90), netDev(6000, 7000));  // traffic since
  auto second = reader.read("pod-a", {90}, kHostNs, PidOrder::kSandboxFirst);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->counters.rx_bytes, 6000U);  // fresh content through the kept file
  EXPECT_EQ(fs_.rereadableOpens(), 1U);
  reader.endCycle();
  // Through the same sandbox pid, the kept file is read without looking at ns/net again.
  fs_.failWith(fs_.paths().procPidNetNs(90), makeError(ErrorCode::kPermission, "not looked at"));
  auto third = reader.read("pod-a", {90}, kHostNs, PidOrder::kSandboxFirst);
  ASSERT_TRUE(third.ok()) << third.error().toString();
  EXPECT_EQ(third->namespace_id, "net:[4026532300]");
  reader.endCycle();

  // The sandbox was recreated: another pid in another namespace. The file is opened afresh.
  addProcess(91, "pause", "net:[4026532999]", netDev(10, 10));
  auto renewed = reader.read("pod-a", {91}, kHostNs, PidOrder::kSandboxFirst);
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->namespace_id, "net:[4026532999]");
  EXPECT_EQ(fs_.rereadableOpens(), 2U);
  EXPECT_EQ(reader.openFiles(), 1U);
  reader.endCycle();
  reader.endCycle();  // a cycle without the pod: its file is closed
  EXPECT_EQ(reader.openFiles(), 0U);
}

TEST_F(PodNetworkTest, SkipsAProcessThatExitedMidRead) {
  fs_.failWith(fs_.paths().procPidNetNs(90), makeError(ErrorCode::kVanished, "process 90 exited"));
  auto sample = readPodNetwork(fs_, {90, 100}, kHostNs);
  ASSERT_TRUE(sample.ok()) << sample.error().toString();
  EXPECT_EQ(sample->counters.tx_bytes, 7000U);

  fs_.failWith(fs_.paths().procPidNetNs(100), makeError(ErrorCode::kVanished, "process 100 exited"));
  auto none = readPodNetwork(fs_, {90, 100}, kHostNs);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kVanished);
}

TEST_F(PodNetworkTest, FlagsHostNetworkPodsAndCountsNothing) {
  addProcess(200, "coredns", kHostNs, netDev(123456, 654321));
  auto sample = readPodNetwork(fs_, {200}, kHostNs);
  ASSERT_TRUE(sample.ok());
  EXPECT_TRUE(sample->host_network);
  EXPECT_EQ(sample->counters.rx_bytes, 0U);
}

TEST_F(PodNetworkTest, EmptyPodAndGarbledFileAreErrors) {
  EXPECT_EQ(readPodNetwork(fs_, {}, kHostNs).error().code, ErrorCode::kNotFound);
  fs_.addFile(fs_.paths().procPidNetDev(90), "garbage");
  auto garbled = readPodNetwork(fs_, {90}, kHostNs);
  ASSERT_FALSE(garbled.ok());
}

}  // namespace
}  // namespace kubemonitor::agent
