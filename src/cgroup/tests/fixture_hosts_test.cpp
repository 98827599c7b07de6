// The captured host trees of testdata/hosts/ (DESIGN rule 9), read through the real RootedHostFs
// the way the agent reads a live host: mode detection from proc/1/mountinfo, discovery, counters.
// The v1 and hybrid trees are real kernel output of this project's machine laid out in each
// kubelet layout (testdata/capture/capture_cgroup_fixtures.py); v2 is composed from the v2 capture
// in ../shared/captures (testdata/capture/make_v2_fixture.py). Expected values are read from the
// fixture files themselves with plain string handling, independent of the parsers under test.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>
#include <sstream>

#include "cgroup/pod_discovery.h"
#include "hostfs/rooted_host_fs.h"
#include "procfs/mountinfo.h"

namespace kubemonitor::cgroup {
namespace {

namespace fs = std::filesystem;

fs::path hostsDir() {
  const char* dir = std::getenv("KUBEMONITOR_SOURCE_DIR");
  return fs::path(dir != nullptr ? dir : KUBEMONITOR_DEFAULT_SOURCE_DIR) / "testdata" / "hosts";
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "key value" lookup in a flat-keyed file, by hand.
uint64_t keyed(const fs::path& path, const std::string& key) {
  std::istringstream in(slurp(path));
  std::string k;
  uint64_t v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  ADD_FAILURE() << key << " not in " << path;
  return 0;
}

struct Scenario {
  std::string name;
  CgroupMode mode;
  std::string runtime;        // of the containers
  size_t containers;          // over all pods
  std::string cpu_dir;        // hierarchy directory holding CPU usage ("" for v2)
  std::string memory_dir;
};

std::ostream& operator<<(std::ostream& out, const Scenario& s) { return out << s.name; }

class FixtureHost : public ::testing::TestWithParam<Scenario> {
 protected:
  fs::path root() const { return hostsDir() / GetParam().name; }
  fs::path hostDir(const std::string& hierarchy, const std::string& cgroup_path) const {
    return root() / "sys/fs/cgroup" / hierarchy / cgroup_path.substr(1);
  }
};

Result<CgroupMounts> mountsOf(const hostfs::HostFs& host) { return readHostCgroupMounts(host); }

TEST_P(FixtureHost, DetectsModeFindsEveryPodAndReadsExactCounters) {
  const Scenario& s = GetParam();
  hostfs::RootedHostFs host(root());
  auto mounts = mountsOf(host);
  ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
  EXPECT_EQ(mounts->mode, s.mode);
  CgroupReader reader(host, *mounts);
  PodDiscovery discovery(host, reader, ResolverChain::standard());
  auto found = discovery.discover();
  EXPECT_TRUE(found.errors.empty());
  ASSERT_EQ(found.pods.size(), 3u);
  size_t containers = 0;
  std::set<QosClass> qos;
  for (const auto& pod : found.pods) {
    qos.insert(pod.qos);
    std::vector<Error> warnings;
    auto pod_stats = reader.read(pod.cgroup_path, &warnings);
    ASSERT_TRUE(pod_stats.ok()) << pod.cgroup_path << ": " << pod_stats.error().toString();
    for (const auto& container : pod.containers) {
      ++containers;
      EXPECT_EQ(container.ref.runtime, s.runtime) << container.cgroup_path;
      auto stats = reader.read(container.cgroup_path, &warnings);
      ASSERT_TRUE(stats.ok()) << container.cgroup_path << ": " << stats.error().toString();
      const std::string& path = container.cgroup_path;
      const bool v2 = s.mode == CgroupMode::kV2;
      const uint64_t cpu_ns = v2 ? keyed(hostDir("", path) / "cpu.stat", "usage_usec") * 1000
                                 : std::stoull(slurp(hostDir(s.cpu_dir, path) / "cpuacct.usage"));
      EXPECT_EQ(stats->cpu_usage_ns, cpu_ns);
      EXPECT_GT(stats->cpu_usage_ns, 0u);
      const uint64_t usage = std::stoull(slurp(hostDir(s.memory_dir, path) / (v2 ? "memory.current" : "memory.usage_in_bytes")));
      const uint64_t inactive = keyed(hostDir(s.memory_dir, path) / "memory.stat", v2 ? "inactive_file" : "total_inactive_file");
      EXPECT_EQ(stats->memory_usage_bytes, usage);
      EXPECT_EQ(stats->memory_working_set_bytes, usage - inactive);
      EXPECT_EQ(stats->memory_rss_bytes, keyed(hostDir(s.memory_dir, path) / "memory.stat", v2 ? "anon" : "total_rss"));
      EXPECT_GT(stats->memory_rss_bytes, 1u << 20);  // every workload held megabytes
      if (v2) {
        EXPECT_EQ(stats->disk.write_bytes, 824999936u);  // io.stat wbytes of the capture
      } else {
        EXPECT_GE(stats->disk.write_bytes, 1u << 20);  // each wrote ≥ 1 MiB with O_DIRECT
        EXPECT_EQ(stats->disk.write_bytes % 4096, 0u);
      }
      EXPECT_EQ(stats->has_pressure, s.mode != CgroupMode::kV1);
    }
    EXPECT_TRUE(warnings.empty()) << warnings.front().toString();
  }
  EXPECT_EQ(containers, s.containers);
  EXPECT_EQ(qos.size(), 3u);  // Guaranteed, Burstable and BestEffort all found
}

INSTANTIATE_TEST_SUITE_P(
    Hosts, FixtureHost,
    ::testing::Values(Scenario{"v1-cgroupfs", CgroupMode::kV1, "cri", 4, "cpu,cpuacct", "memory"},
                      Scenario{"v1-systemd", CgroupMode::kV1, "docker", 4, "cpu,cpuacct", "memory"},
                      Scenario{"v1-split-crio", CgroupMode::kV1, "cri-o", 4, "cpuacct", "memory"},
                      Scenario{"hybrid-systemd", CgroupMode::kHybrid, "containerd", 4, "cpu,cpuacct", "memory"},
                      Scenario{"debian12-v1-split", CgroupMode::kHybrid, "cri", 4, "cpuacct", "memory"}),
    [](const ::testing::TestParamInfo<Scenario>& param_info) {
      std::string name = param_info.param.name;
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(FixtureHostV2, ThreeRuntimesOneTree) {
  hostfs::RootedHostFs host(hostsDir() / "v2-systemd");
  auto mounts = mountsOf(host);
  ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
  EXPECT_EQ(mounts->mode, CgroupMode::kV2);
  CgroupReader reader(host, *mounts);
  auto found = PodDiscovery(host, reader, ResolverChain::standard()).discover();
  ASSERT_EQ(found.pods.size(), 3u);
  std::map<std::string, size_t> runtimes;
  for (const auto& pod : found.pods) {
    for (const auto& container : pod.containers) ++runtimes[container.ref.runtime];
    std::vector<Error> warnings;
    auto stats = reader.read(pod.cgroup_path, &warnings);
    ASSERT_TRUE(stats.ok()) << stats.error().toString();
    EXPECT_EQ(stats->cpu_usage_ns, 528946079000u);
    EXPECT_EQ(stats->cpu_throttled_periods, 222u);
    EXPECT_EQ(stats->cpu_throttled_ns, 2261444000u);
    EXPECT_EQ(stats->memory_rss_bytes, 2147508224u);
    EXPECT_EQ(stats->memory_cache_bytes, 590389248u);
    EXPECT_EQ(stats->disk.read_bytes, 40824832u);
    EXPECT_TRUE(stats->has_pressure);  // memory.pressure only; cpu/io absent without a warning
    EXPECT_EQ(stats->memory_limit_bytes, pod.qos == QosClass::kGuaranteed ? 4294967296u : 0u);
    EXPECT_EQ(stats->oom_kills, pod.qos == QosClass::kGuaranteed ? 2u : 0u);
    EXPECT_TRUE(warnings.empty()) << warnings.front().toString();
  }
  EXPECT_EQ(runtimes, (std::map<std::string, size_t>{{"containerd", 1}, {"cri-o", 1}, {"docker", 2}}));
}

// Damaged copies of a real tree: truncated and garbled files, a pod removed between discovery and
// reading. Each is an error value or a warning for that cgroup only; the others read normally.
class DamagedHost : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kubemonitor-damaged-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::copy(hostsDir() / "v1-cgroupfs", dir_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DamagedHost, TruncatedGarbledAndVanishedCgroups) {
  hostfs::RootedHostFs host(dir_);
  auto mounts = mountsOf(host);
  ASSERT_TRUE(mounts.ok());
  CgroupReader reader(host, *mounts);
  auto found = PodDiscovery(host, reader, ResolverChain::standard()).discover();
  ASSERT_EQ(found.pods.size(), 3u);
  const auto& besteffort = found.pods[0];
  const auto& burstable = found.pods[1];
  const auto& guaranteed = found.pods[2];
  ASSERT_EQ(burstable.qos, QosClass::kBurstable);
  const fs::path cpu = dir_ / "sys/fs/cgroup/cpu,cpuacct";
  const fs::path memory = dir_ / "sys/fs/cgroup/memory";
  {  // truncated: a short read cut the number and its newline
    std::ofstream(cpu / burstable.containers[0].cgroup_path.substr(1) / "cpuacct.usage") << "2850";
  }
  {  // garbled memory.stat in the other container
    std::ofstream(memory / burstable.containers[1].cgroup_path.substr(1) / "memory.stat") << "total_rss \x01\x02\n";
  }
  fs::remove_all(cpu / guaranteed.cgroup_path.substr(1));  // kubelet removed the pod meanwhile

  auto truncated = reader.read(burstable.containers[0].cgroup_path, nullptr);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code, ErrorCode::kTruncated);
  std::vector<Error> warnings;
  auto garbled = reader.read(burstable.containers[1].cgroup_path, &warnings);
  ASSERT_TRUE(garbled.ok());
  EXPECT_GT(garbled->cpu_usage_ns, 0u);
  EXPECT_EQ(garbled->memory_rss_bytes, 0u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].subject, "memory.stat");
  auto vanished = reader.read(guaranteed.containers[0].cgroup_path, nullptr);
  ASSERT_FALSE(vanished.ok());
  EXPECT_EQ(vanished.error().code, ErrorCode::kVanished);
  auto fine = reader.read(besteffort.containers[0].cgroup_path, nullptr);
  EXPECT_TRUE(fine.ok());
  auto again = PodDiscovery(host, reader, ResolverChain::standard()).discover();
  EXPECT_EQ(again.pods.size(), 2u);  // the next cycle no longer finds the removed pod
}

}  // namespace
}  // namespace kubemonitor::cgroup
