#include "cgroup/cgroup_reader.h"

#include <gtest/gtest.h>

#include <map>

#include "hostfs/testing/fake_host_fs.h"

namespace kubemonitor::cgroup {
namespace {

constexpr std::string_view kPath = "/kubepods/burstable/podx/ctr";

class CgroupReaderV1Test : public ::testing::Test {
 protected:
  CgroupReaderV1Test() {
    mounts_.mode = CgroupMode::kHybrid;
    mounts_.v1["cpu"] = {"/sys/fs/cgroup/cpu", "/"};
    mounts_.v1["cpuacct"] = {"/sys/fs/cgroup/cpuacct", "/"};
    mounts_.v1["memory"] = {"/sys/fs/cgroup/memory", "/"};
    mounts_.v1["blkio"] = {"/sys/fs/cgroup/blkio", "/"};
    mounts_.unified = HierarchyMount{"/sys/fs/cgroup/unified", "/"};
    add("cpuacct", "cpuacct.usage", "2000000000\n");
    add("cpu", "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 3000\nnr_bursts 0\nburst_time 0\n");
    add("memory", "memory.usage_in_bytes", "1000\n");
    add("memory", "memory.stat", "cache 1\nrss 2\ntotal_cache 300\ntotal_rss 600\ntotal_inactive_file 1200\n");
    add("memory", "memory.limit_in_bytes", "9223372036854771712\n");
    add("memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
    add("blkio", "blkio.throttle.io_service_bytes_recursive", "254:0 Read 10\n254:0 Write 20\nTotal 30\n");
    add("blkio", "blkio.bfq.io_service_bytes_recursive", "254:0 Read 5\n254:0 Write 25\nTotal 30\n");
    add("unified", "memory.pressure", "some avg10=2.00 avg60=0 avg300=0 total=1\nfull avg10=1.00 avg60=0 avg300=0 total=1\n");
  }
  void add(const std::string& hierarchy, const std::string& file, std::string text) {
    fs_.addFile(fs_.paths().root() / ("sys/fs/cgroup/" + hierarchy) / std::string(kPath).substr(1) / file, std::move(text));
  }

  hostfs::FakeHostFs fs_;
  CgroupMounts mounts_;
};

TEST_F(CgroupReaderV1Test, EveryCounter) {
  CgroupReader reader(fs_, mounts_);
  std::vector<Error> warnings;
  auto stats = reader.read(kPath, &warnings);
  ASSERT_TRUE(stats.ok()) << stats.error().toString();
  EXPECT_EQ(stats->cpu_usage_ns, 2000000000u);
  EXPECT_EQ(stats->cpu_periods, 10u);
  EXPECT_EQ(stats->cpu_throttled_periods, 4u);
  EXPECT_EQ(stats->cpu_throttled_ns, 3000u);
  EXPECT_EQ(stats->memory_usage_bytes, 1000u);
  EXPECT_EQ(stats->memory_working_set_bytes, 0u);  // inactive_file > usage: floored at 0
  EXPECT_EQ(stats->memory_rss_bytes, 600u);        // total_*, not the cgroup's own
  EXPECT_EQ(stats->memory_cache_bytes, 300u);
  EXPECT_EQ(stats->memory_limit_bytes, 0u);        // LONG_MAX page-aligned = unlimited
  EXPECT_EQ(stats->oom_kills, 3u);
  EXPECT_EQ(stats->disk.read_bytes, 10u);          // the larger of the two blkio views
  EXPECT_EQ(stats->disk.write_bytes, 25u);
  EXPECT_TRUE(stats->has_pressure);
  EXPECT_DOUBLE_EQ(stats->memory_pressure.full_avg10_percent, 1.0);
  EXPECT_DOUBLE_EQ(stats->cpu_pressure.some_avg10_percent, 0.0);  // no cpu.pressure: absent, not a warning
  EXPECT_TRUE(warnings.empty()) << warnings.front().toString();
}

TEST_F(CgroupReaderV1Test, RemovedCgroupIsVanished) {
  CgroupReader reader(fs_, mounts_);
  auto stats = reader.read("/kubepods/burstable/podx/gone", nullptr);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code, ErrorCode::kVanished);
}

TEST_F(CgroupReaderV1Test, GarbledMemoryIsAWarningCpuStillCounts) {
  add("memory", "memory.stat", "total_rss 12\ntotal_cache");
  add("memory", "memory.limit_in_bytes", "lots\n");
  CgroupReader reader(fs_, mounts_);
  std::vector<Error> warnings;
  auto stats = reader.read(kPath, &warnings);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->cpu_usage_ns, 2000000000u);
  EXPECT_EQ(stats->memory_usage_bytes, 1000u);
  EXPECT_EQ(stats->memory_rss_bytes, 0u);
  EXPECT_EQ(warnings.size(), 2u);
}

TEST_F(CgroupReaderV1Test, TruncatedCpuIsAnError) {
  add("cpuacct", "cpuacct.usage", "20000");
  CgroupReader reader(fs_, mounts_);
  auto stats = reader.read(kPath, nullptr);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code, ErrorCode::kTruncated);
}

TEST_F(CgroupReaderV1Test, FilesStayOpenAcrossCyclesAndCloseWhenLeftOut) {
  CgroupReader reader(fs_, mounts_);
  auto cycle = [&](ReadPlan plan) {
    reader.beginCycle();
    auto stats = reader.read(kPath, nullptr, plan);
    reader.evictUnused();
    return stats;
  };
  ASSERT_TRUE(cycle({}).ok());
  // cpuacct.usage, cpu.stat, 4 memory files, 2 blkio files, memory.pressure (the other two are absent).
  EXPECT_EQ(reader.openFiles(), 9u);
  const size_t opens = fs_.rereadableOpens();
  add("cpuacct", "cpuacct.usage", "3000000000\n");
  auto second = cycle({});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->cpu_usage_ns, 3000000000u);  // new content through the kept descriptor
  EXPECT_EQ(fs_.rereadableOpens(), opens);       // nothing opened again

  // A cycle without disk and pressure closes those files; the next one that wants them reopens.
  auto lean = cycle(ReadPlan{kNoPressure, false});
  ASSERT_TRUE(lean.ok());
  EXPECT_EQ(lean->disk.write_bytes, 0u);
  EXPECT_FALSE(lean->has_pressure);
  EXPECT_EQ(reader.openFiles(), 6u);
  auto full = cycle({});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->disk.write_bytes, 25u);
  EXPECT_EQ(fs_.rereadableOpens(), opens + 3);
  // A cycle that does not read the cgroup at all closes everything it had.
  reader.beginCycle();
  reader.evictUnused();
  EXPECT_EQ(reader.openFiles(), 0u);
}

TEST_F(CgroupReaderV1Test, OverTheBudgetFilesAreReadWithoutBeingKept) {
  CgroupReader reader(fs_, mounts_, /*max_open_files=*/2);
  reader.beginCycle();
  auto stats = reader.read(kPath, nullptr);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(reader.openFiles(), 2u);
  EXPECT_EQ(stats->oom_kills, 3u);  // read all the same
  EXPECT_EQ(stats->disk.write_bytes, 25u);
  EXPECT_DOUBLE_EQ(stats->memory_pressure.full_avg10_percent, 1.0);
}

// One cycle of `reader` over kPath with `plan`.
Result<CgroupStats> readCycle(CgroupReader& reader, ReadPlan plan = {}) {
  reader.beginCycle();
  auto stats = reader.read(kPath, nullptr, plan);
  reader.evictUnused();
  return stats;
}

TEST_F(CgroupReaderV1Test, ThrottlingIsReadOnceWithoutAQuotaThenEveryCycleWithOne) {
  add("cpu", "cpu.cfs_quota_us", "-1\n");
  CgroupReader reader(fs_, mounts_);
  ASSERT_EQ(readCycle(reader)->cpu_throttled_periods, 4u);  // counters of an earlier quota: read once
  // No quota: the kernel's period timer does not run, so the counters cannot move; a change made
  // to the file anyway (the fake lets it) shows that the reader does not look.
  add("cpu", "cpu.stat", "nr_periods 11\nnr_throttled 5\nthrottled_time 4000\n");
  for (uint64_t i = 1; i < CgroupReader::kRareFilesEveryCycles; ++i) {
    auto stats = readCycle(reader);
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->cpu_periods, 10u);
    EXPECT_EQ(stats->cpu_throttled_periods, 4u);
    EXPECT_EQ(stats->cpu_throttled_ns, 3000u);
  }
  // A quota set in place is found on the quota file's cadence; from then on every cycle reads.
  add("cpu", "cpu.cfs_quota_us", "50000\n");
  EXPECT_EQ(readCycle(reader)->cpu_throttled_periods, 5u);
  add("cpu", "cpu.stat", "nr_periods 12\nnr_throttled 6\nthrottled_time 5000\n");
  EXPECT_EQ(readCycle(reader)->cpu_throttled_periods, 6u);
  // Removing the quota unthrottles once more (throttled_time grows): read on the cycle that finds it.
  for (uint64_t i = 2; i < CgroupReader::kRareFilesEveryCycles; ++i) ASSERT_TRUE(readCycle(reader).ok());
  add("cpu", "cpu.cfs_quota_us", "-1\n");
  add("cpu", "cpu.stat", "nr_periods 12\nnr_throttled 6\nthrottled_time 5500\n");
  EXPECT_EQ(readCycle(reader)->cpu_throttled_ns, 5500u);
  add("cpu", "cpu.stat", "nr_periods 99\nnr_throttled 99\nthrottled_time 99\n");
  EXPECT_EQ(readCycle(reader)->cpu_throttled_ns, 5500u);
  // A container whose spec has a CPU limit is read every cycle, whatever the quota file said.
  ReadPlan limited;
  limited.cpu_limited = true;
  EXPECT_EQ(readCycle(reader, limited)->cpu_throttled_ns, 99u);
}

TEST_F(CgroupReaderV1Test, OomCountKeepsItsLastValueWhenThePlanLeavesItOut) {
  CgroupReader reader(fs_, mounts_);
  ReadPlan no_oom;
  no_oom.oom = false;
  EXPECT_EQ(readCycle(reader, no_oom)->oom_kills, 3u) << "never read: read now";
  add("memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
  EXPECT_EQ(readCycle(reader, no_oom)->oom_kills, 3u);
  EXPECT_EQ(reader.openFiles(), 8u) << "the OOM file left out is closed (its kernel memory back)";
  EXPECT_EQ(readCycle(reader)->oom_kills, 4u);
}

TEST_F(CgroupReaderV1Test, LimitInForceFromMemoryStatWithoutTheLimitFile) {
  add("memory", "memory.stat", "total_cache 300\ntotal_rss 600\ntotal_inactive_file 100\nhierarchical_memory_limit 268435456\n");
  fs_.removeFile(fs_.paths().root() / "sys/fs/cgroup/memory" / std::string(kPath).substr(1) / "memory.limit_in_bytes");
  CgroupReader reader(fs_, mounts_);
  std::vector<Error> warnings;
  reader.beginCycle();
  auto stats = reader.read(kPath, &warnings);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->memory_limit_bytes, 268435456u);
  EXPECT_TRUE(warnings.empty()) << warnings.front().toString();
  add("memory", "memory.stat", "total_inactive_file 0\nhierarchical_memory_limit 9223372036854771712\n");
  EXPECT_EQ(readCycle(reader)->memory_limit_bytes, 0u);  // unlimited up to the root
}

TEST_F(CgroupReaderV1Test, ACgroupMadeAgainAtThePathForgetsWhatTheOldOneSaid) {
  add("cpu", "cpu.cfs_quota_us", "-1\n");
  CgroupReader reader(fs_, mounts_);
  ReadPlan no_oom;
  no_oom.oom = false;
  ASSERT_EQ(readCycle(reader, no_oom)->oom_kills, 3u);
  // The container restarts: its cgroup goes away (the kept descriptors say so), a new one comes.
  const auto cpuacct = fs_.paths().root() / "sys/fs/cgroup/cpuacct" / std::string(kPath).substr(1) / "cpuacct.usage";
  fs_.removeFile(cpuacct);
  ASSERT_EQ(readCycle(reader, no_oom).error().code, ErrorCode::kVanished);
  add("cpuacct", "cpuacct.usage", "5\n");
  add("memory", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  add("cpu", "cpu.stat", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n");
  auto fresh = readCycle(reader, no_oom);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->cpu_usage_ns, 5u);
  EXPECT_EQ(fresh->oom_kills, 0u);
  EXPECT_EQ(fresh->cpu_throttled_periods, 0u);
}

TEST_F(CgroupReaderV1Test, KeptFilesStayWithinTheKernelMemoryBudgetInBytes) {
  constexpr size_t kFile = CgroupReader::kPinnedBytesPerFile;
  CgroupReader reader(fs_, mounts_, CgroupReader::kDefaultMaxOpenFiles, 5 * kFile);
  reader.reservePinnedBytes(kFile);  // a higher-value file's share comes first
  ASSERT_TRUE(readCycle(reader).ok());
  EXPECT_EQ(reader.openFiles(), 4u);
  EXPECT_EQ(reader.pinnedBytes(), 5 * kFile);
  EXPECT_FALSE(reader.pinExternal(kFile)) << "full";
  reader.reservePinnedBytes(0);
  EXPECT_TRUE(reader.pinExternal(kFile));
  EXPECT_FALSE(reader.pinExternal(1));
  reader.unpinExternal(kFile);
  auto stats = readCycle(reader);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->oom_kills, 3u) << "files over the budget are read all the same";
  EXPECT_EQ(reader.openFiles(), 5u);
}

TEST_F(CgroupReaderV1Test, NamespacedRootMapsPaths) {
  mounts_.v1["memory"] = {"/sys/fs/cgroup/memory", "/kubepods"};
  CgroupReader reader(fs_, mounts_);
  auto dir = reader.directory("memory", "/kubepods/burstable/podx");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(*dir, fs_.paths().root() / "sys/fs/cgroup/memory/burstable/podx");
  EXPECT_FALSE(reader.directory("memory", "/kubepodsx/a").ok());
  EXPECT_FALSE(reader.directory("memory", "/system.slice").ok());
}

CgroupMounts unifiedOnly() {
  CgroupMounts mounts;
  mounts.mode = CgroupMode::kV2;
  mounts.unified = HierarchyMount{"/sys/fs/cgroup", "/"};
  return mounts;
}

TEST(CgroupReaderV2, EveryCounterFromTheUnifiedTree) {
  hostfs::FakeHostFs fs;
  const CgroupMounts mounts = unifiedOnly();
  const auto dir = fs.paths().root() / "sys/fs/cgroup/kubepods.slice/p.slice/c.scope";
  fs.addFile(dir / "cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\nnr_throttled 2\nthrottled_usec 40\n");
  fs.addFile(dir / "memory.current", "5000\n");
  fs.addFile(dir / "memory.stat", "anon 3000\nfile 1500\ninactive_file 1000\n");
  fs.addFile(dir / "memory.max", "8192\n");
  fs.addFile(dir / "memory.events", "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n");
  fs.addFile(dir / "io.stat", "8:0 rbytes=7 wbytes=9 rios=1 wios=1 dbytes=0 dios=0\n");
  fs.addFile(dir / "cpu.pressure", "some avg10=12.50 avg60=0 avg300=0 total=9\n");
  CgroupReader reader(fs, mounts);
  std::vector<Error> warnings;
  auto stats = reader.read("/kubepods.slice/p.slice/c.scope", &warnings);
  ASSERT_TRUE(stats.ok()) << stats.error().toString();
  EXPECT_EQ(stats->cpu_usage_ns, 1500000u);
  EXPECT_EQ(stats->cpu_throttled_ns, 40000u);
  EXPECT_EQ(stats->memory_working_set_bytes, 4000u);
  EXPECT_EQ(stats->memory_rss_bytes, 3000u);
  EXPECT_EQ(stats->memory_cache_bytes, 1500u);
  EXPECT_EQ(stats->memory_limit_bytes, 8192u);
  EXPECT_EQ(stats->oom_kills, 1u);
  EXPECT_EQ(stats->disk.write_bytes, 9u);
  EXPECT_DOUBLE_EQ(stats->cpu_pressure.some_avg10_percent, 12.5);
  EXPECT_TRUE(warnings.empty());
}

TEST(CgroupReaderV2, MemoryMaxIsReadOnItsCadence) {
  hostfs::FakeHostFs fs;
  const std::string path = "/kubepods.slice/c.scope";
  const auto dir = fs.paths().root() / "sys/fs/cgroup/kubepods.slice/c.scope";
  for (const auto& [file, text] : std::map<std::string, std::string>{
           {"cpu.stat", "usage_usec 1\n"}, {"memory.current", "1\n"}, {"memory.stat", "anon 1\n"},
           {"memory.max", "8192\n"}, {"memory.events", "oom_kill 0\n"}}) {
    fs.addFile(dir / file, text);
  }
  CgroupReader reader(fs, unifiedOnly());
  auto cycle = [&] {
    reader.beginCycle();
    auto stats = reader.read(path, nullptr);
    reader.evictUnused();
    return stats->memory_limit_bytes;
  };
  EXPECT_EQ(cycle(), 8192u);
  fs.addFile(dir / "memory.max", "max\n");
  for (uint64_t i = 1; i < CgroupReader::kRareFilesEveryCycles; ++i) EXPECT_EQ(cycle(), 8192u);
  EXPECT_EQ(cycle(), 0u) << "read again after kRareFilesEveryCycles cycles";
}

}  // namespace
}  // namespace kubemonitor::cgroup
