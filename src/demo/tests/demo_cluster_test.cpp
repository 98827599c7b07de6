// The demo's plan is checked without root: the pod JSON goes through the agent's own Kubernetes
// parser, so the names, owners and ids the agent will see are the ones asserted here. As root,
// the cluster is built on the real kernel and must leave nothing behind.

#include "demo/demo_cluster.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/testing/child_process.h"
#include "kube/pod_json.h"

namespace kubemonitor::demo {
namespace {

constexpr uint32_t kRunId = 0xab12cd34;

bool isHex(const std::string& text) { return text.find_first_not_of("0123456789abcdef") == std::string::npos; }

TEST(DemoPods, TwoNamespacesThreeDeploymentsTwoPodsEach) {
  const auto pods = demoPods(kRunId);
  ASSERT_EQ(pods.size(), 6u);
  std::map<std::string, int> per_deployment;
  std::set<std::string> namespaces, uids, ids, names;
  for (const auto& pod : pods) {
    namespaces.insert(pod.namespace_name);
    ++per_deployment[pod.namespace_name + "/" + pod.deployment];
    EXPECT_TRUE(uids.insert(pod.uid).second) << pod.uid;
    EXPECT_TRUE(names.insert(pod.name).second) << pod.name;
    EXPECT_EQ(pod.uid.size(), 36u);
    EXPECT_EQ(pod.uid.substr(0, 8), "ab12cd34");
    EXPECT_EQ(pod.name.rfind(replicaSetName(pod) + "-", 0), 0u) << pod.name;
    EXPECT_EQ(pod.name.size(), replicaSetName(pod).size() + 6);
    ASSERT_FALSE(pod.containers.empty());
    for (const auto& id : [&] {
           std::vector<std::string> all{pod.sandbox_id};
           for (const auto& c : pod.containers) all.push_back(c.container_id);
           return all;
         }()) {
      EXPECT_EQ(id.size(), 64u) << id;
      EXPECT_TRUE(isHex(id)) << id;
      EXPECT_TRUE(ids.insert(id).second) << id;
    }
  }
  EXPECT_EQ(namespaces, (std::set<std::string>{"shop", "batch"}));
  EXPECT_EQ(per_deployment, (std::map<std::string, int>{{"shop/web", 2}, {"shop/api", 2}, {"batch/worker", 2}}));
  // Another run never shares a cgroup name with this one.
  EXPECT_NE(demoPods(kRunId + 1).front().uid, pods.front().uid);
}

TEST(DemoPods, EveryKindOfLoadIsPresentAndGentle) {
  std::map<WorkloadSpec::Kind, int> kinds;
  unsigned spin_percent = 0;
  for (const auto& pod : demoPods(kRunId)) {
    for (const auto& c : pod.containers) {
      ++kinds[c.workload.kind];
      if (c.workload.kind == WorkloadSpec::Kind::kSpinDuty) spin_percent += c.workload.amount;
    }
  }
  EXPECT_EQ(kinds[WorkloadSpec::Kind::kSpinDuty], 1);  // one gentle spinner on a 2-core machine
  EXPECT_LE(spin_percent, 25u);
  EXPECT_GE(kinds[WorkloadSpec::Kind::kHold], 1);
  EXPECT_GE(kinds[WorkloadSpec::Kind::kDirectWriteEvery], 1);
  EXPECT_GE(kinds[WorkloadSpec::Kind::kUdpSendEvery], 1);
}

TEST(DemoPods, PodJsonIsWhatTheAgentsParserNamesAsADeploymentPod) {
  for (const auto& pod : demoPods(kRunId)) {
    auto parsed = kube::parsePod(podJson(pod, "demo-node"));
    ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
    EXPECT_EQ(parsed->uid, pod.uid);
    EXPECT_EQ(parsed->name, pod.name);
    EXPECT_EQ(parsed->namespace_name, pod.namespace_name);
    EXPECT_EQ(parsed->node_name, "demo-node");
    EXPECT_EQ(parsed->deployment, pod.deployment);
    EXPECT_EQ(parsed->workload_kind, "Deployment");
    EXPECT_EQ(parsed->owner_kind, "ReplicaSet");
    EXPECT_EQ(parsed->owner_name, replicaSetName(pod));
    EXPECT_EQ(parsed->phase, "Running");
    EXPECT_EQ(parsed->qos_class, pod.qos == hosttest::Qos::kGuaranteed ? "Guaranteed" : "Burstable");
    ASSERT_EQ(parsed->containers.size(), pod.containers.size());
    for (size_t i = 0; i < pod.containers.size(); ++i) {
      EXPECT_EQ(parsed->containers[i].name, pod.containers[i].name);
      EXPECT_EQ(parsed->containers[i].container_id, pod.containers[i].container_id);
    }
  }
  // Requests and limits arrive as numbers: the first web pod's nginx asks 100m / 32Mi, limit 500m / 128Mi.
  auto web = kube::parsePod(podJson(demoPods(kRunId).front(), "n"));
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->containers[0].resources.cpu_request_millicores, 100u);
  EXPECT_EQ(web->containers[0].resources.cpu_limit_millicores, 500u);
  EXPECT_EQ(web->containers[0].resources.memory_request_bytes, 32u << 20);
  EXPECT_EQ(web->containers[0].resources.memory_limit_bytes, 128u << 20);
  EXPECT_EQ(web->containers[1].resources.cpu_limit_millicores, 0u);  // unset stays unset
}

TEST(DemoPods, GuaranteedPodsHaveRequestsEqualToLimits) {
  for (const auto& pod : demoPods(kRunId)) {
    if (pod.qos != hosttest::Qos::kGuaranteed) continue;
    for (const auto& c : pod.containers) {
      EXPECT_EQ(c.cpu_request, c.cpu_limit) << pod.name;
      EXPECT_EQ(c.memory_request, c.memory_limit) << pod.name;
      EXPECT_FALSE(c.cpu_limit.empty());
    }
  }
}

TEST(WorkloadArgs, EachKindMapsToTheHostWorkloadMode) {
  using Kind = WorkloadSpec::Kind;
  EXPECT_EQ(workloadArgs({Kind::kSpinDuty, 15, 0}, 3, ""), (std::vector<std::string>{"spin-duty", "15"}));
  EXPECT_EQ(workloadArgs({Kind::kHold, 48, 0}, 3, ""), (std::vector<std::string>{"hold", "48"}));
  EXPECT_EQ(workloadArgs({Kind::kDirectWriteEvery, 4, 2}, 5, "/var/tmp/f"),
            (std::vector<std::string>{"direct-write-every", "/var/tmp/f", "4", "2"}));
  EXPECT_EQ(workloadArgs({Kind::kUdpSendEvery, 40, 1}, 2, ""),
            (std::vector<std::string>{"udp-send-every", "10.213.2.1", "9", "40", "1200", "1"}));
}

// --- the real kernel (root only) ---

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> leftovers(const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& dir : {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified", "/run/netns"}) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().filename().string().find(needle) != std::string::npos) found.push_back(entry.path());
    }
  }
  return found;
}

TEST(DemoCluster, BuildsRealPodsAndRemovesThemAll) {
  if (auto reason = hosttest::FakePodHost::unsupportedReason(); !reason.empty()) GTEST_SKIP() << reason;
  const std::string prefix = "kmtest-" + std::to_string(getpid()) + "-";
  std::vector<pid_t> pids;
  {
    auto cluster = DemoCluster::create("demo-node", kRunId);
    ASSERT_TRUE(cluster.ok()) << cluster.error().toString();
    const auto& pods = (*cluster)->pods();
    pids = (*cluster)->pids();
    size_t containers = 0;
    for (const auto& pod : pods) containers += 1 + pod.containers.size();
    ASSERT_EQ(pids.size(), containers);
    // Every process sits in its pod's cgroup (kubelet's cgroupfs layout) in every hierarchy.
    size_t next = 0;
    for (const auto& pod : pods) {
      for (size_t c = 0; c <= pod.containers.size(); ++c) {
        const std::string cgroup = readFile("/proc/" + std::to_string(pids[next++]) + "/cgroup");
        EXPECT_NE(cgroup.find(":memory:/" + prefix), std::string::npos) << cgroup;
        EXPECT_NE(cgroup.find("/pod" + pod.uid + "/"), std::string::npos) << cgroup;
      }
      // Memory holders really hold their MiB (resident, so charged to the pod's memory cgroup).
      for (size_t c = 0; c < pod.containers.size(); ++c) {
        if (pod.containers[c].workload.kind != WorkloadSpec::Kind::kHold) continue;
        const std::string status =
            readFile("/proc/" + std::to_string(pids[next - pod.containers.size() + c]) + "/status");
        const size_t at = status.find("VmRSS:");
        ASSERT_NE(at, std::string::npos);
        EXPECT_GE(std::stoull(status.substr(at + 6)) * 1024, uint64_t{pod.containers[c].workload.amount} << 20)
            << pod.name << "/" << pod.containers[c].name;
      }
    }
    // The sandbox is "pause", as the agent's sandbox check expects.
    EXPECT_EQ(readFile("/proc/" + std::to_string(pids.front()) + "/comm"), "pause\n");
    EXPECT_EQ((*cluster)->kubeApiUrl().rfind("http://127.0.0.1:", 0), 0u);
    EXPECT_FALSE(leftovers(prefix).empty());
  }
  for (pid_t pid : pids) EXPECT_NE(::kill(pid, 0), 0) << pid << " still alive";
  EXPECT_EQ(leftovers(prefix), std::vector<std::string>{});
}

}  // namespace
}  // namespace kubemonitor::demo
