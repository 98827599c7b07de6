#include "agent/pod_collector.h"

#include <gtest/gtest.h>

#include "common/testing/fake_clock.h"
#include "hostfs/testing/fake_host_fs.h"

namespace kubemonitor::agent {
namespace {

constexpr std::string_view kUid = "1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d";
const std::string kApp(64, 'a');
const std::string kSandbox(64, 'b');

cgroup::CgroupMounts comountedV1() {
  cgroup::CgroupMounts mounts;
  mounts.mode = cgroup::CgroupMode::kV1;
  mounts.v1["cpu"] = {"/sys/fs/cgroup/cpu,cpuacct", "/"};
  mounts.v1["cpuacct"] = {"/sys/fs/cgroup/cpu,cpuacct", "/"};
  mounts.v1["memory"] = {"/sys/fs/cgroup/memory", "/"};
  return mounts;
}

// One Burstable pod with a sandbox (pause, pid 100) and an application container (pid 200), on
// a fake host whose init is in net:[1] and the pod in net:[2].
class PodCollectorTest : public ::testing::Test {
 protected:
  PodCollectorTest() {
    fs_.addLink(fs_.paths().procPidNetNs(1), "net:[1]");
    setCgroup(podPath(), 0, "");
    setCgroup(podPath() + "/" + kSandbox, 0, "100\n");
    setCgroup(podPath() + "/" + kApp, 0, "200\n");
    setProcess(100, "pause", "net:[2]");
    setProcess(200, "nginx", "net:[2]");
    setNetDev(100, 1000, 500);
    setIo(200, 0, 0);
  }
  static std::string podPath() { return "/kubepods/burstable/pod" + std::string(kUid); }
  std::filesystem::path dir(const std::string& hierarchy, const std::string& path) {
    return fs_.paths().root() / ("sys/fs/cgroup/" + hierarchy + path);
  }
  void setCgroup(const std::string& path, uint64_t cpu_ns, std::string procs) {
    fs_.addFile(dir("cpu,cpuacct", path) / "cpuacct.usage", std::to_string(cpu_ns) + "\n");
    fs_.addFile(dir("cpu,cpuacct", path) / "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
    fs_.addFile(dir("cpu,cpuacct", path) / "cgroup.procs", std::move(procs));
    fs_.addFile(dir("memory", path) / "memory.usage_in_bytes", "4096000\n");
    fs_.addFile(dir("memory", path) / "memory.stat", "total_rss 3000000\ntotal_cache 1000000\ntotal_inactive_file 96000\n");
    fs_.addFile(dir("memory", path) / "memory.limit_in_bytes", "9223372036854771712\n");
    fs_.addFile(dir("memory", path) / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  }
  void setCpu(const std::string& path, uint64_t cpu_ns) {
    fs_.addFile(dir("cpu,cpuacct", path) / "cpuacct.usage", std::to_string(cpu_ns) + "\n");
  }
  void setProcess(int pid, std::string comm, std::string netns) {
    fs_.addFile(fs_.paths().procPidComm(pid), comm + "\n");
    fs_.addLink(fs_.paths().procPidNetNs(pid), std::move(netns));
  }
  void setNetDev(int pid, uint64_t rx, uint64_t tx) {
    fs_.addFile(fs_.paths().procPidNetDev(pid),
                "Inter-|   Receive                                                |  Transmit\n"
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
                "    lo: 999 9 0 0 0 0 0 0 999 9 0 0 0 0 0 0\n"
                "  eth0: " + std::to_string(rx) + " 10 1 2 0 0 0 0 " + std::to_string(tx) + " 5 0 3 0 0 0 0\n");
  }
  void setIo(int pid, uint64_t read_bytes, uint64_t write_bytes) {
    fs_.addFile(fs_.paths().procPidIo(pid), "rchar: 1\nwchar: 1\nsyscr: 1\nsyscw: 1\nread_bytes: " + std::to_string(read_bytes) +
                                                "\nwrite_bytes: " + std::to_string(write_bytes) + "\ncancelled_write_bytes: 0\n");
  }
  std::vector<model::PodUsage> cycle(const PodNamesByUid* names = nullptr) {
    PodCycleStats stats;
    auto pods = collector_.collect(names, stats);
    last_stats_ = std::move(stats);
    return pods;
  }

  hostfs::FakeHostFs fs_;
  FakeClock clock_;
  cgroup::CgroupReader reader_{fs_, comountedV1()};
  cgroup::PodDiscovery discovery_{fs_, reader_, cgroup::ResolverChain::standard()};
  PodCollector collector_{fs_, reader_, discovery_, clock_};
  PodCycleStats last_stats_;
};

TEST_F(PodCollectorTest, CpuMillicoresCarryThousandths) {
  ASSERT_EQ(cycle().size(), 1u);
  clock_.advance(std::chrono::seconds(3));
  setCpu(podPath(), 1'000'000'000);  // 1 CPU-second in 3 s = 333.333… m, reported as 333.333
  setCpu(podPath() + "/" + kApp, 500'000'000);
  const auto pods = cycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].usage.cpu_millicores, 333.333);
  ASSERT_EQ(pods[0].containers.size(), 1u);
  EXPECT_EQ(pods[0].containers[0].usage.cpu_millicores, 166.667);
}

TEST_F(PodCollectorTest, RatesOverMeasuredTimeSandboxHiddenNetworkFromPause) {
  auto first = cycle();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].usage.cpu_millicores, 0);  // no baseline yet
  clock_.advance(std::chrono::milliseconds(2500));
  setCpu(podPath(), 1'250'000'000);            // 1.25 CPU-seconds in 2.5 s = 500 m
  setCpu(podPath() + "/" + kApp, 1'000'000'000);
  setNetDev(100, 1000 + 25000, 500 + 2500);
  setIo(200, 8192, 4096 * 10);
  auto pods = cycle();
  ASSERT_EQ(pods.size(), 1u);
  const auto& pod = pods[0];
  EXPECT_EQ(pod.uid, kUid);
  EXPECT_EQ(pod.qos_class, "Burstable");
  EXPECT_DOUBLE_EQ(pod.usage.cpu_millicores, 500.0);
  ASSERT_EQ(pod.containers.size(), 1u);  // the pause container is not listed
  EXPECT_EQ(pod.containers[0].id, kApp);
  EXPECT_EQ(pod.containers[0].name, kApp.substr(0, 12));  // no API: the short id
  EXPECT_DOUBLE_EQ(pod.containers[0].usage.cpu_millicores, 400.0);
  EXPECT_EQ(pod.usage.memory_working_set_bytes, 4000000u);
  EXPECT_FALSE(pod.host_network);
  EXPECT_EQ(pod.network.rx_bytes, 26000u);  // eth0 only, lo skipped
  EXPECT_EQ(pod.network.rx_dropped, 2u);
  EXPECT_DOUBLE_EQ(pod.network.rx_bytes_per_sec, 10000.0);
  EXPECT_DOUBLE_EQ(pod.network.tx_bytes_per_sec, 1000.0);
  // The cgroup counts no disk I/O (v1 without blkio here): the processes' /proc/<pid>/io does.
  EXPECT_EQ(pod.containers[0].usage.disk_write_bytes, 40960u);
  EXPECT_DOUBLE_EQ(pod.containers[0].usage.disk_write_bytes_per_sec, 40960 / 2.5);
  EXPECT_EQ(pod.usage.disk_read_bytes, 8192u);  // the pod sums its containers
  EXPECT_EQ(last_stats_.unnamed, 1u);
}

TEST_F(PodCollectorTest, ContainerRestartNeverGivesANegativeOrHugeRate) {
  setCpu(podPath() + "/" + kApp, 5'000'000'000);
  cycle();
  clock_.advance(std::chrono::seconds(5));
  setCpu(podPath() + "/" + kApp, 1'000'000);  // counter reset: the cgroup was recreated
  setIo(200, 0, 0);
  auto pods = cycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].containers[0].usage.cpu_millicores, 0);
  clock_.advance(std::chrono::seconds(5));
  setCpu(podPath() + "/" + kApp, 501'000'000);  // and counts on from there: 100 m
  pods = cycle();
  EXPECT_DOUBLE_EQ(pods[0].containers[0].usage.cpu_millicores, 100.0);
}

TEST_F(PodCollectorTest, NamesAndSpecFromTheNameSource) {
  PodNamesByUid names;
  PodNames& pod = names[std::string(kUid)];
  pod.name = "web-7d4b9c8f5-x2x9k";
  pod.namespace_name = "shop";
  pod.deployment = "web";
  pod.workload_kind = "Deployment";
  pod.workload_name = "web";
  pod.spec.cpu_limit_millicores = 500;
  pod.containers_by_id[kApp] = ContainerNames{"nginx", {100, 500, 1 << 20, 2 << 20}};
  auto pods = cycle(&names);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].name, "web-7d4b9c8f5-x2x9k");
  EXPECT_EQ(pods[0].namespace_name, "shop");
  EXPECT_EQ(pods[0].deployment, "web");
  EXPECT_EQ(pods[0].spec.cpu_limit_millicores, 500u);
  ASSERT_EQ(pods[0].containers.size(), 1u);
  EXPECT_EQ(pods[0].containers[0].name, "nginx");
  EXPECT_EQ(pods[0].containers[0].spec.memory_limit_bytes, 2u << 20);
  EXPECT_EQ(last_stats_.unnamed, 0u);
}

TEST_F(PodCollectorTest, HostNetworkPodIsFlaggedAndNotCounted) {
  fs_.addLink(fs_.paths().procPidNetNs(100), "net:[1]");
  auto pods = cycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_TRUE(pods[0].host_network);
  EXPECT_EQ(pods[0].network.rx_bytes, 0u);
}

TEST_F(PodCollectorTest, ContainerVanishingMidCycleIsSkippedAndCounted) {
  fs_.failWith(dir("cpu,cpuacct", podPath() + "/" + kApp) / "cpuacct.usage", makeError(ErrorCode::kNotFound, "gone"));
  auto pods = cycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_TRUE(pods[0].containers.empty());
  EXPECT_EQ(last_stats_.vanished, 1u);
  EXPECT_TRUE(last_stats_.warnings.empty());
}

TEST_F(PodCollectorTest, PodRemovedMidCycleIsDropped) {
  fs_.failWith(dir("cpu,cpuacct", podPath()) / "cpuacct.usage", makeError(ErrorCode::kNotFound, "gone"));
  auto pods = cycle();
  EXPECT_TRUE(pods.empty());
  EXPECT_GE(last_stats_.vanished, 1u);
}

TEST_F(PodCollectorTest, ExitedProcessLeavesThePodWithoutNetworkThisCycle) {
  fs_.failWith(fs_.paths().procPidNetNs(100), makeError(ErrorCode::kVanished, "exited"));
  fs_.failWith(fs_.paths().procPidNetNs(200), makeError(ErrorCode::kVanished, "exited"));
  auto pods = cycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].network.rx_bytes, 0u);
  EXPECT_TRUE(last_stats_.warnings.empty());
}

std::string pressureText(double some_avg10, uint64_t some_total_us) {
  return "some avg10=" + std::to_string(some_avg10).substr(0, 4) + " avg60=0.00 avg300=0.00 total=" +
         std::to_string(some_total_us) + "\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
}

// Hybrid: v1 counters, PSI from the cgroup2 twin, blkio mounted. The container files below are
// deliberately inconsistent with their pod (a kernel never shows a child stalling or writing
// while its pod does not), so the figures show which files were read.
class PodCollectorPlanTest : public PodCollectorTest {
 protected:
  PodCollectorPlanTest() {
    for (const std::string& path : {podPath(), podPath() + "/" + kSandbox, podPath() + "/" + kApp}) {
      setPressure(path, 0, 1000);
      setBlkio(path, 0);
    }
    setPressure(podPath() + "/" + kApp, 12.5, 900);
    setBlkio(podPath() + "/" + kApp, 65536);
    setIo(200, 0, 4096);
  }
  static cgroup::CgroupMounts hybrid() {
    cgroup::CgroupMounts mounts = comountedV1();
    mounts.mode = cgroup::CgroupMode::kHybrid;
    mounts.v1["blkio"] = {"/sys/fs/cgroup/blkio", "/"};
    mounts.unified = cgroup::HierarchyMount{"/sys/fs/cgroup/unified", "/"};
    return mounts;
  }
  void setPressure(const std::string& path, double some_avg10, uint64_t total_us) {
    for (const char* file : {"cpu.pressure", "memory.pressure", "io.pressure"}) {
      fs_.addFile(dir("unified", path) / file, pressureText(some_avg10, total_us));
    }
  }
  void setBlkio(const std::string& path, uint64_t write_bytes) {
    fs_.addFile(dir("blkio", path) / "blkio.throttle.io_service_bytes_recursive",
                "8:0 Read 0\n8:0 Write " + std::to_string(write_bytes) + "\nTotal " + std::to_string(write_bytes) + "\n");
  }
  cgroup::CgroupReader hybrid_reader_{fs_, hybrid()};
  cgroup::PodDiscovery hybrid_discovery_{fs_, hybrid_reader_, cgroup::ResolverChain::standard()};
  PodCollector hybrid_collector_{fs_, hybrid_reader_, hybrid_discovery_, clock_};
  std::vector<model::PodUsage> hybridCycle() {
    PodCycleStats stats;
    auto pods = hybrid_collector_.collect(nullptr, stats);
    for (const auto& warning : stats.warnings) ADD_FAILURE() << warning.toString();
    clock_.advance(std::chrono::seconds(5));
    return pods;
  }
};

TEST_F(PodCollectorPlanTest, ContainerPressureIsReadOnlyWhereThePodStalled) {
  auto first = hybridCycle();  // no baseline for the pod: every file is read
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].containers.size(), 1u);
  EXPECT_DOUBLE_EQ(first[0].containers[0].usage.cpu_pressure_some_percent, 12.5);

  // The pod's "some" total did not grow and its avg10 is 0: no container stalled, none is read.
  auto idle = hybridCycle();
  ASSERT_EQ(idle.size(), 1u);
  EXPECT_DOUBLE_EQ(idle[0].containers[0].usage.cpu_pressure_some_percent, 0.0);
  EXPECT_DOUBLE_EQ(idle[0].containers[0].usage.io_pressure_some_percent, 0.0);

  // The pod stalled on memory only: the containers' memory pressure is read, the rest is not.
  fs_.addFile(dir("unified", podPath()) / "memory.pressure", pressureText(0, 1500));
  auto stalled = hybridCycle();
  ASSERT_EQ(stalled.size(), 1u);
  EXPECT_DOUBLE_EQ(stalled[0].containers[0].usage.memory_pressure_some_percent, 12.5);
  EXPECT_DOUBLE_EQ(stalled[0].containers[0].usage.cpu_pressure_some_percent, 0.0);
}

TEST_F(PodCollectorPlanTest, ContainerDiskFilesAreReadOnlyWhenThePodCountedBytes) {
  // The pod's recursive counter is 0, so the container's is not read: its processes' io counts.
  auto pods = hybridCycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].containers[0].usage.disk_write_bytes, 4096u);
  setBlkio(podPath(), 65536);
  pods = hybridCycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].containers[0].usage.disk_write_bytes, 65536u);
  EXPECT_EQ(pods[0].usage.disk_write_bytes, 65536u);
}

TEST_F(PodCollectorPlanTest, KubepodsPlaysThePodsParent) {
  setCgroup("/kubepods", 0, "");
  setPressure("/kubepods", 0, 5000);
  setBlkio("/kubepods", 0);
  setPressure(podPath(), 7.5, 2000);  // inconsistent with kubepods on purpose: shows when it is read
  auto first = hybridCycle();  // no baseline for kubepods: every pod file is read
  ASSERT_EQ(first.size(), 1u);
  EXPECT_DOUBLE_EQ(first[0].usage.cpu_pressure_some_percent, 7.5);
  auto idle = hybridCycle();
  ASSERT_EQ(idle.size(), 1u);
  EXPECT_DOUBLE_EQ(idle[0].usage.cpu_pressure_some_percent, 0.0);
  setPressure("/kubepods", 0, 5100);  // some pod stalled since
  auto stalled = hybridCycle();
  ASSERT_EQ(stalled.size(), 1u);
  EXPECT_DOUBLE_EQ(stalled[0].usage.cpu_pressure_some_percent, 7.5);
}

}  // namespace
}  // namespace kubemonitor::agent

namespace kubemonitor::agent {
namespace {

std::string vmstatText(uint64_t oom_kills) {
  return "nr_free_pages 1000\npgfault 77\noom_kill " + std::to_string(oom_kills) + "\n";
}

TEST_F(PodCollectorTest, OomFilesAreReadOnlyAfterTheHostCountedAKill) {
  fs_.addFile(fs_.paths().procVmstat(), vmstatText(5));
  ASSERT_EQ(cycle().size(), 1u);
  // Inconsistent on purpose (a kernel counts every kill in /proc/vmstat too): shows what is read.
  fs_.addFile(dir("memory", podPath() + "/" + kApp) / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  auto quiet = cycle();
  ASSERT_EQ(quiet.size(), 1u);
  EXPECT_EQ(quiet[0].containers[0].usage.oom_kills, 0u);
  fs_.addFile(fs_.paths().procVmstat(), vmstatText(7));
  auto killed = cycle();
  ASSERT_EQ(killed.size(), 1u);
  EXPECT_EQ(killed[0].containers[0].usage.oom_kills, 2u);
  auto after = cycle();
  EXPECT_EQ(after[0].containers[0].usage.oom_kills, 2u) << "the last value read stays";
}

TEST_F(PodCollectorTest, ALimitInheritedFromKubepodsIsNoLimitOfThePods) {
  setCgroup("/kubepods", 0, "");
  const std::string stat_head = "total_rss 3000000\ntotal_cache 1000000\ntotal_inactive_file 96000\n";
  // Node allocatable on kubepods; the application container has a limit of its own, the pod none.
  fs_.addFile(dir("memory", "/kubepods") / "memory.stat", stat_head + "hierarchical_memory_limit 8589934592\n");
  fs_.addFile(dir("memory", podPath()) / "memory.stat", stat_head + "hierarchical_memory_limit 8589934592\n");
  fs_.addFile(dir("memory", podPath() + "/" + kApp) / "memory.stat", stat_head + "hierarchical_memory_limit 268435456\n");
  auto pods = cycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].usage.memory_limit_bytes, 0u);
  EXPECT_EQ(pods[0].containers[0].usage.memory_limit_bytes, 268435456u);
}

TEST_F(PodCollectorTest, AKnownSandboxsProcessesAreListedOnTheRareCadence) {
  ASSERT_EQ(cycle().size(), 1u);  // finds the sandbox (pid 100)
  // A pid written into the sandbox's cgroup.procs is not looked at until the cadence comes round
  // (the kernel never does this: the pause process is the sandbox's only one for its life).
  setCgroup(podPath() + "/" + kSandbox, 0, "101\n");
  setProcess(101, "pause", "net:[3]");
  setNetDev(101, 9000, 9000);
  for (uint64_t i = 1; i < cgroup::CgroupReader::kRareFilesEveryCycles; ++i) {
    clock_.advance(std::chrono::seconds(5));
    auto pods = cycle();
    ASSERT_EQ(pods.size(), 1u);
    EXPECT_EQ(pods[0].network.rx_bytes, 1000u);
  }
  clock_.advance(std::chrono::seconds(5));
  auto pods = cycle();
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].network.rx_bytes, 9000u);
}

}  // namespace
}  // namespace kubemonitor::agent
