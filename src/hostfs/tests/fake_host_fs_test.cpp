#include "hostfs/testing/fake_host_fs.h"

#include <gtest/gtest.h>

namespace kubemonitor::hostfs {
namespace {

TEST(FakeHostFsTest, FilesAreReadBack) {
  FakeHostFs fs;
  EXPECT_EQ(fs.paths().root(), "/fakehost");
  fs.addFile(fs.paths().procStat(), "cpu  1 2 3 4\n");
  EXPECT_EQ(fs.readFile(fs.paths().procStat()).value(), "cpu  1 2 3 4\n");
  EXPECT_EQ(fs.readFile("/fakehost/proc/./stat").value(), "cpu  1 2 3 4\n");  // paths normalised
  fs.addFile(fs.paths().procStat(), "replaced\n");
  EXPECT_EQ(fs.readFile(fs.paths().procStat()).value(), "replaced\n");
  EXPECT_EQ(fs.readFile(fs.paths().procMeminfo()).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(fs.readFile(fs.paths().procStat(), 3).error().code, ErrorCode::kTooLarge);
}

TEST(FakeHostFsTest, ListDirShowsDirectChildrenOfFilesAndDirs) {
  FakeHostFs fs("/host");
  fs.addFile(fs.paths().procPidStat(1), "1 (init) S\n");
  fs.addFile(fs.paths().procPidNetDev(1), "");
  fs.addFile(fs.paths().procStat(), "");
  fs.addDir(fs.paths().procPid(7));
  auto entries = fs.listDir(fs.paths().proc());
  ASSERT_TRUE(entries.ok()) << entries.error().toString();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "1");
  EXPECT_TRUE((*entries)[0].is_directory);
  EXPECT_EQ((*entries)[1].name, "7");
  EXPECT_TRUE((*entries)[1].is_directory);
  EXPECT_EQ((*entries)[2].name, "stat");
  EXPECT_FALSE((*entries)[2].is_directory);

  EXPECT_TRUE(fs.listDir(fs.paths().procPid(7)).value().empty());
  EXPECT_EQ(fs.listDir(fs.paths().sysBlock()).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(fs.readFile(fs.paths().procPid(7)).error().code, ErrorCode::kIo);
}

TEST(FakeHostFsTest, LinkCountIsTwoPlusSubdirectoriesLikeKernfs) {
  FakeHostFs fs;
  fs.addFile("/fakehost/sys/fs/cgroup/cpu/pod/a/cpuacct.usage", "1\n");
  fs.addDir("/fakehost/sys/fs/cgroup/cpu/pod/b");
  fs.addFile("/fakehost/sys/fs/cgroup/cpu/pod/cpuacct.usage", "1\n");
  EXPECT_EQ(*fs.linkCount("/fakehost/sys/fs/cgroup/cpu/pod"), 4u);
  EXPECT_EQ(*fs.linkCount("/fakehost/sys/fs/cgroup/cpu/pod/cpuacct.usage"), 1u);
  EXPECT_EQ(fs.linkCount("/fakehost/nowhere").error().code, ErrorCode::kNotFound);
}

TEST(FakeHostFsTest, RemoveFileSimulatesAnExitedPid) {
  FakeHostFs fs;
  fs.addFile(fs.paths().procPidIo(42), "rchar: 1\n");
  fs.removeFile(fs.paths().procPidIo(42));
  EXPECT_EQ(fs.readFile(fs.paths().procPidIo(42)).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(fs.listDir(fs.paths().proc()).error().code, ErrorCode::kNotFound);
}

TEST(FakeHostFsTest, FailWithOverridesEverything) {
  FakeHostFs fs;
  fs.addFile(fs.paths().procPidIo(1), "rchar: 1\n");
  fs.failWith(fs.paths().procPidIo(1), makeError(ErrorCode::kPermission, "EACCES"));
  fs.failWith(fs.paths().procPid(9), makeError(ErrorCode::kVanished, "ESRCH"));
  EXPECT_EQ(fs.readFile(fs.paths().procPidIo(1)).error().code, ErrorCode::kPermission);
  EXPECT_EQ(fs.listDir(fs.paths().procPid(9)).error().code, ErrorCode::kVanished);
  EXPECT_EQ(fs.fsStats(fs.paths().procPid(9)).error().code, ErrorCode::kVanished);
}

TEST(FakeHostFsTest, FsStats) {
  FakeHostFs fs;
  fs.setFsStats(fs.paths().root(), FsStats{100, 40, 30});
  auto stats = fs.fsStats(fs.paths().root());
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->capacity_bytes, 100u);
  EXPECT_EQ(stats->free_bytes, 40u);
  EXPECT_EQ(stats->available_bytes, 30u);
  EXPECT_EQ(fs.fsStats("/elsewhere").error().code, ErrorCode::kNotFound);
}

TEST(FakeHostFsTest, UsableThroughTheInterface) {
  FakeHostFs fake;
  fake.addFile(fake.paths().procUptime(), "1.00 2.00\n");
  const HostFs& fs = fake;
  EXPECT_EQ(fs.readFile(fs.paths().procUptime()).value(), "1.00 2.00\n");
}

}  // namespace
}  // namespace kubemonitor::hostfs
