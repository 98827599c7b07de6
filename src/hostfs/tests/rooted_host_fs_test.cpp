#include "hostfs/rooted_host_fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace kubemonitor::hostfs {
namespace {

// A fresh host root under /tmp per test (DESIGN rule 10: temp dirs), removed in TearDown.
class RootedHostFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/kubemonitor-hostfs-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    root_ = templ;
  }
  void TearDown() override {
    std::error_code ignored;  // best effort: a leftover temp dir must not fail the test
    std::filesystem::remove_all(root_, ignored);
  }
  void write(const std::filesystem::path& relative, const std::string& content) {
    const std::filesystem::path path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  std::filesystem::path root_;
};

TEST_F(RootedHostFsTest, ReadsWholeFilesUnderTheRoot) {
  write("proc/stat", "cpu  1 2 3 4\n");
  write("proc/empty", "");
  RootedHostFs fs(root_);
  EXPECT_EQ(fs.paths().root(), root_);
  auto stat = fs.readFile(fs.paths().procStat());
  ASSERT_TRUE(stat.ok()) << stat.error().toString();
  EXPECT_EQ(*stat, "cpu  1 2 3 4\n");
  EXPECT_EQ(fs.readFile(fs.paths().proc() / "empty").value(), "");
}

TEST_F(RootedHostFsTest, ReadsFilesLargerThanOneChunk) {
  std::string big(300 * 1024 + 17, 'x');  // several 64 KiB read(2) calls
  write("big", big);
  RootedHostFs fs(root_);
  auto content = fs.readFile(root_ / "big");
  ASSERT_TRUE(content.ok()) << content.error().toString();
  EXPECT_EQ(content->size(), big.size());
}

TEST_F(RootedHostFsTest, SizeCapIsInclusive) {
  write("ten", "0123456789");
  RootedHostFs fs(root_);
  EXPECT_EQ(fs.readFile(root_ / "ten", 10).value(), "0123456789");
  auto over = fs.readFile(root_ / "ten", 9);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(over.error().subject, (root_ / "ten").string());
  auto zero = fs.readFile(root_ / "ten", 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, ErrorCode::kTooLarge);
}

TEST_F(RootedHostFsTest, MissingFileIsNotFound) {
  RootedHostFs fs(root_);
  auto missing = fs.readFile(fs.paths().procMeminfo());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().subject, fs.paths().procMeminfo().string());
}

TEST_F(RootedHostFsTest, MissingPidDirectoryIsVanishedButMissingFileOfLivePidIsNotFound) {
  write("proc/123/stat", "123 (x) S\n");
  RootedHostFs fs(root_);
  auto gone = fs.readFile(fs.paths().procPidNetDev(999));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kVanished);
  auto no_io = fs.readFile(fs.paths().procPidIo(123));  // e.g. a kernel without task I/O accounting
  ASSERT_FALSE(no_io.ok());
  EXPECT_EQ(no_io.error().code, ErrorCode::kNotFound);
  auto gone_dir = fs.listDir(fs.paths().procPid(999));
  ASSERT_FALSE(gone_dir.ok());
  EXPECT_EQ(gone_dir.error().code, ErrorCode::kVanished);
}

TEST_F(RootedHostFsTest, ReadingADirectoryIsAnIoError) {
  write("proc/1/net/dev", "x\n");
  RootedHostFs fs(root_);
  auto dir = fs.readFile(fs.paths().proc());
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().code, ErrorCode::kIo);
}

TEST_F(RootedHostFsTest, UnreadableFileIsPermission) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses file modes";
  write("secret", "x");
  std::filesystem::permissions(root_ / "secret", std::filesystem::perms::none);
  RootedHostFs fs(root_);
  auto secret = fs.readFile(root_ / "secret");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code, ErrorCode::kPermission);
}

TEST_F(RootedHostFsTest, ListDirIsSortedAndMarksDirectories) {
  write("proc/20/stat", "");
  write("proc/3/stat", "");
  write("proc/stat", "");
  std::filesystem::create_symlink("3", root_ / "proc" / "self");
  RootedHostFs fs(root_);
  auto entries = fs.listDir(fs.paths().proc());
  ASSERT_TRUE(entries.ok()) << entries.error().toString();
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].name, "20");
  EXPECT_TRUE((*entries)[0].is_directory);
  EXPECT_EQ((*entries)[1].name, "3");
  EXPECT_EQ((*entries)[2].name, "self");
  EXPECT_FALSE((*entries)[2].is_directory);  // a symlink, as /proc/self is
  EXPECT_EQ((*entries)[3].name, "stat");
  EXPECT_FALSE((*entries)[3].is_directory);

  auto missing = fs.listDir(fs.paths().sysBlock());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(RootedHostFsTest, FsStatsOfTheTempDir) {
  RootedHostFs fs(root_);
  auto stats = fs.fsStats(root_);
  ASSERT_TRUE(stats.ok()) << stats.error().toString();
  EXPECT_GT(stats->capacity_bytes, 0u);
  EXPECT_LE(stats->free_bytes, stats->capacity_bytes);
  EXPECT_LE(stats->available_bytes, stats->free_bytes);
  EXPECT_EQ(fs.fsStats(root_ / "nope").error().code, ErrorCode::kNotFound);
}

// The real host, read through HostPaths("/"): this process's own /proc entries.
TEST(RootedHostFsRealHostTest, ReadsOwnProcEntries) {
  RootedHostFs fs("/");
  const int pid = static_cast<int>(::getpid());
  auto stat = fs.readFile(fs.paths().procPidStat(pid));
  ASSERT_TRUE(stat.ok()) << stat.error().toString();
  EXPECT_EQ(stat->rfind(std::to_string(pid) + " (", 0), 0u) << *stat;

  auto mountinfo = fs.readFile(fs.paths().procPidMountinfo(pid));
  ASSERT_TRUE(mountinfo.ok()) << mountinfo.error().toString();
  EXPECT_FALSE(mountinfo->empty());  // st_size is 0 for /proc files: this proves we read to EOF
  EXPECT_EQ(mountinfo->back(), '\n');

  auto host_stat = fs.readFile(fs.paths().procStat());
  ASSERT_TRUE(host_stat.ok()) << host_stat.error().toString();
  EXPECT_EQ(host_stat->rfind("cpu ", 0), 0u);

  auto pids = fs.listDir(fs.paths().proc());
  ASSERT_TRUE(pids.ok()) << pids.error().toString();
  bool found_self = false;
  for (const DirEntry& entry : *pids) {
    if (entry.name == std::to_string(pid)) found_self = entry.is_directory;
  }
  EXPECT_TRUE(found_self);

  auto root_stats = fs.fsStats(fs.paths().root());
  ASSERT_TRUE(root_stats.ok()) << root_stats.error().toString();
  EXPECT_GT(root_stats->capacity_bytes, 0u);
}

TEST(RootedHostFsRealHostTest, NetworkNamespaceLinksNameTheNamespace) {
  RootedHostFs fs("/");
  auto own = fs.readLink(fs.paths().procPidNetNs(static_cast<int>(::getpid())));
  ASSERT_TRUE(own.ok()) << own.error().toString();
  EXPECT_EQ(own->rfind("net:[", 0), 0U) << *own;
  auto missing = fs.readLink(fs.paths().procPidNetNs(INT_MAX));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kVanished);
}

TEST_F(RootedHostFsTest, ReadLinkOfARegularFileIsAnError) {
  write("proc/file", "x");
  RootedHostFs fs(root_);
  auto result = fs.readLink(root_ / "proc/file");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kIo) << result.error().toString();
}

TEST(RootedHostFsRealHostTest, PidThatDoesNotExistIsVanished) {
  RootedHostFs fs("/");
  // INT_MAX is above any pid_max (at most 2^22), so this pid can never exist.
  auto never = fs.readFile(fs.paths().procPidStat(INT_MAX));
  ASSERT_FALSE(never.ok());
  EXPECT_EQ(never.error().code, ErrorCode::kVanished) << never.error().toString();

  // A child that has exited and been reaped: its /proc entry is gone.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  auto exited = fs.readFile(fs.paths().procPidIo(static_cast<int>(child)));
  ASSERT_FALSE(exited.ok());
  EXPECT_EQ(exited.error().code, ErrorCode::kVanished) << exited.error().toString();
}

TEST(RootedHostFsRealHostTest, RereadableFileSeesNewContentEachRead) {
  RootedHostFs fs("/");
  auto io = fs.openRereadable(fs.paths().procPidIo(getpid()));
  ASSERT_TRUE(io.ok()) << io.error().toString();
  std::string buffer;
  auto first = (*io)->read(buffer);
  ASSERT_TRUE(first.ok());
  const std::string before(*first);
  {
    std::ifstream again("/proc/self/stat");  // a read(2) moves this process's rchar
    std::string discard((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  }
  auto second = (*io)->read(buffer);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(std::string(*second), before);
  EXPECT_EQ(second->substr(0, 7), "rchar: ");
}

TEST(RootedHostFsRealHostTest, RereadableFileOfARemovedCgroupIsVanished) {
  const std::string dir = "/sys/fs/cgroup/cpuacct/kubemonitor-hostfs-test-" + std::to_string(getpid());
  if (geteuid() != 0 || ::mkdir(dir.c_str(), 0755) != 0) GTEST_SKIP() << "needs root and a v1 cpuacct hierarchy";
  RootedHostFs fs("/");
  auto usage = fs.openRereadable(dir + "/cpuacct.usage");
  ASSERT_TRUE(usage.ok()) << usage.error().toString();
  std::string buffer;
  EXPECT_EQ(*(*usage)->read(buffer), "0\n");
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  auto gone = (*usage)->read(buffer);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kVanished);
}

TEST(RootedHostFsRealHostTest, LinkCountOfACgroupDirectoryCountsItsChildCgroups) {
  const std::string dir = "/sys/fs/cgroup/cpuacct/kubemonitor-hostfs-links-" + std::to_string(getpid());
  if (geteuid() != 0 || ::mkdir(dir.c_str(), 0755) != 0) GTEST_SKIP() << "needs root and a v1 cpuacct hierarchy";
  RootedHostFs fs("/");
  EXPECT_EQ(*fs.linkCount(dir), 2u);
  ASSERT_EQ(::mkdir((dir + "/a").c_str(), 0755), 0);
  EXPECT_EQ(*fs.linkCount(dir), 3u);  // kernfs: 2 + subdirectories
  EXPECT_EQ(*fs.linkCount(dir + "/cpuacct.usage"), 1u);
  ASSERT_EQ(::rmdir((dir + "/a").c_str()), 0);
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  auto gone = fs.linkCount(dir);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kubemonitor::hostfs
