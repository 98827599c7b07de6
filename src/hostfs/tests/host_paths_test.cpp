#include "hostfs/host_paths.h"

#include <gtest/gtest.h>

namespace kubemonitor::hostfs {
namespace {

TEST(HostPathsTest, BareHostRoot) {
  HostPaths paths("/");
  EXPECT_EQ(paths.root(), "/");
  EXPECT_EQ(paths.proc(), "/proc");
  EXPECT_EQ(paths.procStat(), "/proc/stat");
  EXPECT_EQ(paths.procMeminfo(), "/proc/meminfo");
  EXPECT_EQ(paths.procDiskstats(), "/proc/diskstats");
  EXPECT_EQ(paths.procUptime(), "/proc/uptime");
  EXPECT_EQ(paths.sysBlock(), "/sys/block");
}

TEST(HostPathsTest, DaemonSetRootPrefixesEveryPath) {
  HostPaths paths("/host");
  EXPECT_EQ(paths.procStat(), "/host/proc/stat");
  EXPECT_EQ(paths.procPid(42), "/host/proc/42");
  EXPECT_EQ(paths.procPidNetDev(42), "/host/proc/42/net/dev");
  EXPECT_EQ(paths.procPidMountinfo(1), "/host/proc/1/mountinfo");
  EXPECT_EQ(paths.procPidIo(7), "/host/proc/7/io");
  EXPECT_EQ(paths.procPidStat(7), "/host/proc/7/stat");
  EXPECT_EQ(paths.procPidCgroup(7), "/host/proc/7/cgroup");
  EXPECT_EQ(paths.procPidRoot(7), "/host/proc/7/root");
  EXPECT_EQ(paths.sysBlockDevice("nvme0n1"), "/host/sys/block/nvme0n1");
}

TEST(HostPathsTest, RootIsNormalised) {
  EXPECT_EQ(HostPaths("/host/").procStat(), "/host/proc/stat");
  EXPECT_EQ(HostPaths("/host/./").root(), "/host");
  EXPECT_EQ(HostPaths("").root(), "/");
}

TEST(HostPathsTest, RootIsHeldByValue) {
  std::filesystem::path root = "/host";
  HostPaths paths(root);
  root = "/elsewhere";  // the Falco bug: a root held by reference would follow this change
  EXPECT_EQ(paths.procStat(), "/host/proc/stat");
}

TEST(HostPathsTest, SlashInDeviceNameBecomesBang) {
  EXPECT_EQ(HostPaths("/").sysBlockDevice("cciss/c0d0"), "/sys/block/cciss!c0d0");
}

TEST(HostPathsTest, HostPathJoinsAbsolutePaths) {
  HostPaths paths("/host");
  auto p = paths.hostPath("/sys/fs/cgroup/cpu,cpuacct");
  ASSERT_TRUE(p.ok()) << p.error().toString();
  EXPECT_EQ(*p, "/host/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(paths.hostPath("/").value(), "/host");
  EXPECT_EQ(paths.hostPath("//var/./lib//kubelet/").value(), "/host/var/lib/kubelet");
  EXPECT_EQ(paths.hostPath("/a/b/../c").value(), "/host/a/c");
  EXPECT_EQ(HostPaths("/").hostPath("/sys/fs/cgroup").value(), "/sys/fs/cgroup");
}

TEST(HostPathsTest, HostPathRejectsEscapesAndRelativePaths) {
  HostPaths paths("/host");
  for (std::string_view bad : {"/..", "/../etc/shadow", "/a/../../etc", "/sys/../../..", "relative/path", "",
                               "./proc"}) {
    auto p = paths.hostPath(bad);
    ASSERT_FALSE(p.ok()) << bad << " -> " << p.value();
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  auto nul = paths.hostPath(std::string_view("/a\0b", 4));
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kubemonitor::hostfs
