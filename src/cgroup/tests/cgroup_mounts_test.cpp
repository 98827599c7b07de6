#include "cgroup/cgroup_mounts.h"

#include <gtest/gtest.h>

namespace kubemonitor::cgroup {
namespace {

std::vector<procfs::MountInfo> parse(std::string_view text) {
  auto mounts = procfs::parseMountinfo(text);
  EXPECT_TRUE(mounts.ok()) << mounts.error().toString();
  return mounts.ok() ? *mounts : std::vector<procfs::MountInfo>{};
}

// Lines as the kernel prints them (this machine's /proc/1/mountinfo, and common layouts).
constexpr std::string_view kSplit =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n";
constexpr std::string_view kUnifiedLine = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
constexpr std::string_view kCoMounted =
    "33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 25 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory\n";
constexpr std::string_view kV2 =
    "26 23 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

TEST(CgroupMounts, SplitV1ControllersWithoutCgroup2AreV1) {
  auto mounts = detectCgroupMounts(parse(kSplit));
  ASSERT_TRUE(mounts.ok()) << mounts.error().toString();
  EXPECT_EQ(mounts->mode, CgroupMode::kV1);
  EXPECT_EQ(mounts->hierarchyFor("cpu")->mount_point, "/sys/fs/cgroup/cpu");
  EXPECT_EQ(mounts->hierarchyFor("cpuacct")->mount_point, "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(mounts->hierarchyFor("memory")->mount_point, "/sys/fs/cgroup/memory");
  EXPECT_EQ(mounts->hierarchyFor("name=systemd"), nullptr);  // a named hierarchy holds no controller
  EXPECT_EQ(mounts->hierarchyFor("pids"), nullptr);
  EXPECT_FALSE(mounts->unified.has_value());
}

TEST(CgroupMounts, CoMountedControllersShareOneHierarchy) {
  auto mounts = detectCgroupMounts(parse(kCoMounted));
  ASSERT_TRUE(mounts.ok());
  EXPECT_EQ(mounts->mode, CgroupMode::kV1);
  EXPECT_EQ(mounts->hierarchyFor("cpu")->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(mounts->hierarchyFor("cpuacct")->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
}

TEST(CgroupMounts, V1BesideCgroup2IsHybrid) {
  auto mounts = detectCgroupMounts(parse(std::string(kSplit) + std::string(kUnifiedLine)));
  ASSERT_TRUE(mounts.ok());
  EXPECT_EQ(mounts->mode, CgroupMode::kHybrid);
  ASSERT_TRUE(mounts->unified.has_value());
  EXPECT_EQ(mounts->unified->mount_point, "/sys/fs/cgroup/unified");
  EXPECT_EQ(mounts->hierarchyFor("memory")->mount_point, "/sys/fs/cgroup/memory");  // counters stay on v1
}

TEST(CgroupMounts, LoneCgroup2IsV2AndServesEveryController) {
  auto mounts = detectCgroupMounts(parse(kV2));
  ASSERT_TRUE(mounts.ok());
  EXPECT_EQ(mounts->mode, CgroupMode::kV2);
  EXPECT_EQ(mounts->hierarchyFor("memory")->mount_point, "/sys/fs/cgroup");
  EXPECT_EQ(mounts->hierarchyFor("cpu")->mount_point, "/sys/fs/cgroup");
}

TEST(CgroupMounts, ForcedModeWinsWhenTheMountsAllowIt) {
  auto v1 = detectCgroupMounts(parse(std::string(kSplit) + std::string(kUnifiedLine)), CgroupMode::kV1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->mode, CgroupMode::kV1);
  EXPECT_FALSE(v1->unified.has_value());  // forced v1 ignores the cgroup2 tree (no PSI from it)
  auto v2 = detectCgroupMounts(parse(std::string(kSplit) + std::string(kUnifiedLine)), CgroupMode::kV2);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->hierarchyFor("memory")->mount_point, "/sys/fs/cgroup/unified");
}

TEST(CgroupMounts, ForcedModeWithoutItsMountsIsAClearError) {
  auto v2 = detectCgroupMounts(parse(kSplit), CgroupMode::kV2);
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.error().code, ErrorCode::kNotFound);
  EXPECT_NE(v2.error().message.find("cgroup2"), std::string::npos);
  auto hybrid = detectCgroupMounts(parse(kV2), CgroupMode::kHybrid);
  ASSERT_FALSE(hybrid.ok());
  EXPECT_NE(hybrid.error().message.find("v1"), std::string::npos);
}

TEST(CgroupMounts, NoCgroupMountAtAllIsNotFound) {
  auto mounts = detectCgroupMounts(parse("22 1 0:21 / /proc rw - proc proc rw\n"));
  ASSERT_FALSE(mounts.ok());
  EXPECT_EQ(mounts.error().code, ErrorCode::kNotFound);
}

TEST(CgroupMounts, NamespacedRootIsKept) {
  auto mounts = detectCgroupMounts(parse("40 31 0:33 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                                         "41 31 0:34 /docker/abc /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"));
  ASSERT_TRUE(mounts.ok());
  EXPECT_EQ(mounts->hierarchyFor("memory")->root, "/docker/abc");
}

TEST(CgroupMounts, ModeFlag) {
  EXPECT_FALSE(parseCgroupModeFlag("auto")->has_value());
  EXPECT_EQ(parseCgroupModeFlag("v1")->value(), CgroupMode::kV1);
  EXPECT_EQ(parseCgroupModeFlag("hybrid")->value(), CgroupMode::kHybrid);
  EXPECT_EQ(parseCgroupModeFlag("v2")->value(), CgroupMode::kV2);
  auto bad = parseCgroupModeFlag("v3");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kubemonitor::cgroup
