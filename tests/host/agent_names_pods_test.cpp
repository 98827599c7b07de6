// End to end on the real kernel: the real kubemonitor-agent binary (--once) finds fake pods built
// from real cgroups and names them from a Kubernetes API test double that speaks the real wire
// format (PodList, watch, ReplicaSet), the way a DaemonSet agent names them from the API server.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cgroup/testing/fake_pod_host.h"
#include "common/testing/child_process.h"
#include "kube/testing/fake_kube_api_server.h"
#include "model/report_json.h"
#include "server/router.h"
#include "tsdb/memory_storage.h"

#include <simdjson.h>

namespace kubemonitor::hosttest {
namespace {

constexpr std::string_view kNode = "kmtest-node";

std::string binDir() {
  const char* dir = std::getenv("KUBEMONITOR_BIN_DIR");
  return dir != nullptr ? dir : "build/bin";
}

std::string podJson(const std::string& uid, const std::string& container_id) {
  return R"({"metadata":{"name":"web-7f9c6d5b4-kx2lp","namespace":"shop","uid":")" + uid +
         R"(","resourceVersion":"1","labels":{"app":"web","pod-template-hash":"7f9c6d5b4"},
  "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7f9c6d5b4","uid":"0d6f","controller":true}]},
  "spec":{"nodeName":")" + std::string(kNode) + R"(","containers":[{"name":"nginx","image":"nginx:1.27",
  "resources":{"requests":{"cpu":"250m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"128Mi"}}}]},
  "status":{"phase":"Running","qosClass":"Burstable","containerStatuses":[{"name":"nginx","ready":true,
  "restartCount":3,"image":"nginx:1.27","containerID":"containerd://)" + container_id + R"("}]}})";
}

TEST(AgentNamesPods, RealAgentNamesFakePodsFromTheApi) {
  if (auto reason = FakePodHost::unsupportedReason(); !reason.empty()) GTEST_SKIP() << reason;
  FakePodHost host(Layout::kSystemd);
  const std::string uid = "7e57a9e0-0000-4000-8000-000000000042";
  const std::string app_id(64, 'e');
  const std::string pod = host.addPod(Qos::kBurstable, uid);
  host.start(host.addContainer(pod, std::string(64, 'd')), "", {"pause-netns"});
  host.start(host.addContainer(pod, app_id), "", {"hold", "8"});
  ASSERT_TRUE(host.errors().empty()) << host.errors().front();

  kube::FakeKubeApiServer api;
  ASSERT_TRUE(api.start().ok());
  ASSERT_TRUE(api.addPod(podJson(uid, app_id)).ok());
  api.setReplicaSet("shop", "web-7f9c6d5b4", "web");

  testing::TempDir dir;
  auto agent = testing::ChildProcess::spawn({binDir() + "/kubemonitor-agent", "--once", "--interval", "0.5",
                                             "--node-name", std::string(kNode), "--kube-api", api.baseUrl(),
                                             "--kubepods-cgroup", host.kubepodsPath()},
                                            dir.path() + "/report.json", dir.path() + "/agent.log");
  ASSERT_EQ(agent.waitExit(std::chrono::seconds(30)), 0);
  std::ifstream in(dir.path() + "/report.json");
  std::stringstream json;
  json << in.rdbuf();
  auto report = model::decodeReport(json.str());
  ASSERT_TRUE(report.ok()) << report.error().toString();
  const model::PodUsage* found = nullptr;
  for (const auto& p : report->pods) {
    if (p.uid == uid) found = &p;
  }
  ASSERT_NE(found, nullptr) << json.str();
  EXPECT_EQ(found->name, "web-7f9c6d5b4-kx2lp");
  EXPECT_EQ(found->namespace_name, "shop");
  EXPECT_EQ(found->deployment, "web");
  EXPECT_EQ(found->workload_kind, "Deployment");
  EXPECT_EQ(found->qos_class, "Burstable");
  EXPECT_EQ(found->spec.cpu_limit_millicores, 500u);
  EXPECT_EQ(found->spec.memory_request_bytes, 64u << 20);
  ASSERT_EQ(found->containers.size(), 1u);  // the sandbox is not a container
  EXPECT_EQ(found->containers[0].name, "nginx");
  EXPECT_EQ(found->containers[0].id, app_id);
  EXPECT_GE(found->containers[0].usage.memory_rss_bytes, 8u << 20);
  EXPECT_EQ(found->containers[0].restarts, 3u) << "restartCount from containerStatuses";
  EXPECT_EQ(found->restarts, 3u);

  // The server answers the spec's requests and limits with percentages of the usage the agent
  // measured: 250 m / 64 MiB requested, 500 m / 128 MiB limit (issue 14).
  SystemClock clock;
  tsdb::MemoryStorage storage(clock, std::chrono::hours(1));
  ASSERT_TRUE(storage.ingest(*report).ok());
  server::Router router(storage, clock, server::ServerOptions{});
  server::HttpRequest get_pod;
  get_pod.method = "GET";
  get_pod.target = "/api/pods/web-7f9c6d5b4-kx2lp?namespace=shop";
  const server::HttpResponse response = router.handle(get_pod);
  ASSERT_EQ(response.status, 200) << response.body;
  simdjson::dom::parser parser;
  simdjson::dom::element pod_json = parser.parse(response.body).value();
  const double cpu = found->usage.cpu_millicores;
  const auto working_set = static_cast<double>(found->usage.memory_working_set_bytes);
  EXPECT_EQ(pod_json["cpu_request_millicores"].get_uint64().value(), 250u);
  EXPECT_EQ(pod_json["memory_limit_bytes"].get_uint64().value(), 128u << 20);
  EXPECT_DOUBLE_EQ(pod_json["cpu_percent_of_request"].get_double().value(), cpu * 100 / 250);
  EXPECT_DOUBLE_EQ(pod_json["cpu_percent_of_limit"].get_double().value(), cpu * 100 / 500);
  EXPECT_DOUBLE_EQ(pod_json["memory_percent_of_request"].get_double().value(), working_set * 100 / (64 << 20));
  EXPECT_DOUBLE_EQ(pod_json["memory_percent_of_limit"].get_double().value(), working_set * 100 / (128 << 20));
  EXPECT_GT(working_set, 8.0 * (1 << 20)) << "the holder's 8 MiB: a percentage of something real";
  EXPECT_EQ(pod_json["restarts"].get_uint64().value(), 3u);
  EXPECT_EQ(pod_json["qos_class"].get_string().value(), "Burstable");
  EXPECT_EQ(pod_json["workload_name"].get_string().value(), "web");

  // The agent asked only for this node's pods.
  bool filtered = false;
  for (const auto& request : api.requests()) {
    if (request.target.find("fieldSelector=spec.nodeName%3Dkmtest-node") != std::string::npos) filtered = true;
  }
  EXPECT_TRUE(filtered);
}

}  // namespace
}  // namespace kubemonitor::hosttest
