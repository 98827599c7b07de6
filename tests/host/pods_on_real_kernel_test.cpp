// The real-kernel suite (issue 3): fake pods from real cgroups and real processes on this host,
// read by the agent's own collector through the real RootedHostFs, and every figure checked
// against an independent truth: /proc/<pid>/stat for CPU, RssAnon for memory, the bytes the
// workload wrote with O_DIRECT, the bytes it sent over its veth. Runs as root; skips otherwise.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <map>
#include <functional>
#include <utility>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/pod_collector.h"
#include "cgroup/cgroup_mounts.h"
#include "common/clock.h"
#include "cgroup/testing/fake_pod_host.h"
#include "hostfs/rooted_host_fs.h"

namespace kubemonitor::hosttest {
namespace {

using std::chrono::milliseconds;

constexpr double kTicksPerSecond = 100.0;  // USER_HZ of /proc/<pid>/stat

std::string uidFor(int n) { return hosttest::fakePodUid(0xc0ffee00, n); }
std::string idFor(int n) { return hosttest::fakeContainerId(0xfeed, n); }

// utime + stime of one process, in ticks (/proc/<pid>/stat fields 14 and 15).
uint64_t cpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return utime + stime;
}

// RssAnon of /proc/<pid>/status in bytes: the anonymous memory a memory cgroup charges as rss.
uint64_t rssAnonBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (in >> key) {
    if (key == "RssAnon:") {
      uint64_t kib = 0;
      in >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

const model::PodUsage* findPod(const std::vector<model::PodUsage>& pods, const std::string& uid) {
  for (const auto& pod : pods) {
    if (pod.uid == uid) return &pod;
  }
  return nullptr;
}

const model::ContainerUsage* findContainer(const model::PodUsage& pod, const std::string& id) {
  for (const auto& container : pod.containers) {
    if (container.id == id) return &container;
  }
  return nullptr;
}

struct Case {
  Layout layout;
  bool force_v1;  // ignore the cgroup2 tree (pure v1 mode) instead of detecting hybrid
};

class RealKernelPods : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    if (auto reason = FakePodHost::unsupportedReason(); !reason.empty()) GTEST_SKIP() << reason;
    host_ = std::make_unique<FakePodHost>(GetParam().layout);
    ASSERT_TRUE(host_->errors().empty()) << host_->errors().front();
    auto mounts = cgroup::readHostCgroupMounts(
        fs_, GetParam().force_v1 ? std::optional<cgroup::CgroupMode>(cgroup::CgroupMode::kV1) : std::nullopt);
    ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
    reader_ = std::make_unique<cgroup::CgroupReader>(fs_, *mounts);
    // Only this test's pods: other kubepods trees on the host (a running demo) are not ours.
    discovery_ = std::make_unique<cgroup::PodDiscovery>(fs_, *reader_, cgroup::ResolverChain::standard(),
                                                        cgroup::PodDiscovery::Options{host_->kubepodsPath()});
    collector_ = std::make_unique<agent::PodCollector>(fs_, *reader_, *discovery_, clock_);
  }
  void TearDown() override {
    if (host_) {
      for (const auto& error : host_->errors()) ADD_FAILURE() << "fake pod host: " << error;
    }
  }
  std::vector<model::PodUsage> cycle() {
    agent::PodCycleStats stats;
    auto pods = collector_->collect(nullptr, stats);
    last_stats_ = std::move(stats);
    for (const auto& warning : last_stats_.warnings) ADD_FAILURE() << "warning: " << warning.toString();
    return pods;
  }

  hostfs::RootedHostFs fs_{"/"};
  SystemClock clock_;
  std::unique_ptr<FakePodHost> host_;  // destroyed last among what the test made: cleanup
  std::unique_ptr<cgroup::CgroupReader> reader_;
  std::unique_ptr<cgroup::PodDiscovery> discovery_;
  std::unique_ptr<agent::PodCollector> collector_;
  agent::PodCycleStats last_stats_;
};

TEST_P(RealKernelPods, EveryQosClassMeasuredAgainstIndependentTruth) {
  FakePodHost& host = *host_;
  // Guaranteed: a sandbox and a CPU-bound container, memory limit 256 MiB.
  const std::string g_uid = uidFor(1);
  const std::string g_pod = host.addPod(Qos::kGuaranteed, g_uid);
  host.setMemoryLimit(g_pod, 256ull << 20);
  const std::string g_net = host.addNetworkNamespace(1);
  host.start(host.addContainer(g_pod, idFor(10)), g_net, {"pause"});
  const Workload spin = host.start(host.addContainer(g_pod, idFor(11)), g_net, {"spin"});
  // Burstable: a sandbox, a container holding 64 MiB, one writing 16 MiB with O_DIRECT, one sending UDP.
  const std::string b_uid = uidFor(2);
  const std::string b_pod = host.addPod(Qos::kBurstable, b_uid);
  const std::string b_net = host.addNetworkNamespace(2);
  host.start(host.addContainer(b_pod, idFor(20)), b_net, {"pause"});
  const Workload hold = host.start(host.addContainer(b_pod, idFor(21)), b_net, {"hold", "64"});
  const std::string writer_cgroup = host.addContainer(b_pod, idFor(22));
  const std::string sender_cgroup = host.addContainer(b_pod, idFor(23));
  // BestEffort on the host network: its pause process stays in the host's namespace.
  const std::string e_uid = uidFor(3);
  const std::string e_pod = host.addPod(Qos::kBestEffort, e_uid);
  host.start(host.addContainer(e_pod, idFor(30)), "", {"pause"});

  auto first = cycle();
  ASSERT_EQ(first.size(), 3u);
  const uint64_t spin_ticks_before = cpuTicks(spin.pid);
  const auto started = std::chrono::steady_clock::now();
  const Workload write = host.start(writer_cgroup, b_net, {"direct-write", host.scratchFile("direct"), "16"});
  const Workload send = host.start(sender_cgroup, b_net, {"udp-send", "10.213.2.1", "9", "200", "1000"});
  // Let the busy loop run for a measurable time (a measurement window, not a wait for state).
  std::this_thread::sleep_for(milliseconds(1500));
  auto pods = cycle();
  const uint64_t spin_ticks_after = cpuTicks(spin.pid);
  const double window_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  ASSERT_EQ(pods.size(), 3u);
  const auto* guaranteed = findPod(pods, g_uid);
  const auto* burstable = findPod(pods, b_uid);
  const auto* besteffort = findPod(pods, e_uid);
  ASSERT_TRUE(guaranteed && burstable && besteffort);
  EXPECT_EQ(guaranteed->qos_class, "Guaranteed");
  EXPECT_EQ(burstable->qos_class, "Burstable");
  EXPECT_EQ(besteffort->qos_class, "BestEffort");
  EXPECT_EQ(guaranteed->containers.size(), 1u);  // the sandbox is not listed
  EXPECT_EQ(burstable->containers.size(), 3u);

  // CPU: millicores of the spinning container against its own utime+stime over the same window.
  const auto* spinner = findContainer(*guaranteed, idFor(11));
  ASSERT_NE(spinner, nullptr);
  const double truth_millicores = (spin_ticks_after - spin_ticks_before) / kTicksPerSecond / window_s * 1000;
  EXPECT_GT(truth_millicores, 200) << "the busy loop barely ran; the host is overloaded";
  EXPECT_NEAR(spinner->usage.cpu_millicores, truth_millicores, 0.10 * truth_millicores + 30)
      << "tolerance: 10% + 30 m (tick granularity 10 ms, windows offset by the read times)";
  EXPECT_GE(guaranteed->usage.cpu_millicores, spinner->usage.cpu_millicores * 0.95);  // the pod includes it
  EXPECT_EQ(guaranteed->usage.memory_limit_bytes, 256ull << 20);

  // Memory: the holder's anonymous memory as the kernel reports it for the process.
  const auto* holder = findContainer(*burstable, idFor(21));
  ASSERT_NE(holder, nullptr);
  const double anon = static_cast<double>(rssAnonBytes(hold.pid));
  EXPECT_GE(anon, 64.0 * (1 << 20));
  EXPECT_NEAR(static_cast<double>(holder->usage.memory_rss_bytes), anon, 4.0 * (1 << 20)) << "tolerance: 4 MiB";
  EXPECT_GE(holder->usage.memory_working_set_bytes, holder->usage.memory_rss_bytes);
  EXPECT_GE(burstable->usage.memory_working_set_bytes, holder->usage.memory_working_set_bytes);

  // Disk: the bytes written with O_DIRECT (the page cache is bypassed, so the cgroup is charged).
  const auto* writer = findContainer(*burstable, idFor(22));
  ASSERT_NE(writer, nullptr);
  EXPECT_GE(writer->usage.disk_write_bytes, write.figure);
  EXPECT_LE(writer->usage.disk_write_bytes, write.figure + (1u << 20)) << "tolerance: 1 MiB of metadata";
  EXPECT_GT(writer->usage.disk_write_bytes_per_sec, write.figure / window_s * 0.5);
  EXPECT_GE(burstable->usage.disk_write_bytes, write.figure);

  // Network: what the sender put on the veth, seen from the pod's sandbox namespace. Each 1000-byte
  // datagram carries 42 bytes of UDP, IPv4 and Ethernet headers; plus ARP for the first.
  EXPECT_FALSE(burstable->host_network);
  const double wire_bytes = send.figure + 200.0 * 42;
  EXPECT_EQ(send.figure, 200'000u);
  EXPECT_GE(static_cast<double>(burstable->network.tx_bytes), wire_bytes);
  EXPECT_LE(static_cast<double>(burstable->network.tx_bytes), wire_bytes + 1024) << "tolerance: ARP and ICMP, 1 KiB";
  EXPECT_GE(burstable->network.tx_packets, 200u);
  EXPECT_NEAR(burstable->network.tx_bytes_per_sec, burstable->network.tx_bytes / window_s,
              0.25 * burstable->network.tx_bytes / window_s);
  EXPECT_EQ(guaranteed->network.tx_bytes, 0u);  // its own namespace, no traffic

  EXPECT_TRUE(besteffort->host_network);
  EXPECT_EQ(besteffort->network.rx_bytes, 0u);  // host traffic is not the pod's

}

// A HostFs that runs `action` once, just before the first read of a file whose path ends with
// `trigger`: the agent's real reads, with a real removal slipped between discovery and reading.
class TriggeringHostFs final : public hostfs::HostFs {
 public:
  TriggeringHostFs(const hostfs::HostFs& inner, std::string trigger, std::function<void()> action)
      : inner_(inner), trigger_(std::move(trigger)), action_(std::move(action)) {}
  const hostfs::HostPaths& paths() const override { return inner_.paths(); }
  Result<std::string> readFile(const std::filesystem::path& path, size_t max_bytes) const override {
    if (action_ && path.string().ends_with(trigger_)) std::exchange(action_, nullptr)();
    return inner_.readFile(path, max_bytes);
  }
  Result<std::vector<hostfs::DirEntry>> listDir(const std::filesystem::path& path) const override {
    return inner_.listDir(path);
  }
  Result<hostfs::FsStats> fsStats(const std::filesystem::path& path) const override { return inner_.fsStats(path); }
  Result<std::string> readLink(const std::filesystem::path& path) const override { return inner_.readLink(path); }
  Result<uint64_t> linkCount(const std::filesystem::path& path) const override { return inner_.linkCount(path); }
  Result<std::unique_ptr<hostfs::RereadableFile>> openRereadable(const std::filesystem::path& path) const override {
    if (action_ && path.string().ends_with(trigger_)) std::exchange(action_, nullptr)();
    return inner_.openRereadable(path);
  }

 private:
  const hostfs::HostFs& inner_;
  std::string trigger_;
  mutable std::function<void()> action_;
};

TEST_P(RealKernelPods, PodRemovedMidCycleIsSkippedTheOthersReported) {
  FakePodHost& host = *host_;
  const std::string keep_uid = uidFor(4), gone_uid = uidFor(5);
  const std::string keep = host.addPod(Qos::kBurstable, keep_uid);
  host.start(host.addContainer(keep, idFor(40)), "", {"spin"});
  const std::string gone = host.addPod(Qos::kBurstable, gone_uid);
  const std::string gone_container = host.addContainer(gone, idFor(50));
  const Workload victim = host.start(gone_container, "", {"hold", "4"});
  // kubelet deletes the pod after discovery listed it and before its counters are read.
  TriggeringHostFs racing(fs_, gone_container.substr(gone_container.rfind('/')) + "/cpuacct.usage", [&] {
    host.kill(victim.pid);
    host.removeCgroup(gone_container);
    host.removeCgroup(gone);
  });
  auto mounts = cgroup::readHostCgroupMounts(racing, GetParam().force_v1 ? std::optional(cgroup::CgroupMode::kV1) : std::nullopt);
  ASSERT_TRUE(mounts.ok());
  cgroup::CgroupReader reader(racing, *mounts);
  cgroup::PodDiscovery discovery(racing, reader, cgroup::ResolverChain::standard(),
                                 cgroup::PodDiscovery::Options{host.kubepodsPath()});
  agent::PodCollector collector(racing, reader, discovery, clock_);
  agent::PodCycleStats stats;
  auto pods = collector.collect(nullptr, stats);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0].uid, keep_uid);
  EXPECT_GE(stats.vanished, 1u);  // counted, not an error
  for (const auto& warning : stats.warnings) ADD_FAILURE() << warning.toString();
}

TEST_P(RealKernelPods, ContainerRestartsNeverGiveNegativeOrHugeRates) {
  FakePodHost& host = *host_;
  const std::string uid = uidFor(6);
  const std::string pod = host.addPod(Qos::kBurstable, uid);
  std::string container = host.addContainer(pod, idFor(60));
  Workload spin = host.start(container, "", {"spin"});
  cycle();
  std::this_thread::sleep_for(milliseconds(600));  // accumulate CPU time in the first incarnation
  // Restart into the same cgroup path: the kernel counters start again from 0.
  host.kill(spin.pid);
  host.removeCgroup(container);
  container = host.addContainer(pod, idFor(60));
  spin = host.start(container, "", {"spin"});
  auto after_reset = cycle();
  const auto* restarted = findPod(after_reset, uid);
  ASSERT_NE(restarted, nullptr);
  ASSERT_EQ(restarted->containers.size(), 1u);
  const double cpus = static_cast<double>(std::thread::hardware_concurrency());
  EXPECT_GE(restarted->containers[0].usage.cpu_millicores, 0.0);
  EXPECT_LE(restarted->containers[0].usage.cpu_millicores, cpus * 1000 * 1.05);
  // Restart as the runtime does it: a new container id, the old cgroup gone.
  host.kill(spin.pid);
  host.removeCgroup(container);
  host.start(host.addContainer(pod, idFor(61)), "", {"spin"});
  auto renewed = cycle();
  const auto* pod_after = findPod(renewed, uid);
  ASSERT_NE(pod_after, nullptr);
  ASSERT_EQ(pod_after->containers.size(), 1u);
  EXPECT_EQ(pod_after->containers[0].id, idFor(61));
  EXPECT_EQ(pod_after->containers[0].usage.cpu_millicores, 0.0);  // no baseline for a new cgroup
  EXPECT_GE(pod_after->usage.cpu_millicores, 0.0);
  EXPECT_LE(pod_after->usage.cpu_millicores, cpus * 1000 * 1.05);
}

// The pressure rule of PodCollector (a container's pressure file is read only when its pod
// stalled) on the real kernel: 3 busy loops in one container on this 2-CPU host keep a runnable
// task waiting, so the pod's "some" total grows and the container's pressure is read and > 0;
// an idle pod's container reports 0, as its pod does.
TEST_P(RealKernelPods, ContendedContainerShowsCpuPressureIdlePodsContainerZero) {
  if (GetParam().force_v1) GTEST_SKIP() << "pure v1 mode reads no pressure files";
  FakePodHost& host = *host_;
  const std::string busy_uid = uidFor(7), idle_uid = uidFor(8);
  const std::string busy = host.addPod(Qos::kBurstable, busy_uid);
  const std::string busy_container = host.addContainer(busy, idFor(70));
  const unsigned spinners = std::thread::hardware_concurrency() + 1;
  for (unsigned i = 0; i < spinners; ++i) host.start(busy_container, "", {"spin"});
  const std::string idle = host.addPod(Qos::kBurstable, idle_uid);
  host.start(host.addContainer(idle, idFor(80)), "", {"hold", "1"});
  cycle();
  // PSI averages are updated every 2 s (psi.rst): wait past one update.
  std::this_thread::sleep_for(milliseconds(2500));
  auto pods = cycle();
  const auto* busy_pod = findPod(pods, busy_uid);
  const auto* idle_pod = findPod(pods, idle_uid);
  ASSERT_NE(busy_pod, nullptr);
  ASSERT_NE(idle_pod, nullptr);
  ASSERT_EQ(busy_pod->containers.size(), 1u);
  ASSERT_EQ(idle_pod->containers.size(), 1u);
  EXPECT_GT(busy_pod->usage.cpu_pressure_some_percent, 0.0);
  EXPECT_GT(busy_pod->containers[0].usage.cpu_pressure_some_percent, 0.0);
  if (idle_pod->usage.cpu_pressure_some_percent == 0.0) {
    EXPECT_EQ(idle_pod->containers[0].usage.cpu_pressure_some_percent, 0.0);
  }
}

// The text of one of a cgroup's files, read here independently of the agent (its truth).
std::string kernelFile(const cgroup::CgroupReader& reader, const std::string& controller, const std::string& cgroup_path,
                       const std::string& file) {
  auto dir = reader.directory(controller, cgroup_path);
  if (!dir) return "";
  std::ifstream in(*dir / file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

uint64_t flatKey(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string name;
  uint64_t value = 0;
  while (lines >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

// The reading-less rules of docs/decisions.md (throttling only under a CFS quota, OOM files only
// after /proc/vmstat's oom_kill moved, the limit from memory.stat) against the kernel's own files.
TEST_P(RealKernelPods, ReadingLessAgreesWithTheKernelFiles) {
  FakePodHost& host = *host_;
  const std::string uid = uidFor(6);
  const std::string pod = host.addPod(Qos::kBurstable, uid);
  host.setMemoryLimit(pod, 512ull << 20);
  const std::string throttled = host.addContainer(pod, idFor(61));
  host.setCpuQuota(throttled, 10000, 100000);  // 10 ms of CPU per 100 ms period
  host.start(throttled, "", {"spin"});
  const std::string unlimited = host.addContainer(pod, idFor(62));
  host.start(unlimited, "", {"spin"});
  const std::string limited = host.addContainer(pod, idFor(63));
  host.setMemoryLimit(limited, 32ull << 20);
  const Workload grower = host.start(limited, "", {"oom-after", "64"});
  ASSERT_EQ(cycle().size(), 1u);
  const int status = host.waitForExit(grower.pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the grower was to be OOM-killed";
  // Periods of the quota to throttle in (a measurement window, not a wait for state).
  std::this_thread::sleep_for(milliseconds(1000));
  for (int round = 0; round < 2; ++round) {  // the kill's cycle, then a quiet one (OOM files not read)
    auto pods = cycle();
    const std::string throttled_stat = kernelFile(*reader_, "cpu", throttled, "cpu.stat");
    const std::string unlimited_stat = kernelFile(*reader_, "cpu", unlimited, "cpu.stat");
    ASSERT_EQ(pods.size(), 1u);
    const auto* t = findContainer(pods[0], idFor(61));
    const auto* u = findContainer(pods[0], idFor(62));
    const auto* l = findContainer(pods[0], idFor(63));
    ASSERT_TRUE(t && u && l);
    const uint64_t truth_throttled = flatKey(throttled_stat, "nr_throttled");
    EXPECT_GT(t->usage.cpu_throttled_periods, 5u);
    EXPECT_LE(t->usage.cpu_throttled_periods, truth_throttled);
    EXPECT_GE(t->usage.cpu_throttled_periods + 2, truth_throttled) << "tolerance: 2 periods (200 ms) between the reads";
    EXPECT_EQ(u->usage.cpu_periods, flatKey(unlimited_stat, "nr_periods")) << "no quota: the counters stand still";
    EXPECT_EQ(u->usage.cpu_throttled_ns, flatKey(unlimited_stat, "throttled_time"));
    EXPECT_EQ(l->usage.oom_kills, 1u);
    EXPECT_EQ(l->usage.oom_kills, flatKey(kernelFile(*reader_, "memory", limited, "memory.oom_control"), "oom_kill"));
    EXPECT_EQ(u->usage.oom_kills, 0u);
    EXPECT_EQ(l->usage.memory_limit_bytes, 32ull << 20);
    EXPECT_EQ(pods[0].usage.memory_limit_bytes, 512ull << 20);
    EXPECT_EQ(u->usage.memory_limit_bytes, 512ull << 20) << "a container without a limit is bounded by its pod's";
  }
}

// Issue 14. A busy loop under a CFS quota of 20 ms per 100 ms is throttled in nearly every
// period: the agent's throttling rates and ratio match the kernel's own cpu.stat over the same
// window (read right before and after the agent's cycles, so the windows differ by the reads).
TEST_P(RealKernelPods, CfsQuotaThrottlingMatchesCpuStat) {
  FakePodHost& host = *host_;
  const std::string uid = uidFor(9);
  const std::string pod = host.addPod(Qos::kBurstable, uid);
  const std::string container = host.addContainer(pod, idFor(90));
  host.setCpuQuota(container, 20'000, 100'000);
  ASSERT_TRUE(host.errors().empty()) << host.errors().front();
  host.start(container, "", {"spin"});
  auto cpuStat = [&] {
    std::ifstream in(host.cgroupFile("cpu", container, "cpu.stat"));
    std::map<std::string, uint64_t> values;
    std::string key;
    uint64_t value = 0;
    while (in >> key >> value) values[key] = value;
    return values;
  };
  cycle();
  auto before = cpuStat();
  const auto started = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(milliseconds(1200));  // a measurement window of 12 periods
  auto after = cpuStat();
  auto pods = cycle();
  const double window_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto* found = findPod(pods, uid);
  ASSERT_NE(found, nullptr);
  const auto* spinner = findContainer(*found, idFor(90));
  ASSERT_NE(spinner, nullptr);
  const double periods = static_cast<double>(after["nr_periods"] - before["nr_periods"]);
  const double throttled = static_cast<double>(after["nr_throttled"] - before["nr_throttled"]);
  const double throttled_s = static_cast<double>(after["throttled_time"] - before["throttled_time"]) / 1e9;
  ASSERT_GT(periods, 5) << "the CFS quota did not take effect";
  const auto& usage = spinner->usage;
  EXPECT_GT(usage.cpu_throttled_ratio, 0.5) << "a busy loop at 20 % of a CPU is throttled in most periods";
  EXPECT_NEAR(usage.cpu_throttled_ratio, throttled / periods, 0.15) << "tolerance: a period or two at each end";
  EXPECT_NEAR(usage.cpu_throttled_periods_per_sec, throttled / window_s, 0.25 * throttled / window_s + 1.5);
  EXPECT_NEAR(usage.cpu_throttled_seconds_per_sec, throttled_s / window_s, 0.25 * throttled_s / window_s + 0.02);
  EXPECT_NEAR(usage.cpu_millicores, 200, 60) << "the quota: 20 ms of CPU per 100 ms";
  // The pod has no quota of its own: its cgroup is not throttled.
  EXPECT_EQ(found->usage.cpu_throttled_ratio, 0.0);
}

// Issue 14. A container limited to 64 MiB that touches 128 MiB is OOM-killed by the kernel; the
// agent counts the kill in the container (memory.oom_control / memory.events) and in its pod.
TEST_P(RealKernelPods, ContainerOverItsMemoryLimitIsOomKilledAndCounted) {
  FakePodHost& host = *host_;
  const std::string uid = uidFor(10);
  const std::string pod = host.addPod(Qos::kBurstable, uid);
  host.start(host.addContainer(pod, idFor(100)), "", {"pause"});  // the sandbox keeps the pod alive
  const std::string container = host.addContainer(pod, idFor(101));
  host.setMemoryLimit(container, 64ull << 20);
  host.start(host.addContainer(pod, idFor(102)), "", {"hold", "1"});  // a container that stays
  auto first = cycle();
  const auto* before = findPod(first, uid);
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->usage.oom_kills, 0u);
  const Workload hog = host.start(container, "", {"oom-after", "128"});
  const int status = host.waitForExit(hog.pid);  // the kernel's kill, not a timer
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto pods = cycle();
  const auto* found = findPod(pods, uid);
  ASSERT_NE(found, nullptr);
  // The cgroup stays (no kubelet here to remove it), so the killed container is still listed.
  const auto* killed = findContainer(*found, idFor(101));
  ASSERT_NE(killed, nullptr);
  EXPECT_EQ(killed->usage.oom_kills, 1u);
  const auto* other = findContainer(*found, idFor(102));
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->usage.oom_kills, 0u);
  EXPECT_EQ(found->usage.oom_kills, 1u) << "the pod counts its container's kill once (v1: not in its own cgroup)";
  EXPECT_LE(killed->usage.memory_usage_bytes, 64ull << 20);
}

INSTANTIATE_TEST_SUITE_P(Layouts, RealKernelPods,
                         ::testing::Values(Case{Layout::kCgroupfs, false}, Case{Layout::kSystemd, false},
                                           Case{Layout::kCgroupfs, true}, Case{Layout::kSystemd, true}),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return std::string(param_info.param.layout == Layout::kCgroupfs ? "cgroupfs" : "systemd") +
                                  (param_info.param.force_v1 ? "_forced_v1" : "_detected");
                         });

}  // namespace
}  // namespace kubemonitor::hosttest
