#include "cgroup/pod_discovery.h"

#include <gtest/gtest.h>

#include "hostfs/testing/fake_host_fs.h"

namespace kubemonitor::cgroup {
namespace {

constexpr std::string_view kUid = "1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d";
const std::string kId(64, 'b');

CgroupMounts v1Mounts() {
  CgroupMounts mounts;
  mounts.mode = CgroupMode::kV1;
  mounts.v1["cpu"] = {"/sys/fs/cgroup/cpu,cpuacct", "/"};
  mounts.v1["cpuacct"] = {"/sys/fs/cgroup/cpu,cpuacct", "/"};
  return mounts;
}

class PodDiscoveryTest : public ::testing::Test {
 protected:
  void addCgroup(const std::string& path) {
    fs_.addFile(fs_.paths().root() / ("sys/fs/cgroup/cpu,cpuacct" + path) / "cpuacct.usage", "1\n");
  }
  std::filesystem::path hostDir(const std::string& path) {
    return fs_.paths().root() / ("sys/fs/cgroup/cpu,cpuacct" + path);
  }

  hostfs::FakeHostFs fs_;
  CgroupReader reader_{fs_, v1Mounts()};
  PodDiscovery discovery_{fs_, reader_, ResolverChain::standard()};
};

TEST(PodUid, BothDriversSpellings) {
  EXPECT_EQ(podUidFromDirectory("pod" + std::string(kUid)), kUid);
  EXPECT_EQ(podUidFromDirectory("kubepods-burstable-pod1a2b3c4d_5e6f_4a0b_9c8d_7e6f5a4b3c2d.slice"), kUid);
  EXPECT_EQ(podUidFromDirectory("kubepods-pod1a2b3c4d_5e6f_4a0b_9c8d_7e6f5a4b3c2d.slice"), kUid);
  EXPECT_EQ(podUidFromDirectory("pod0123456789abcdef0123456789abcdef"), "0123456789abcdef0123456789abcdef");  // static pod
  EXPECT_EQ(podUidFromDirectory("kubepods-burstable.slice"), "");
  EXPECT_EQ(podUidFromDirectory("podcast"), "");
  EXPECT_EQ(podUidFromDirectory("burstable"), "");
}

TEST_F(PodDiscoveryTest, CgroupfsLayoutAllQosClasses) {
  addCgroup("/kubepods/pod" + std::string(kUid) + "/" + kId);
  addCgroup("/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" + kId);
  addCgroup("/kubepods/besteffort/pod9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a/" + kId);
  addCgroup("/kubepods/besteffort/pod9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a/" + std::string(64, 'c'));
  addCgroup("/system.slice/containerd.service");
  auto found = discovery_.discover();
  EXPECT_EQ(found.kubepods_path, "/kubepods");
  ASSERT_EQ(found.pods.size(), 3u);
  EXPECT_EQ(found.pods[0].qos, QosClass::kBestEffort);
  EXPECT_EQ(found.pods[0].containers.size(), 2u);
  EXPECT_EQ(found.pods[1].qos, QosClass::kBurstable);
  EXPECT_EQ(found.pods[2].qos, QosClass::kGuaranteed);
  EXPECT_EQ(found.pods[2].uid, kUid);
  EXPECT_EQ(found.pods[2].cgroup_path, "/kubepods/pod" + std::string(kUid));
  EXPECT_EQ(found.pods[2].containers[0].cgroup_path, "/kubepods/pod" + std::string(kUid) + "/" + kId);
  EXPECT_EQ(found.pods[2].containers[0].ref.id, kId);
}

TEST_F(PodDiscoveryTest, SystemdLayoutBelowACgroupRoot) {
  const std::string pod = "/kubelet.slice/kubepods.slice/kubepods-burstable.slice/"
                          "kubepods-burstable-pod1a2b3c4d_5e6f_4a0b_9c8d_7e6f5a4b3c2d.slice";
  addCgroup(pod + "/cri-containerd-" + kId + ".scope");
  addCgroup(pod + "/crio-conmon-" + kId + ".scope");
  auto found = discovery_.discover();
  EXPECT_EQ(found.kubepods_path, "/kubelet.slice/kubepods.slice");
  ASSERT_EQ(found.pods.size(), 1u);
  EXPECT_EQ(found.pods[0].uid, kUid);
  ASSERT_EQ(found.pods[0].containers.size(), 1u);
  EXPECT_EQ(found.pods[0].containers[0].ref.runtime, "containerd");
}

TEST_F(PodDiscoveryTest, NoKubeletMeansNoPodsAndNoError) {
  addCgroup("/user.slice/session-1.scope");
  auto found = discovery_.discover();
  EXPECT_TRUE(found.pods.empty());
  EXPECT_TRUE(found.kubepods_path.empty());
  EXPECT_TRUE(found.errors.empty());
}

TEST_F(PodDiscoveryTest, PodVanishingMidWalkIsCountedNotFatal) {
  addCgroup("/kubepods/burstable/pod" + std::string(kUid) + "/" + kId);
  addCgroup("/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" + kId);
  // Listed in burstable/, gone by the time its own directory is listed (rmdir by kubelet).
  fs_.failWith(hostDir("/kubepods/burstable/pod" + std::string(kUid)), makeError(ErrorCode::kNotFound, "gone"));
  auto found = discovery_.discover();
  EXPECT_EQ(found.vanished, 1u);
  ASSERT_EQ(found.pods.size(), 1u);
  EXPECT_EQ(found.pods[0].uid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  EXPECT_TRUE(found.errors.empty());
}

TEST_F(PodDiscoveryTest, UnreadableQosDirectoryIsAnErrorTheOthersStillCount) {
  addCgroup("/kubepods/burstable/pod" + std::string(kUid) + "/" + kId);
  addCgroup("/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" + kId);
  fs_.failWith(hostDir("/kubepods/besteffort"), makeError(ErrorCode::kPermission, "denied"));
  auto found = discovery_.discover();
  ASSERT_EQ(found.pods.size(), 1u);
  ASSERT_EQ(found.errors.size(), 1u);
  EXPECT_EQ(found.errors[0].code, ErrorCode::kPermission);
}

TEST_F(PodDiscoveryTest, PodWithoutContainersYetIsStillAPod) {
  fs_.addDir(hostDir("/kubepods/besteffort/pod" + std::string(kUid)));
  auto found = discovery_.discover();
  ASSERT_EQ(found.pods.size(), 1u);
  EXPECT_TRUE(found.pods[0].containers.empty());
}

TEST_F(PodDiscoveryTest, KnownPodsAreListedAgainOnlyWhenTheirSubdirectoriesChanged) {
  const std::string pod = "/kubepods/burstable/pod" + std::string(kUid);
  addCgroup(pod + "/" + kId);
  PodDiscovery discovery(fs_, reader_, ResolverChain::standard(), PodDiscoveryOptions{"", 4});
  ASSERT_EQ(discovery.discover().pods[0].containers.size(), 1u);  // call 0: full
  addCgroup(pod + "/" + std::string(64, 'c'));                     // a container started meanwhile
  EXPECT_EQ(discovery.discover().pods[0].containers.size(), 2u);  // call 1: the link count grew
  // A restart within one cycle: one cgroup removed, another made, the same count. The remembered
  // list stays until the collector sees the old one vanish and asks for a relist.
  fs_.removeFile(hostDir(pod + "/" + std::string(64, 'c')) / "cpuacct.usage");
  addCgroup(pod + "/" + std::string(64, 'd'));
  auto found = discovery.discover();                                // call 2
  ASSERT_EQ(found.pods[0].containers.size(), 2u);
  EXPECT_EQ(found.pods[0].containers[1].ref.id, std::string(64, 'c'));
  auto relisted = discovery.relistPod(pod);
  ASSERT_TRUE(relisted.ok());
  ASSERT_EQ(relisted->size(), 2u);
  EXPECT_EQ((*relisted)[1].ref.id, std::string(64, 'd'));
  EXPECT_EQ(discovery.discover().pods[0].containers[1].ref.id, std::string(64, 'd'));  // call 3
  // A new pod is found on the very next call, whatever the rescan period.
  addCgroup("/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" + kId);
  EXPECT_EQ(discovery.discover().pods.size(), 2u);
}

TEST_F(PodDiscoveryTest, ExplicitKubepodsPathIsUsedAsIs) {
  addCgroup("/kubepods/burstable/pod" + std::string(kUid) + "/" + kId);
  addCgroup("/custom-root/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" + kId);
  PodDiscovery discovery(fs_, reader_, ResolverChain::standard(), PodDiscoveryOptions{"/custom-root/kubepods", 1});
  auto found = discovery.discover();
  ASSERT_EQ(found.pods.size(), 1u);
  EXPECT_EQ(found.pods[0].uid, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
}

}  // namespace
}  // namespace kubemonitor::cgroup
