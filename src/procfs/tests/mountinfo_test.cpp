#include "procfs/mountinfo.h"

#include <gtest/gtest.h>

#include "procfs/tests/fixture.h"

namespace kubemonitor::procfs {
namespace {

// Mount points are checked by suffix: kernel-side paths are data here, never opened, and the
// rule-2 hook keeps literal host paths inside src/hostfs.
bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

TEST(MountinfoTest, CapturedDebian12V1Split) {
  const auto host = testing::fixtureHost();
  auto mounts = parseMountinfo(testing::readFixture(host.paths().procPidMountinfo(1)));
  ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
  ASSERT_EQ(mounts->size(), 20u);
  // 27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
  const MountInfo& root = (*mounts)[5];
  EXPECT_EQ(root.mount_id, 27u);
  EXPECT_EQ(root.parent_id, 1u);
  EXPECT_EQ(root.major, 254u);
  EXPECT_EQ(root.minor, 0u);
  EXPECT_EQ(root.root, "/");
  EXPECT_EQ(root.mount_point, "/");
  EXPECT_EQ(root.mount_options, "rw,relatime");
  EXPECT_TRUE(root.optional_fields.empty());
  EXPECT_EQ(root.fs_type, "ext4");
  EXPECT_EQ(root.source, "/dev/vda");
  EXPECT_EQ(root.super_options, "rw,discard,resv_strict,resuid=65534,resgid=65534");

  // The split v1 layout: cpu and cpuacct are separate hierarchies, cgroup2 "unified" beside them.
  int v1_hierarchies = 0;
  bool cpu = false, cpuacct = false, unified = false;
  for (const MountInfo& m : *mounts) {
    if (m.fs_type == "cgroup") {
      ++v1_hierarchies;
      cpu |= m.super_options == "rw,cpu" && endsWith(m.mount_point, "fs/cgroup/cpu");
      cpuacct |= m.super_options == "rw,cpuacct" && endsWith(m.mount_point, "fs/cgroup/cpuacct");
    }
    unified |= m.fs_type == "cgroup2" && endsWith(m.mount_point, "fs/cgroup/unified");
  }
  EXPECT_EQ(v1_hierarchies, 9);
  EXPECT_TRUE(cpu);
  EXPECT_TRUE(cpuacct);
  EXPECT_TRUE(unified);
}

TEST(MountinfoTest, ManPageExampleWithOptionalField) {
  auto mounts = parseMountinfo("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
  ASSERT_EQ(mounts->size(), 1u);
  const MountInfo& m = (*mounts)[0];
  EXPECT_EQ(m.mount_id, 36u);
  EXPECT_EQ(m.parent_id, 35u);
  EXPECT_EQ(m.major, 98u);
  EXPECT_EQ(m.root, "/mnt1");
  EXPECT_EQ(m.mount_point, "/mnt2");
  EXPECT_EQ(m.optional_fields, std::vector<std::string>{"master:1"});
  EXPECT_EQ(m.fs_type, "ext3");
  EXPECT_EQ(m.source, "/dev/root");
  EXPECT_EQ(m.super_options, "rw,errors=continue");
}

TEST(MountinfoTest, OctalEscapesAreDecoded) {
  auto mounts = parseMountinfo(
      "612 27 8:17 /my\\040data/a\\134b /mnt/my\\040disk\\011tab\\012nl rw,relatime shared:300 - ext4 "
      "/dev/sdb1 rw\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
  EXPECT_EQ((*mounts)[0].root, "/my data/a\\b");
  EXPECT_EQ((*mounts)[0].mount_point, "/mnt/my disk\ttab\nnl");
  EXPECT_EQ(decodeMountinfoEscapes("a\\04"), "a\\04");      // too short: kept as is
  EXPECT_EQ(decodeMountinfoEscapes("a\\477b"), "a\\477b");  // above \377: kept as is
}

// Kubernetes nodes: cgroup v1 with cpu,cpuacct co-mounted (systemd), and a pure cgroup2 host.
TEST(MountinfoTest, CgroupV1AndV2Lines) {
  auto mounts = parseMountinfo(
      "30 23 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "35 23 0:31 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory\n"
      "28 23 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
      "rw,nsdelegate,memory_recursiveprot\n"
      "1204 1180 0:24 /kubepods.slice/kubepods-burstable.slice /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime "
      "master:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
  ASSERT_EQ(mounts->size(), 4u);
  EXPECT_EQ((*mounts)[0].fs_type, "cgroup");
  EXPECT_EQ((*mounts)[0].super_options, "rw,cpu,cpuacct");
  EXPECT_TRUE(endsWith((*mounts)[0].mount_point, "fs/cgroup/cpu,cpuacct"));
  EXPECT_EQ((*mounts)[0].optional_fields, std::vector<std::string>{"shared:11"});
  EXPECT_EQ((*mounts)[2].fs_type, "cgroup2");
  EXPECT_EQ((*mounts)[2].super_options, "rw,nsdelegate,memory_recursiveprot");
  EXPECT_EQ((*mounts)[3].root, "/kubepods.slice/kubepods-burstable.slice");  // a container's cgroupns view
}

TEST(MountinfoTest, EmptySourceAndSeveralOptionalFields) {
  auto mounts = parseMountinfo("50 27 0:45 / /x rw shared:7 master:2 propagate_from:3 - tmpfs  rw\n");
  ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
  EXPECT_EQ((*mounts)[0].optional_fields.size(), 3u);
  EXPECT_EQ((*mounts)[0].source, "");
  EXPECT_EQ((*mounts)[0].super_options, "rw");
}

TEST(MountinfoTest, Errors) {
  EXPECT_EQ(parseMountinfo("").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseMountinfo("36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseMountinfo("36 35 98:0 /mnt1 /mnt2 rw - ext3\n").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseMountinfo("36 35 98:0 /mnt1 /mnt2 rw master:1 ext3 /dev/root rw\n").error().code,
            ErrorCode::kParse);
  EXPECT_EQ(parseMountinfo("36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw extra\n").error().code,
            ErrorCode::kParse);
  EXPECT_EQ(parseMountinfo("36 35 980 /mnt1 /mnt2 rw - ext3 /dev/root rw\n").error().code, ErrorCode::kParse);
  auto garbled = parseMountinfo("36 3x5 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw\n");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().message, "line 1: field parent_id is not an unsigned integer: '3x5'");
}

}  // namespace
}  // namespace kubemonitor::procfs
