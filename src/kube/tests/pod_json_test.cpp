#include "kube/pod_json.h"

#include <gtest/gtest.h>

#include "kube/tests/test_data.h"

namespace kubemonitor::kube {
namespace {

const PodMetadata* findPod(const PodListPage& page, std::string_view name) {
  for (const auto& pod : page.items) {
    if (pod.name == name) return &pod;
  }
  return nullptr;
}

class PodListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    body_ = testdata::readTestdata("pod_list.json");
    ASSERT_FALSE(body_.empty());
    auto page = parsePodList(body_);
    ASSERT_TRUE(page.ok()) << page.error().toString();
    page_ = std::move(*page);
  }
  std::string body_;
  PodListPage page_;
};

TEST_F(PodListTest, ListMetadata) {
  EXPECT_EQ(page_.resource_version, "184467");
  EXPECT_EQ(page_.continue_token, "");
  EXPECT_EQ(page_.items.size(), 5u);
}

// Issue 14: restartCount per container from containerStatuses, summed for the pod; the init
// container's restarts are not the pod's containers' (it is not listed among them).
TEST_F(PodListTest, RestartCountsComeFromContainerStatuses) {
  std::string body = body_;
  const std::string envoy = R"("restartCount": 0,
            "image": "docker.io/envoyproxy)";
  const size_t at = body.find(envoy);
  ASSERT_NE(at, std::string::npos);
  body.replace(at, std::string(R"("restartCount": 0)").size(), R"("restartCount": 4)");
  const std::string init = R"("name": "migrate-schema", "ready": true, "restartCount": 0)";
  const size_t init_at = body.find(init);
  ASSERT_NE(init_at, std::string::npos);
  body.replace(init_at, init.size(), R"("name": "migrate-schema", "ready": true, "restartCount": 9)");
  auto page = parsePodList(body);
  ASSERT_TRUE(page.ok()) << page.error().toString();
  const PodMetadata* pod = findPod(*page, "web-7d4b9c8f6d-x2k9p");
  ASSERT_NE(pod, nullptr);
  ASSERT_EQ(pod->containers.size(), 2u);
  EXPECT_EQ(pod->containers[0].restart_count, 0u);
  EXPECT_EQ(pod->containers[1].restart_count, 4u);
  EXPECT_EQ(pod->restart_count, 4u);
}

TEST_F(PodListTest, DeploymentPodWithTwoContainers) {
  const PodMetadata* pod = findPod(page_, "web-7d4b9c8f6d-x2k9p");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->uid, "5f1c2a8e-3b7d-4e1a-9c52-8d0e6f4a1b23");
  EXPECT_EQ(pod->namespace_name, "shop");
  EXPECT_EQ(pod->node_name, "worker-1");
  EXPECT_EQ(pod->workload_kind, "Deployment");
  EXPECT_EQ(pod->workload_name, "web");
  EXPECT_EQ(pod->deployment, "web");
  EXPECT_EQ(pod->owner_kind, "ReplicaSet");
  EXPECT_EQ(pod->owner_name, "web-7d4b9c8f6d");
  EXPECT_EQ(pod->pod_template_hash, "7d4b9c8f6d");
  EXPECT_EQ(pod->qos_class, "Burstable");
  EXPECT_EQ(pod->phase, "Running");
  EXPECT_FALSE(pod->host_network);
  EXPECT_EQ(pod->resource_version, "184201");
  ASSERT_EQ(pod->containers.size(), 2u);  // the init container is not one of them
  EXPECT_EQ(pod->containers[0].name, "app");
  EXPECT_EQ(pod->containers[0].container_id, "9f2c1e4b7a6d5c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2");
  EXPECT_EQ(pod->containers[0].resources,
            (ResourceRequirements{250, 1000, 128ull << 20, 512ull << 20}));
  EXPECT_EQ(pod->containers[1].name, "envoy");
  EXPECT_EQ(pod->containers[1].resources, (ResourceRequirements{100, 0, 64ull << 20, 0}));
  // Sum over spec.containers only: the init container's 2 CPUs and 1 GiB do not count.
  EXPECT_EQ(pod->resources, (ResourceRequirements{350, 1000, 192ull << 20, 512ull << 20}));
}

TEST_F(PodListTest, GuaranteedStatefulSetPod) {
  const PodMetadata* pod = findPod(page_, "db-0");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->workload_kind, "StatefulSet");
  EXPECT_EQ(pod->workload_name, "db");
  EXPECT_EQ(pod->deployment, "");
  EXPECT_EQ(pod->qos_class, "Guaranteed");
  EXPECT_EQ(pod->resources, (ResourceRequirements{2000, 2000, 4ull << 30, 4ull << 30}));
}

TEST_F(PodListTest, BestEffortDaemonSetPodOnHostNetwork) {
  const PodMetadata* pod = findPod(page_, "node-exporter-8kq2w");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->workload_kind, "DaemonSet");
  EXPECT_EQ(pod->workload_name, "node-exporter");
  EXPECT_TRUE(pod->host_network);
  EXPECT_EQ(pod->qos_class, "BestEffort");
  EXPECT_EQ(pod->resources, ResourceRequirements{});
  ASSERT_EQ(pod->containers.size(), 1u);
  EXPECT_EQ(pod->containers[0].container_id, "e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6");
}

TEST_F(PodListTest, JobPodAndBarePod) {
  const PodMetadata* job = findPod(page_, "migrate-28391234-q8z7k");
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->workload_kind, "Job");
  EXPECT_EQ(job->workload_name, "migrate-28391234");
  EXPECT_EQ(job->phase, "Succeeded");
  EXPECT_EQ(job->resources, (ResourceRequirements{500, 500, 500'000'000, 1'000'000'000}));

  const PodMetadata* bare = findPod(page_, "debug-shell");
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ(bare->workload_kind, "");
  EXPECT_EQ(bare->workload_name, "");
  EXPECT_EQ(bare->owner_kind, "");
  EXPECT_EQ(bare->phase, "Pending");
  ASSERT_EQ(bare->containers.size(), 1u);
  EXPECT_EQ(bare->containers[0].container_id, "");  // still ContainerCreating
}

TEST(PodJson, ReplicaSetWhoseNameDoesNotEndInTheHashStaysAReplicaSet) {
  const std::string owner = R"({"kind":"ReplicaSet","name":"legacy-rs","controller":true})";
  auto pod = parsePod(testdata::podJson("u1", "legacy-rs-abcde", "ns", "n1", "Running", owner,
                                        R"({"pod-template-hash":"7f8c9d"})"));
  ASSERT_TRUE(pod.ok()) << pod.error().toString();
  EXPECT_EQ(pod->workload_kind, "ReplicaSet");
  EXPECT_EQ(pod->workload_name, "legacy-rs");
  EXPECT_EQ(pod->deployment, "");
  // Without a pod-template-hash label at all, likewise.
  auto unlabeled = parsePod(testdata::podJson("u2", "x", "ns", "n1", "Running",
                                              R"({"kind":"ReplicaSet","name":"web-7f8c9d","controller":true})"));
  ASSERT_TRUE(unlabeled.ok());
  EXPECT_EQ(unlabeled->workload_kind, "ReplicaSet");
}

TEST(PodJson, OnlyTheControllerOwnerCounts) {
  const std::string owners = R"({"kind":"ConfigMap","name":"not-me"},{"kind":"Rollout","name":"canary","controller":true})";
  auto pod = parsePod(testdata::podJson("u1", "p", "ns", "n1", "Running", owners));
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(pod->workload_kind, "Rollout");
  EXPECT_EQ(pod->workload_name, "canary");
}

TEST(PodJson, MinimalPodAndMissingOptionalFields) {
  auto pod = parsePod(R"({"metadata":{"uid":"only-uid"}})");
  ASSERT_TRUE(pod.ok()) << pod.error().toString();
  EXPECT_EQ(pod->uid, "only-uid");
  EXPECT_TRUE(pod->containers.empty());
  EXPECT_EQ(pod->qos_class, "");
}

TEST(PodJson, BadPods) {
  EXPECT_EQ(parsePod(R"({"metadata":{"name":"no-uid"}})").error().code, ErrorCode::kParse);
  EXPECT_FALSE(parsePod("[1,2]").ok());
  auto bad_quantity = parsePod(
      R"({"metadata":{"uid":"u","name":"p","namespace":"n"},"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"lots"}}}]}})");
  ASSERT_FALSE(bad_quantity.ok());
  EXPECT_EQ(bad_quantity.error().code, ErrorCode::kParse);
  EXPECT_NE(bad_quantity.error().subject.find("n/p container c"), std::string::npos) << bad_quantity.error().subject;
  EXPECT_FALSE(parsePod(R"({"metadata":{"uid":"u"},"spec":{"containers":[{"resources":{"requests":{"memory":5}}}]}})").ok());
}

TEST(PodList, PagesEmptyListsAndGarbage) {
  auto page = parsePodList(
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDJ9","remainingItemCount":3},"items":[]})");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->resource_version, "42");
  EXPECT_EQ(page->continue_token, "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDJ9");
  EXPECT_TRUE(page->items.empty());
  auto null_items = parsePodList(R"({"kind":"PodList","metadata":{"resourceVersion":"7"},"items":null})");
  ASSERT_TRUE(null_items.ok());
  EXPECT_EQ(null_items->resource_version, "7");

  EXPECT_FALSE(parsePodList("").ok());
  EXPECT_FALSE(parsePodList("null").ok());
  EXPECT_FALSE(parsePodList("\"PodList\"").ok());
  EXPECT_FALSE(parsePodList(R"({"kind":"PodList","items":{}})").ok());
  EXPECT_FALSE(parsePodList(R"({"kind":"PodList","items":[42]})").ok());
  auto status = parsePodList(R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"forbidden","code":403})");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("403"), std::string::npos);
}

TEST(PodList, TruncatedBodiesAreErrorsAtEveryLength) {
  const std::string body = testdata::readTestdata("pod_list.json");
  // Every cut of the document must be an error value, never a crash or a half list.
  for (size_t length = 0; length + 1 < body.size(); length += 97) {
    const std::string cut = body.substr(0, length);
    EXPECT_FALSE(parsePodList(cut).ok()) << "length " << length;
  }
}

TEST(WatchEvent, EveryType) {
  const std::string pod = testdata::podJson("u1", "p", "ns", "n1");
  for (auto [name, type] : {std::pair{"ADDED", WatchEventType::kAdded}, std::pair{"MODIFIED", WatchEventType::kModified},
                            std::pair{"DELETED", WatchEventType::kDeleted}}) {
    auto event = parseWatchEvent(std::string(R"({"type":")") + name + R"(","object":)" + pod + "}");
    ASSERT_TRUE(event.ok()) << name;
    EXPECT_EQ(event->type, type);
    EXPECT_EQ(watchEventTypeName(event->type), name);
    EXPECT_EQ(event->pod.uid, "u1");
    EXPECT_EQ(event->pod.containers.at(0).container_id, "abc123");
  }
  auto bookmark = parseWatchEvent(
      R"({"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746","creationTimestamp":null},"spec":{"containers":null},"status":{}}})");
  ASSERT_TRUE(bookmark.ok()) << bookmark.error().toString();
  EXPECT_EQ(bookmark->type, WatchEventType::kBookmark);
  EXPECT_EQ(bookmark->pod.resource_version, "12746");
}

TEST(WatchEvent, ErrorEventCarriesTheStatus) {
  auto event = parseWatchEvent(
      R"js({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (184467)","reason":"Expired","code":410}})js");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->type, WatchEventType::kError);
  EXPECT_EQ(event->status_code, 410);
  EXPECT_EQ(event->status_reason, "Expired");
  EXPECT_EQ(event->status_message, "too old resource version: 1 (184467)");
}

TEST(WatchEvent, GarbledLines) {
  for (std::string_view bad : {"", "{", R"({"type":"ADDED"})", R"({"type":"ADDED","object":7})",
                               R"({"type":"EXPLODED","object":{}})", R"({"object":{}})", "[]",
                               R"({"type":"BOOKMARK","object":{"metadata":{}}})",
                               R"({"type":"ADDED","object":{"metadata":{"uid":"u"}})"}) {
    EXPECT_FALSE(parseWatchEvent(bad).ok()) << bad;
  }
}

TEST(ReplicaSetOwner, DeploymentOwnerOrNone) {
  auto owned = parseReplicaSetOwner(
      R"({"kind":"ReplicaSet","apiVersion":"apps/v1","metadata":{"name":"web-7d4b9c8f6d","ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"x","controller":true}]}})");
  ASSERT_TRUE(owned.ok());
  ASSERT_TRUE(owned->has_value());
  EXPECT_EQ((*owned)->kind, "Deployment");
  EXPECT_EQ((*owned)->name, "web");
  auto orphan = parseReplicaSetOwner(R"({"kind":"ReplicaSet","metadata":{"name":"rs"}})");
  ASSERT_TRUE(orphan.ok());
  EXPECT_FALSE(orphan->has_value());
  EXPECT_FALSE(parseReplicaSetOwner(R"({"kind":"Status","code":404})").ok());
  EXPECT_FALSE(parseReplicaSetOwner("nope").ok());
}

TEST(ApiStatusJson, ParsesStatusOnly) {
  auto status = parseApiStatus(
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version","reason":"Expired","code":410})");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->code, 410);
  EXPECT_EQ(status->reason, "Expired");
  EXPECT_FALSE(parseApiStatus(R"({"kind":"Pod"})").ok());
}

TEST(ContainerId, SchemeIsStripped) {
  EXPECT_EQ(stripContainerIdScheme("containerd://abc"), "abc");
  EXPECT_EQ(stripContainerIdScheme("cri-o://def"), "def");
  EXPECT_EQ(stripContainerIdScheme("docker://0123"), "0123");
  EXPECT_EQ(stripContainerIdScheme("plain"), "plain");
  EXPECT_EQ(stripContainerIdScheme(""), "");
}

}  // namespace
}  // namespace kubemonitor::kube
