#include "kube/pod_watcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include "common/testing/fake_clock.h"
#include "kube/testing/fake_kube_api_server.h"
#include "kube/tests/test_data.h"

namespace kubemonitor::kube {
namespace {

using Steady = std::chrono::steady_clock;
using testdata::podJson;

constexpr const char* kWebUid = "5f1c2a8e-3b7d-4e1a-9c52-8d0e6f4a1b23";
constexpr const char* kDbUid = "c0ffee00-1234-4abc-8def-0123456789ab";

// Condition polling bounded by a deadline (the watcher runs on its own thread).
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = Steady::now() + limit;
  while (!condition()) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class PodWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.loadPodList(testdata::readTestdata("pod_list.json")).ok());
    server_.setRequiredToken("agent-token");
    ASSERT_TRUE(server_.start().ok());
    KubeApiConfig config;
    config.base_url = server_.baseUrl();
    config.bearer_token = "agent-token";
    http_ = std::make_unique<BeastKubeHttp>(config);
    options_.initial_backoff = std::chrono::milliseconds(20);
    options_.max_backoff = std::chrono::milliseconds(80);
    options_.list_page_size = 2;  // five pods: three pages, two continue tokens
    options_.random_seed = 42;
  }

  void TearDown() override {
    if (watcher_) watcher_->stop();
  }

  void startWatcher() {
    watcher_ = std::make_unique<PodWatcher>(*http_, "worker-1", catalog_, clock_, options_);
    watcher_->start();
    ASSERT_TRUE(waitFor([&] { return catalog_.state().state == SyncState::kSynced && server_.openWatches() == 1; }))
        << catalog_.state().last_error;
  }

  std::string nameOf(const std::string& uid) {
    auto pods = catalog_.snapshot();
    auto found = pods->find(uid);
    return found == pods->end() ? "" : found->second.name;
  }

  FakeKubeApiServer server_;
  std::unique_ptr<BeastKubeHttp> http_;
  PodCatalog catalog_;
  FakeClock clock_;
  WatcherOptions options_;
  std::unique_ptr<PodWatcher> watcher_;
};

TEST_F(PodWatcherTest, InitialListFillsTheCatalog) {
  startWatcher();
  auto pods = catalog_.snapshot();
  ASSERT_EQ(pods->size(), 5u);
  const PodMetadata& web = pods->at(kWebUid);
  EXPECT_EQ(web.name, "web-7d4b9c8f6d-x2k9p");
  EXPECT_EQ(web.deployment, "web");  // no ReplicaSet configured (404): the hash rule stands
  EXPECT_EQ(web.containers.size(), 2u);
  EXPECT_EQ(pods->at(kDbUid).workload_kind, "StatefulSet");
  const CatalogState state = catalog_.state();
  EXPECT_EQ(state.pod_count, 5u);
  EXPECT_EQ(state.lists, 1u);
  EXPECT_EQ(state.relists, 0u);
  EXPECT_EQ(state.errors, 0u);
  EXPECT_EQ(state.resource_version, "184467");
  EXPECT_EQ(state.last_sync_time, clock_.wallNow());
  EXPECT_EQ(syncStateName(state.state), "synced");
}

TEST_F(PodWatcherTest, EveryRequestCarriesTheTokenAndTheFieldSelector) {
  startWatcher();
  const auto requests = server_.requests();
  ASSERT_GE(requests.size(), 5u);  // 3 LIST pages, the ReplicaSet GET, the watch
  std::vector<std::string> pod_targets;
  for (const auto& request : requests) {
    EXPECT_EQ(request.authorization, "Bearer agent-token") << request.target;
    if (request.target.rfind("/api/v1/pods", 0) == 0) {
      pod_targets.push_back(request.target);
      EXPECT_NE(request.target.find("fieldSelector=spec.nodeName%3Dworker-1"), std::string::npos) << request.target;
    }
  }
  ASSERT_EQ(pod_targets.size(), 4u);
  EXPECT_EQ(pod_targets[0], "/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1&limit=2");
  EXPECT_EQ(pod_targets[1], "/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1&limit=2&continue=2");
  EXPECT_EQ(pod_targets[2], "/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1&limit=2&continue=4");
  EXPECT_EQ(pod_targets[3],
            "/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dworker-1&resourceVersion=184467"
            "&allowWatchBookmarks=true&timeoutSeconds=300");
}

TEST_F(PodWatcherTest, AddedModifiedDeletedAndBookmarksAreApplied) {
  startWatcher();
  ASSERT_TRUE(server_.addPod(podJson("new-1", "api-0", "shop", "worker-1", "Pending")).ok());
  ASSERT_TRUE(server_.addPod(podJson("elsewhere", "far", "shop", "worker-2")).ok());  // not our node
  ASSERT_TRUE(waitFor([&] { return nameOf("new-1") == "api-0"; }));
  EXPECT_EQ(catalog_.snapshot()->at("new-1").phase, "Pending");

  ASSERT_TRUE(server_.modifyPod(podJson("new-1", "api-0", "shop", "worker-1", "Running")).ok());
  ASSERT_TRUE(waitFor([&] { return catalog_.snapshot()->at("new-1").phase == "Running"; }));

  ASSERT_TRUE(server_.deletePod(testdata::podJson(kDbUid, "db-0", "shop", "worker-1")).ok());
  ASSERT_TRUE(waitFor([&] { return nameOf(kDbUid).empty(); }));
  EXPECT_EQ(catalog_.snapshot()->count("elsewhere"), 0u);
  EXPECT_EQ(catalog_.state().pod_count, 5u);  // 5 + api-0 − db-0

  server_.bookmark();
  const std::string bookmark_version = server_.resourceVersion();
  ASSERT_TRUE(waitFor([&] { return catalog_.state().resource_version == bookmark_version; }));
  EXPECT_EQ(catalog_.state().events, 3u);

  // The watch ends (timeoutSeconds): the next one starts from the bookmark's version.
  server_.endWatches();
  ASSERT_TRUE(waitFor([&] { return catalog_.state().watches == 1 && server_.openWatches() == 1; }));
  EXPECT_NE(server_.requests().back().target.find("resourceVersion=" + bookmark_version), std::string::npos);
  EXPECT_EQ(catalog_.state().lists, 1u);  // re-watched, not relisted
}

TEST_F(PodWatcherTest, ExpiredErrorEventForcesARelist) {
  startWatcher();
  server_.expireWatches();
  ASSERT_TRUE(waitFor([&] { return catalog_.state().lists == 2 && server_.openWatches() == 1; }));
  const CatalogState state = catalog_.state();
  EXPECT_EQ(state.relists, 1u);
  EXPECT_EQ(state.errors, 0u);  // an expired version is routine, not a failure
  EXPECT_EQ(state.state, SyncState::kSynced);
  EXPECT_NE(state.last_error.find("410"), std::string::npos);
  EXPECT_EQ(catalog_.snapshot()->size(), 5u);
}

TEST_F(PodWatcherTest, Http410ForcesARelist) {
  startWatcher();
  // Compaction ends the watch; re-watching from the old version is answered HTTP 410.
  server_.compactHistory();
  ASSERT_TRUE(waitFor([&] { return catalog_.state().relists == 1 && server_.openWatches() == 1; }));
  EXPECT_EQ(catalog_.state().lists, 2u);
  EXPECT_EQ(catalog_.state().resource_version, server_.resourceVersion());
  ASSERT_TRUE(server_.addPod(podJson("after-410", "late", "shop", "worker-1")).ok());
  ASSERT_TRUE(waitFor([&] { return nameOf("after-410") == "late"; }));
}

TEST_F(PodWatcherTest, GarbledWatchLineIsAnErrorThenARelist) {
  startWatcher();
  server_.pushRawWatchLine(R"({"type":"ADDED","object":{"metadata":{"uid":"half)");
  ASSERT_TRUE(waitFor([&] { return catalog_.state().errors == 1; }));
  EXPECT_NE(catalog_.state().last_error.find("WATCH event"), std::string::npos) << catalog_.state().last_error;
  EXPECT_EQ(catalog_.snapshot()->size(), 5u);
  // After the backoff: LIST (the catalog is whole again) and a new watch.
  ASSERT_TRUE(waitFor([&] {
    const CatalogState state = catalog_.state();
    return state.lists == 2 && state.state == SyncState::kSynced && server_.openWatches() == 1;
  }));
  EXPECT_EQ(catalog_.state().relists, 0u);  // not a 410
}

TEST_F(PodWatcherTest, ServerDownKeepsNamesGoesStaleAndRecovers) {
  startWatcher();
  server_.stop();
  ASSERT_TRUE(waitFor([&] { return catalog_.state().state == SyncState::kStale && catalog_.state().errors >= 3; }));
  EXPECT_EQ(catalog_.snapshot()->size(), 5u);  // the last names known stay
  EXPECT_EQ(nameOf(kWebUid), "web-7d4b9c8f6d-x2k9p");
  EXPECT_FALSE(catalog_.state().last_error.empty());

  // While down, db-0 goes away and a pod arrives; the relist after recovery sees both.
  ASSERT_TRUE(server_.deletePod(podJson(kDbUid, "db-0", "shop", "worker-1")).ok());
  ASSERT_TRUE(server_.addPod(podJson("while-down", "newcomer", "shop", "worker-1")).ok());
  ASSERT_TRUE(server_.start().ok());
  ASSERT_TRUE(waitFor([&] { return catalog_.state().state == SyncState::kSynced && nameOf("while-down") == "newcomer"; }))
      << catalog_.state().last_error;
  EXPECT_EQ(nameOf(kDbUid), "");
  EXPECT_GE(catalog_.state().lists, 2u);
}

TEST_F(PodWatcherTest, ReplicaSetConfirmsTheDeploymentOncePerReplicaSet) {
  // The ReplicaSet says its Deployment is "storefront": not what the name rule would guess ("web").
  server_.setReplicaSet("shop", "web-7d4b9c8f6d", "storefront");
  startWatcher();
  const PodMetadata& web = catalog_.snapshot()->at(kWebUid);
  EXPECT_EQ(web.deployment, "storefront");
  EXPECT_EQ(web.workload_kind, "Deployment");
  EXPECT_EQ(web.workload_name, "storefront");

  const std::string owner = R"({"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9c8f6d","controller":true})";
  const std::string labels = R"({"pod-template-hash":"7d4b9c8f6d"})";
  ASSERT_TRUE(server_.addPod(podJson("web-2", "web-7d4b9c8f6d-abcde", "shop", "worker-1", "Running", owner, labels)).ok());
  ASSERT_TRUE(waitFor([&] { return nameOf("web-2") == "web-7d4b9c8f6d-abcde"; }));
  EXPECT_EQ(catalog_.snapshot()->at("web-2").deployment, "storefront");
  size_t replica_set_gets = 0;
  for (const auto& request : server_.requests()) {
    if (request.target == "/apis/apps/v1/namespaces/shop/replicasets/web-7d4b9c8f6d") ++replica_set_gets;
  }
  EXPECT_EQ(replica_set_gets, 1u);  // cached

  // Once no pod refers to it, a relist forgets the ReplicaSet: a later pod asks again.
  ASSERT_TRUE(server_.deletePod(podJson(kWebUid, "web-7d4b9c8f6d-x2k9p", "shop", "worker-1")).ok());
  ASSERT_TRUE(server_.deletePod(podJson("web-2", "web-7d4b9c8f6d-abcde", "shop", "worker-1")).ok());
  server_.expireWatches();
  ASSERT_TRUE(waitFor([&] { return catalog_.state().lists == 2 && server_.openWatches() == 1; }));
  server_.setReplicaSet("shop", "web-7d4b9c8f6d", "storefront-v2");
  ASSERT_TRUE(server_.addPod(podJson("web-3", "web-7d4b9c8f6d-fghij", "shop", "worker-1", "Running", owner, labels)).ok());
  ASSERT_TRUE(waitFor([&] { return nameOf("web-3") == "web-7d4b9c8f6d-fghij"; }));
  EXPECT_EQ(catalog_.snapshot()->at("web-3").deployment, "storefront-v2");

  // A ReplicaSet without a controller is a workload of its own.
  server_.setReplicaSet("shop", "solo-5c6d7e8f9a", "");
  ASSERT_TRUE(server_.addPod(podJson("solo", "solo-5c6d7e8f9a-zzzzz", "shop", "worker-1", "Running",
                                     R"({"kind":"ReplicaSet","name":"solo-5c6d7e8f9a","controller":true})",
                                     R"({"pod-template-hash":"5c6d7e8f9a"})")).ok());
  ASSERT_TRUE(waitFor([&] { return !nameOf("solo").empty(); }));
  EXPECT_EQ(catalog_.snapshot()->at("solo").workload_kind, "ReplicaSet");
  EXPECT_EQ(catalog_.snapshot()->at("solo").deployment, "");
}

TEST_F(PodWatcherTest, ForbiddenReplicaSetsFallBackToTheHashRule) {
  server_.setReplicaSet("shop", "web-7d4b9c8f6d", "storefront");
  server_.setReplicaSetsForbidden(true);
  startWatcher();
  const PodMetadata& web = catalog_.snapshot()->at(kWebUid);
  EXPECT_EQ(web.deployment, "web");
  EXPECT_EQ(web.workload_kind, "Deployment");
  EXPECT_EQ(catalog_.state().errors, 0u);  // 403 is a known limitation, not a failure
}

TEST_F(PodWatcherTest, StopIsPromptMidWatch) {
  startWatcher();
  const auto started = Steady::now();
  watcher_->stop();
  EXPECT_LT(Steady::now() - started, std::chrono::milliseconds(900));
  EXPECT_TRUE(waitFor([&] { return server_.openWatches() == 0; })) << "the watch connection is closed";
}

TEST_F(PodWatcherTest, StopIsPromptMidBackoff) {
  options_.initial_backoff = std::chrono::seconds(60);
  options_.max_backoff = std::chrono::seconds(60);
  server_.stop();
  watcher_ = std::make_unique<PodWatcher>(*http_, "worker-1", catalog_, clock_, options_);
  watcher_->start();
  ASSERT_TRUE(waitFor([&] { return catalog_.state().errors == 1; }));
  EXPECT_EQ(catalog_.state().state, SyncState::kNeverSynced);
  const auto started = Steady::now();
  watcher_->stop();
  EXPECT_LT(Steady::now() - started, std::chrono::milliseconds(900));
}

TEST(PodWatcherPaths, QueryStrings) {
  PodCatalog catalog;
  FakeClock clock;
  KubeApiConfig config;
  config.base_url = "http://127.0.0.1:1";
  BeastKubeHttp http(config);
  PodWatcher watcher(http, "ip-10-0-1-23.eu-west-1.compute.internal", catalog, clock);
  EXPECT_EQ(watcher.listPath(""),
            "/api/v1/pods?fieldSelector=spec.nodeName%3Dip-10-0-1-23.eu-west-1.compute.internal&limit=500");
  EXPECT_EQ(watcher.listPath("eyJ2Ijoi+/="), "/api/v1/pods?fieldSelector=spec.nodeName%3Dip-10-0-1-23.eu-west-1."
                                              "compute.internal&limit=500&continue=eyJ2Ijoi%2B%2F%3D");
  EXPECT_EQ(watcher.watchPath("12"),
            "/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dip-10-0-1-23.eu-west-1.compute.internal"
            "&resourceVersion=12&allowWatchBookmarks=true&timeoutSeconds=300");
}

TEST(BackoffTest, DoublesFromOneSecondToThirtyWithJitter) {
  const WatcherOptions defaults;
  Backoff backoff(defaults.initial_backoff, defaults.max_backoff, defaults.jitter_fraction, 7);
  const int64_t expected_base_ms[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
  for (int64_t base : expected_base_ms) {
    const int64_t wait = backoff.next().count();
    EXPECT_GE(wait, base);
    EXPECT_LE(wait, base * 12 / 10);  // at most 20 % jitter
  }
  backoff.reset();
  EXPECT_LE(backoff.next().count(), 1200);
  // Without jitter the schedule is exact; nonsense options are clamped.
  Backoff exact(std::chrono::milliseconds(10), std::chrono::milliseconds(25), 0.0, 1);
  EXPECT_EQ(exact.next().count(), 10);
  EXPECT_EQ(exact.next().count(), 20);
  EXPECT_EQ(exact.next().count(), 25);
  Backoff clamped(std::chrono::milliseconds(0), std::chrono::milliseconds(0), -3.0, 1);
  EXPECT_EQ(clamped.next().count(), 1);
}

TEST(PodCatalogTest, SnapshotsAreImmutable) {
  PodCatalog catalog;
  PodMetadata pod;
  pod.uid = "u";
  pod.name = "first";
  catalog.upsert(pod);
  auto before = catalog.snapshot();
  pod.name = "second";
  catalog.upsert(pod);
  EXPECT_EQ(before->at("u").name, "first");
  EXPECT_EQ(catalog.snapshot()->at("u").name, "second");
  catalog.erase("u");
  catalog.erase("absent");
  EXPECT_TRUE(catalog.snapshot()->empty());
  EXPECT_EQ(catalog.state().pod_count, 0u);
  EXPECT_EQ(catalog.state().state, SyncState::kNeverSynced);
}

}  // namespace
}  // namespace kubemonitor::kube
