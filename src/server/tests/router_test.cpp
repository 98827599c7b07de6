// The API without sockets: HttpRequest in, HttpResponse out, over a MemoryStorage and a FakeClock.

#include "server/router.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>

#include "common/compression.h"
#include "common/testing/fake_clock.h"
#include "common/time_format.h"
#include "model/report_json.h"
#include "server/tests/router_test_fixture.h"
#include "tsdb/memory_storage.h"

namespace kubemonitor::server {
namespace {

TEST_F(RouterTest, HealthReportsStorageState) {
  ASSERT_EQ(ingest(report("a", nowMs(), 1)).status, 202);
  clock_.advance(std::chrono::seconds(42));
  for (const char* target : {"/health", "/"}) {
    HttpResponse response = get(target, "*/*");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/json; charset=utf-8");
    auto doc = parse(response);
    EXPECT_EQ(doc["status"].get_string().value(), "ok");
    EXPECT_EQ(doc["version"].get_string().value(), "0.1.0");
    EXPECT_EQ(doc["storage"]["engine"].get_string().value(), "memory");
    EXPECT_EQ(doc["storage"]["nodes"].get_int64().value(), 1);
    EXPECT_EQ(doc["storage"]["samples"].get_int64().value(), 1);
    EXPECT_EQ(doc["uptime_seconds"].get_int64().value(), 42);
  }
}

TEST_F(RouterTest, RootServesHtmlToBrowsers) {
  HttpResponse response = get("/", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/html; charset=utf-8");
  EXPECT_NE(response.body.find("/ui/main.js"), std::string::npos) << "the dashboard's page";
  EXPECT_EQ(response.body.find("src=\"http"), std::string::npos) << "no external assets";
}

TEST_F(RouterTest, IngestThenLatestNode) {
  model::Report r = report("node-a", nowMs() - 5000, 1500);
  HttpResponse accepted = ingest(r);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(accepted.body, R"({"accepted":1})");

  auto node = parse(get("/api/nodes/node-a"));
  EXPECT_EQ(node["kind"].get_string().value(), "node");
  EXPECT_EQ(node["name"].get_string().value(), "node-a");
  EXPECT_EQ(node["timestamp"].get_string().value(), formatRfc3339(r.timestamp_ms));
  EXPECT_DOUBLE_EQ(node["cpu_millicores"].get_double().value(), 1500);
  EXPECT_DOUBLE_EQ(node["cpu_percent"].get_double().value(), 37.5);
  EXPECT_DOUBLE_EQ(node["memory_percent"].get_double().value(), 25);
  EXPECT_EQ(node["memory_capacity_bytes"].get_uint64().value(), 8ULL << 30);
  EXPECT_TRUE(node["points"].error()) << "no series without window";

  ASSERT_EQ(ingest(report("node-0", nowMs(), 1)).status, 202);
  auto list = parse(get("/api/nodes"));
  auto items = list["items"].get_array();
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items.at(0)["name"].get_string().value(), "node-0");
  EXPECT_EQ(items.at(1)["name"].get_string().value(), "node-a");
}

TEST_F(RouterTest, ReplayIsIdempotent) {
  const model::Report r = report("a", nowMs(), 10);
  ASSERT_EQ(ingest(r).status, 202);
  ASSERT_EQ(ingest(r).status, 202);
  ASSERT_EQ(post(compressGzip(model::encodeReport(r)), "gzip").status, 202);
  ASSERT_EQ(post(model::encodeReport(r), "identity").status, 202);
  EXPECT_EQ(storage_.stats().samples, 1U);
  auto series = parse(get("/api/nodes/a?window=1h"));
  EXPECT_EQ(series["points"].get_array().size(), 1U);
}

TEST_F(RouterTest, IngestErrors) {
  const std::string body = model::encodeReport(report("a", nowMs(), 1));
  // 400: the decoder's message names the field.
  EXPECT_EQ(expectError(post(R"({"schema":1,"timestamp":"2027-01-15T08:00:00Z","interval_seconds":5})"), 400,
                        "bad_request"),
            "parse: missing field (node)");
  expectError(post("{not json"), 400, "bad_request");
  expectError(post("garbage", "zstd"), 400, "bad_request");
  // 415: unknown encoding.
  expectError(post(body, "br"), 415, "unsupported_media_type");
  // 405 with Allow.
  HttpRequest get_ingest;
  get_ingest.method = "GET";
  get_ingest.target = "/api/ingest";
  HttpResponse not_allowed = router_->handle(get_ingest);
  expectError(not_allowed, 405, "method_not_allowed");
  ASSERT_EQ(not_allowed.headers.size(), 1U);
  EXPECT_EQ(not_allowed.headers[0], (std::pair<std::string, std::string>("Allow", "POST")));
  EXPECT_EQ(storage_.stats().samples, 0U);
}

TEST_F(RouterTest, IngestSizeLimitsApplyToCompressedAndDecompressedBodies) {
  ServerOptions options;
  options.max_body_bytes = 4096;
  makeRouter(options);
  model::Report r = report("a", nowMs(), 1);
  const std::string body = model::encodeReport(r);
  ASSERT_LT(body.size(), 4096U);
  EXPECT_EQ(post(compressZstd(body), "zstd").status, 202);
  // A bomb: small compressed, large decompressed.
  const std::string bomb = compressZstd(std::string(1 << 20, ' ') + body);
  ASSERT_LT(bomb.size(), 4096U);
  EXPECT_NE(expectError(post(bomb, "zstd"), 413, "payload_too_large").find("decompressed"), std::string::npos);
  expectError(post(std::string(5000, ' ') + body), 413, "payload_too_large");
}

TEST_F(RouterTest, IngestTokenIsChecked) {
  ServerOptions options;
  options.ingest_token = "s3cret-token";
  makeRouter(options);
  const std::string body = model::encodeReport(report("a", nowMs(), 1));
  for (const char* bad : {"", "Bearer", "Bearer ", "Bearer s3cret-toke", "Bearer s3cret-token2", "Basic s3cret-token",
                          "s3cret-token"}) {
    HttpResponse response = post(body, "", bad);
    expectError(response, 401, "unauthorized");
    ASSERT_EQ(response.headers.size(), 1U) << bad;
    EXPECT_EQ(response.headers[0].first, "WWW-Authenticate");
    EXPECT_EQ(response.headers[0].second.rfind("Bearer", 0), 0U);
  }
  EXPECT_EQ(post(body, "", "Bearer s3cret-token").status, 202);
  EXPECT_EQ(post(body, "", "bearer  s3cret-token").status, 202) << "the scheme is case-insensitive";
}

TEST_F(RouterTest, NotFoundAndBadTargets) {
  EXPECT_EQ(expectError(get("/api/nodes/ghost"), 404, "not_found"), "node \"ghost\" has not reported");
  expectError(get("/api/nope"), 404, "not_found");
  expectError(get("/api/nodes/a/b"), 404, "not_found");
  expectError(get("/nope"), 404, "not_found");
  expectError(get("/api/nodes/%zz"), 400, "bad_request");
  expectError(get("/api/nodes/a?window=%2"), 400, "bad_request");
  HttpRequest del;
  del.method = "DELETE";
  del.target = "/api/nodes";
  HttpResponse response = router_->handle(del);
  expectError(response, 405, "method_not_allowed");
  EXPECT_EQ(response.headers.at(0).second, "GET, HEAD");
}

TEST_F(RouterTest, PercentEncodedNodeName) {
  ASSERT_EQ(ingest(report("node.a-1", nowMs(), 1)).status, 202);
  EXPECT_EQ(get("/api/nodes/node%2Ea%2D1").status, 200);
}

TEST_F(RouterTest, WindowBucketsPoints) {
  const int64_t base = nowMs() - nowMs() % 60'000 - 600'000;  // 10 min ago, on a minute
  for (int i = 0; i < 24; ++i) {  // 2 minutes of 5 s reports
    ASSERT_EQ(ingest(report("a", base + i * 5000, 100.0 * (i % 12))).status, 202);
  }
  auto series = parse(get("/api/nodes/a?window=15m&step=1m"));
  EXPECT_EQ(series["kind"].get_string().value(), "node");
  EXPECT_EQ(series["name"].get_string().value(), "a");
  EXPECT_EQ(series["window"].get_int64().value(), 900);
  EXPECT_DOUBLE_EQ(series["step"].get_double().value(), 60);
  auto points = series["points"].get_array();
  ASSERT_EQ(points.size(), 2U);
  EXPECT_EQ(points.at(0)["timestamp"].get_string().value(), formatRfc3339(base));
  EXPECT_DOUBLE_EQ(points.at(0)["cpu_millicores"].get_double().value(), 550);  // mean of 0..1100
  EXPECT_EQ(points.at(1)["timestamp"].get_string().value(), formatRfc3339(base + 60'000));

  // The timeseries route is the same answer; without step the report interval (5 s) is used.
  auto same = parse(get("/api/nodes/a/timeseries?window=15m&step=1m"));
  EXPECT_EQ(same["points"].get_array().size(), 2U);
  auto fine = parse(get("/api/nodes/a/timeseries?window=900"));
  EXPECT_DOUBLE_EQ(fine["step"].get_double().value(), 5);
  EXPECT_EQ(fine["points"].get_array().size(), 24U);
  auto defaulted = parse(get("/api/nodes/a/timeseries"));
  EXPECT_EQ(defaulted["window"].get_int64().value(), 3600);
}

TEST_F(RouterTest, MaxDataPointsGrowsTheStep) {
  ServerOptions options;
  options.max_data_points = 10;
  makeRouter(options);
  const int64_t base = nowMs() - 600'000;
  for (int i = 0; i < 120; ++i) ASSERT_EQ(ingest(report("a", base + i * 5000, 1)).status, 202);
  auto series = parse(get("/api/nodes/a?window=10m"));
  EXPECT_DOUBLE_EQ(series["step"].get_double().value(), 60) << "600 s / 10 points";
  EXPECT_LE(series["points"].get_array().size(), 10U);
  EXPECT_GE(series["points"].get_array().size(), 9U);
}

TEST_F(RouterTest, BadSeriesParametersAre400NeverADefault) {
  ASSERT_EQ(ingest(report("a", nowMs(), 1)).status, 202);
  EXPECT_EQ(expectError(get("/api/nodes/a?window=abc"), 400, "bad_request").rfind("window: ", 0), 0U);
  EXPECT_EQ(expectError(get("/api/nodes/a?step=0"), 400, "bad_request").rfind("step: ", 0), 0U);
  EXPECT_EQ(expectError(get("/api/nodes/a?start=soon"), 400, "bad_request").rfind("start: ", 0), 0U);
  expectError(get("/api/nodes/a/timeseries?end=x"), 400, "bad_request");
  expectError(get("/api/nodes/a?window=1m&window=2m"), 400, "bad_request");
  expectError(get("/api/nodes/ghost?window=abc"), 400, "bad_request");
}

TEST_F(RouterTest, NodeGraceHidesSilentNodesFromTheList) {
  ServerOptions options;
  options.node_grace = std::chrono::minutes(5);
  makeRouter(options);
  ASSERT_EQ(ingest(report("old", nowMs() - 600'000, 1)).status, 202);
  ASSERT_EQ(ingest(report("new", nowMs(), 1)).status, 202);
  auto list = parse(get("/api/nodes"));
  ASSERT_EQ(list["items"].get_array().size(), 1U);
  EXPECT_EQ(get("/api/nodes/old").status, 200) << "the single-node route keeps the last values";
}

TEST_F(RouterObjectsTest, PodsNamespacesAndDeploymentsWithSumsAcrossNodes) {
  const int64_t t = slotMs();
  ingestCluster(t);

  auto pods = parse(get("/api/pods"));
  EXPECT_EQ(names(pods), (std::vector<std::string>{"coredns-1", "db-0", "web-1", "web-2"}));
  auto web1 = parse(get("/api/pods/web-1?namespace=shop"));
  EXPECT_EQ(web1["kind"].get_string().value(), "pod");
  EXPECT_EQ(web1["namespace"].get_string().value(), "shop");
  EXPECT_EQ(web1["node"].get_string().value(), "n1");
  EXPECT_EQ(web1["deployment"].get_string().value(), "web");
  EXPECT_EQ(web1["uid"].get_string().value(), "uid-shop-web-1");
  EXPECT_EQ(web1["timestamp"].get_string().value(), formatRfc3339(t));
  EXPECT_DOUBLE_EQ(web1["cpu_millicores"].get_double().value(), 250);
  EXPECT_DOUBLE_EQ(web1["cpu_percent"].get_double().value(), 50) << "of its 500m limit";
  EXPECT_DOUBLE_EQ(web1["memory_percent"].get_double().value(), 50) << "of its 2 GiB limit";
  EXPECT_EQ(web1["memory_rss_bytes"].get_uint64().value(), 256ULL << 20);
  EXPECT_EQ(web1["network_rx_bytes"].get_uint64().value(), 1000U);
  EXPECT_DOUBLE_EQ(web1["network_tx_bytes_per_sec"].get_double().value(), 12.5);
  EXPECT_TRUE(web1["pod_count"].error()) << "pods have no pod_count";
  auto web2 = parse(get("/api/pods/web-2"));  // one namespace only: no ?namespace= needed
  EXPECT_DOUBLE_EQ(web2["cpu_percent"].get_double().value(), 18.75) << "no limit: of the node's 4000m";

  auto shop = parse(get("/api/namespaces/shop"));
  EXPECT_EQ(shop["kind"].get_string().value(), "namespace");
  EXPECT_EQ(shop["name"].get_string().value(), "shop");
  EXPECT_TRUE(shop["namespace"].error());
  EXPECT_DOUBLE_EQ(shop["cpu_millicores"].get_double().value(), 1100);
  EXPECT_EQ(shop["memory_working_set_bytes"].get_uint64().value(), 4ULL << 30);
  EXPECT_EQ(shop["network_rx_bytes"].get_uint64().value(), 3000U);
  EXPECT_EQ(shop["disk_read_bytes"].get_uint64().value(), 21U);
  EXPECT_EQ(shop["pod_count"].get_uint64().value(), 3U);
  EXPECT_DOUBLE_EQ(shop["cpu_percent"].get_double().value(), 13.75) << "1100m of the two nodes' 8000m";
  EXPECT_DOUBLE_EQ(shop["memory_percent"].get_double().value(), 25) << "4 GiB of 16 GiB";
  EXPECT_EQ(names(parse(get("/api/namespaces"))), (std::vector<std::string>{"kube-system", "shop"}));
  EXPECT_EQ(names(parse(get("/api/namespaces/shop/pods"))), (std::vector<std::string>{"db-0", "web-1", "web-2"}));

  auto web = parse(get("/api/deployments/web"));
  EXPECT_EQ(web["kind"].get_string().value(), "deployment");
  EXPECT_EQ(web["namespace"].get_string().value(), "shop");
  EXPECT_DOUBLE_EQ(web["cpu_millicores"].get_double().value(), 1000);
  EXPECT_EQ(web["pod_count"].get_uint64().value(), 2U);
  EXPECT_EQ(parse(get("/api/namespaces/shop/deployments/web"))["pod_count"].get_uint64().value(), 2U);
  EXPECT_EQ(names(parse(get("/api/deployments"))), (std::vector<std::string>{"coredns", "web"}));
  EXPECT_EQ(names(parse(get("/api/deployments?namespace=shop"))), (std::vector<std::string>{"web"}));
  EXPECT_EQ(names(parse(get("/api/namespaces/shop/deployments"))), (std::vector<std::string>{"web"}));
  EXPECT_EQ(names(parse(get("/api/namespaces/shop/deployments/web/pods"))), (std::vector<std::string>{"web-1", "web-2"}));

  EXPECT_EQ(names(parse(get("/api/nodes/n2/pods"))), (std::vector<std::string>{"coredns-1", "web-2"}));
  EXPECT_EQ(names(parse(get("/api/nodes/n2/pods?namespace=shop"))), (std::vector<std::string>{"web-2"}));
  EXPECT_EQ(parse(get("/api/nodes/n1"))["pod_count"].get_uint64().value(), 2U);
}

TEST_F(RouterObjectsTest, ReplayedReportsAreNotCountedTwice) {
  const int64_t t = slotMs();
  ingestCluster(t);
  ingestCluster(t);
  ASSERT_EQ(ingest(podReport("n1", t, {testPod("shop", "web-1", "web", 250, 1 << 30),
                                       testPod("shop", "db-0", "", 100, 2ULL << 30)}))
                .status,
            202);
  auto shop = parse(get("/api/namespaces/shop"));
  EXPECT_DOUBLE_EQ(shop["cpu_millicores"].get_double().value(), 1100);
  EXPECT_EQ(shop["pod_count"].get_uint64().value(), 3U);
  auto series = parse(get("/api/namespaces/shop/timeseries?window=1m"));
  ASSERT_EQ(series["points"].get_array().size(), 1U);
  EXPECT_DOUBLE_EQ(series["points"].at(0)["cpu_millicores"].get_double().value(), 1100);
  EXPECT_EQ(parse(get("/api/deployments/web"))["pod_count"].get_uint64().value(), 2U);
}

TEST_F(RouterObjectsTest, SameNameInTwoNamespacesIs409WithTheCandidates) {
  const int64_t t = slotMs();
  ASSERT_EQ(ingest(podReport("n1", t, {testPod("a", "web-0", "web", 1, 1), testPod("b", "web-0", "web", 2, 2)})).status,
            202);
  HttpResponse conflict = get("/api/pods/web-0");
  EXPECT_NE(expectError(conflict, 409, "conflict").find("?namespace="), std::string::npos);
  auto doc = parse(conflict);
  auto candidates = doc["candidates"].get_array();
  ASSERT_EQ(candidates.size(), 2U);
  EXPECT_EQ(candidates.at(0)["namespace"].get_string().value(), "a");
  EXPECT_EQ(candidates.at(1)["namespace"].get_string().value(), "b");
  EXPECT_EQ(candidates.at(1)["name"].get_string().value(), "web-0");
  expectError(get("/api/pods/web-0/timeseries?window=5m"), 409, "conflict");
  expectError(get("/api/deployments/web"), 409, "conflict");
  EXPECT_DOUBLE_EQ(parse(get("/api/pods/web-0?namespace=b"))["cpu_millicores"].get_double().value(), 2);
  const std::string start = std::to_string(t / 1000 - 60);
  EXPECT_EQ(parse(get("/api/pods/web-0/timeseries?namespace=a&start=" + start))["points"].get_array().size(), 1U);
  EXPECT_DOUBLE_EQ(parse(get("/api/deployments/web?namespace=a"))["cpu_millicores"].get_double().value(), 1);
}

TEST_F(RouterObjectsTest, NotFoundAndBadRequests) {
  ingestCluster(slotMs());
  EXPECT_EQ(expectError(get("/api/pods/ghost"), 404, "not_found"), "pod \"ghost\" has not reported");
  EXPECT_EQ(expectError(get("/api/pods/web-1?namespace=other"), 404, "not_found"), "pod \"other/web-1\" has not reported");
  expectError(get("/api/namespaces/ghost"), 404, "not_found");
  expectError(get("/api/namespaces/ghost/pods"), 404, "not_found");
  expectError(get("/api/namespaces/ghost/deployments"), 404, "not_found");
  expectError(get("/api/namespaces/shop/deployments/ghost"), 404, "not_found");
  expectError(get("/api/namespaces/shop/deployments/ghost/pods"), 404, "not_found");
  expectError(get("/api/deployments/ghost"), 404, "not_found");
  expectError(get("/api/nodes/ghost/pods"), 404, "not_found");
  expectError(get("/api/namespaces/shop/nope"), 404, "not_found");
  expectError(get("/api/pods/web-1/nope"), 404, "not_found");
  expectError(get("/api/pods/web-1?namespace="), 400, "bad_request");
  EXPECT_EQ(expectError(get("/api/pods/web-1?window=7x"), 400, "bad_request").rfind("window: ", 0), 0U);
  expectError(get("/api/namespaces/shop?start=2026-01-01T00:00:00Z&end=2025-01-01T00:00:00Z"), 400, "bad_request");
  expectError(get("/api/deployments/ghost?window=abc"), 400, "bad_request");
  HttpRequest post_pods;
  post_pods.method = "POST";
  post_pods.target = "/api/pods";
  expectError(router_->handle(post_pods), 405, "method_not_allowed");
}

TEST_F(RouterObjectsTest, SilentNodesPodsLeaveAfterTheGracePeriodButKeepHistory) {
  ServerOptions options;
  options.stale_after = std::chrono::seconds(60);
  makeRouter(options);
  const int64_t t = slotMs();
  ingestCluster(t);
  for (int i = 1; i <= 6; ++i) {  // n1 keeps reporting for 30 s; n2 falls silent
    clock_.advance(std::chrono::seconds(5));
    ASSERT_EQ(ingest(podReport("n1", t + i * 5000, {testPod("shop", "web-1", "web", 250, 1 << 30)})).status, 202);
  }
  EXPECT_EQ(names(parse(get("/api/pods"))), (std::vector<std::string>{"coredns-1", "web-1", "web-2"}))
      << "db-0 left n1's reports at once; n2 is silent for 30 s < 60 s";
  clock_.advance(std::chrono::seconds(31));
  EXPECT_EQ(names(parse(get("/api/pods"))), (std::vector<std::string>{"web-1"}));
  EXPECT_EQ(names(parse(get("/api/namespaces"))), (std::vector<std::string>{"shop"}));
  auto shop = parse(get("/api/namespaces/shop"));
  EXPECT_DOUBLE_EQ(shop["cpu_millicores"].get_double().value(), 250);
  EXPECT_EQ(shop["pod_count"].get_uint64().value(), 1U);
  // History stays: the silent pod's single route answers its last values and its series.
  auto web2 = parse(get("/api/pods/web-2"));
  EXPECT_EQ(web2["timestamp"].get_string().value(), formatRfc3339(t));
  EXPECT_EQ(parse(get("/api/pods/web-2?window=10m"))["points"].get_array().size(), 1U);

  // Default (0): 3 × the 5 s interval.
  makeRouter(ServerOptions{});
  ASSERT_EQ(ingest(podReport("n1", nowMs(), {testPod("shop", "web-1", "web", 250, 1 << 30)})).status, 202);
  clock_.advance(std::chrono::seconds(14));
  EXPECT_EQ(names(parse(get("/api/pods"))), (std::vector<std::string>{"web-1"}));
  clock_.advance(std::chrono::seconds(2));
  EXPECT_TRUE(names(parse(get("/api/pods"))).empty());
}

TEST_F(RouterObjectsTest, WindowAndTimeseriesOnEverySingleObjectRoute) {
  const int64_t base = nowMs() / 60'000 * 60'000 - 600'000;  // 10 min ago, on a minute
  for (int i = 0; i < 24; ++i) {  // 2 minutes of 5 s reports
    ASSERT_EQ(ingest(podReport("n1", base + i * 5000, {testPod("shop", "web-1", "web", 100.0 * (i % 12), 1 << 20)}))
                  .status,
              202);
    ASSERT_EQ(ingest(podReport("n2", base + i * 5000, {testPod("shop", "web-2", "web", 50, 1 << 20)})).status, 202);
  }
  for (const char* target : {"/api/pods/web-1?window=15m&step=1m", "/api/pods/web-1/timeseries?window=15m&step=60",
                             "/api/namespaces/shop?window=15m&step=1m", "/api/namespaces/shop/timeseries?window=900&step=1m",
                             "/api/deployments/web?window=15m&step=1m", "/api/deployments/web/timeseries?window=15m&step=1m",
                             "/api/namespaces/shop/deployments/web?window=15m&step=1m"}) {
    SCOPED_TRACE(target);
    auto series = parse(get(target));
    EXPECT_EQ(series["window"].get_int64().value(), 900);
    EXPECT_DOUBLE_EQ(series["step"].get_double().value(), 60);
    auto points = series["points"].get_array();
    ASSERT_EQ(points.size(), 2U);
    EXPECT_EQ(points.at(0)["timestamp"].get_string().value(), formatRfc3339(base));
    EXPECT_EQ(points.at(1)["timestamp"].get_string().value(), formatRfc3339(base + 60'000));
    const bool pod = std::string_view(target).starts_with("/api/pods");
    // web-1: mean of 0..1100 = 550; the namespace and deployment add web-2's 50.
    EXPECT_DOUBLE_EQ(points.at(0)["cpu_millicores"].get_double().value(), pod ? 550 : 600);
    if (!pod) {
      EXPECT_EQ(points.at(0)["pod_count"].get_uint64().value(), 2U);
    }
  }
  auto fine = parse(get("/api/pods/web-1/timeseries?window=1h"));
  EXPECT_DOUBLE_EQ(fine["step"].get_double().value(), 5) << "the pod's report interval";
  EXPECT_EQ(fine["points"].get_array().size(), 24U);
  auto days = parse(get("/api/namespaces/shop?window=7d"));
  EXPECT_EQ(days["window"].get_int64().value(), 7 * 86400);
  EXPECT_LE(days["points"].get_array().size(), 1000U);
  auto node_points = parse(get("/api/nodes/n1?window=15m&step=1m"))["points"];
  EXPECT_EQ(node_points.at(0)["pod_count"].get_uint64().value(), 1U);
}

TEST_F(RouterObjectsTest, PodMetricsForKubectlTop) {
  const int64_t t = slotMs();
  ingestCluster(t);
  auto list = parse(get("/apis/metrics.k8s.io/v1beta1/pods"));
  EXPECT_EQ(list["kind"].get_string().value(), "PodMetricsList");
  EXPECT_EQ(list["apiVersion"].get_string().value(), "metrics.k8s.io/v1beta1");
  ASSERT_EQ(list["items"].get_array().size(), 4U);
  auto shop = parse(get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods"));
  ASSERT_EQ(shop["items"].get_array().size(), 3U);
  auto web1 = parse(get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-1"));
  EXPECT_EQ(web1["kind"].get_string().value(), "PodMetrics");
  EXPECT_EQ(web1["metadata"]["name"].get_string().value(), "web-1");
  EXPECT_EQ(web1["metadata"]["namespace"].get_string().value(), "shop");
  EXPECT_EQ(web1["timestamp"].get_string().value(), formatRfc3339(t));
  EXPECT_EQ(web1["window"].get_string().value(), "5s");
  auto containers = web1["containers"].get_array();
  ASSERT_EQ(containers.size(), 1U);
  EXPECT_EQ(containers.at(0)["name"].get_string().value(), "app");
  EXPECT_EQ(containers.at(0)["usage"]["cpu"].get_string().value(), "250000000n");
  EXPECT_EQ(containers.at(0)["usage"]["memory"].get_string().value(), "1048576Ki");
  HttpResponse missing = get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/ghost");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(parse(missing)["kind"].get_string().value(), "Status");
  EXPECT_EQ(parse(get("/apis/metrics.k8s.io/v1beta1/namespaces/nobody/pods"))["items"].get_array().size(), 0U);
}

}  // namespace
}  // namespace kubemonitor::server
