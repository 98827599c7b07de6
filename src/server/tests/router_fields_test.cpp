// Issue 14 over the API: requests, limits and their percentages (absent, not 0, without a request
// or limit), throttling, OOM kills, restarts, pressure, containers with history, fleet windows,
// fields=, max-data-points=, unknown parameters, and objects literally named "timeseries".

#include <gtest/gtest.h>
#include <simdjson.h>

#include "server/tests/router_test_fixture.h"

namespace kubemonitor::server {
namespace {

class RouterFieldsTest : public RouterObjectsTest {
 protected:
  // web-1: requests 200 m / 1 GiB, limits 500 m / 2 GiB, throttled, two OOM kills, three restarts.
  static model::PodUsage limitedPod(uint64_t oom_kills) {
    model::PodUsage pod = testPod("shop", "web-1", "web", 250, 1ULL << 30);
    pod.qos_class = "Burstable";
    pod.workload_name = "web";
    pod.spec = {200, 500, 1ULL << 30, 2ULL << 30};
    pod.usage.cpu_throttled_periods_per_sec = 4.5;
    pod.usage.cpu_throttled_ratio = 0.45;
    pod.usage.cpu_throttled_seconds_per_sec = 0.125;
    pod.usage.oom_kills = oom_kills;
    pod.restarts = 3;
    pod.usage.cpu_pressure_some_percent = 12.5;
    pod.usage.memory_pressure_some_percent = 1.25;
    pod.usage.memory_pressure_full_percent = 0.5;
    pod.usage.io_pressure_some_percent = 2.5;
    pod.usage.io_pressure_full_percent = 0.25;
    model::ContainerUsage& app = pod.containers.front();
    app.spec = pod.spec;
    app.restarts = 3;
    app.usage.oom_kills = oom_kills;
    app.usage.cpu_throttled_ratio = 0.45;
    model::ContainerUsage sidecar;
    sidecar.name = "sidecar";
    sidecar.usage.cpu_millicores = 1.5;
    sidecar.usage.memory_working_set_bytes = 1 << 20;
    pod.containers.push_back(sidecar);
    return pod;
  }

  // n1: web-1 (limited) and db-0 (no request, no limit); n2: web-2 (limits only).
  void ingestShop(int64_t timestamp_ms, uint64_t oom_kills) {
    model::PodUsage limits_only = testPod("shop", "web-2", "web", 750, 1ULL << 30);
    limits_only.spec.cpu_limit_millicores = 1000;
    limits_only.usage.oom_kills = 1;
    limits_only.restarts = 1;
    ASSERT_EQ(ingest(podReport("n1", timestamp_ms, {limitedPod(oom_kills), testPod("shop", "db-0", "", 100, 1 << 20)})).status,
              202);
    ASSERT_EQ(ingest(podReport("n2", timestamp_ms, {limits_only})).status, 202);
  }

  // The points of a series answer, as their JSON text (exact bits of every number).
  std::string pointsOf(simdjson::dom::element series) { return simdjson::to_string(series["points"]); }
};

TEST_F(RouterFieldsTest, PodsCarryRequestsLimitsPercentagesThrottlingOomKillsRestartsAndPressure) {
  ingestShop(slotMs(), 2);
  auto web = parse(get("/api/pods/web-1?namespace=shop"));
  EXPECT_EQ(web["cpu_request_millicores"].get_uint64().value(), 200U);
  EXPECT_EQ(web["cpu_limit_millicores"].get_uint64().value(), 500U);
  EXPECT_EQ(web["memory_request_bytes"].get_uint64().value(), 1ULL << 30);
  EXPECT_EQ(web["memory_limit_bytes"].get_uint64().value(), 2ULL << 30);
  EXPECT_DOUBLE_EQ(web["cpu_percent_of_request"].get_double().value(), 125);
  EXPECT_DOUBLE_EQ(web["cpu_percent_of_limit"].get_double().value(), 50);
  EXPECT_DOUBLE_EQ(web["memory_percent_of_request"].get_double().value(), 100);
  EXPECT_DOUBLE_EQ(web["memory_percent_of_limit"].get_double().value(), 50);
  EXPECT_DOUBLE_EQ(web["cpu_throttled_periods_per_sec"].get_double().value(), 4.5);
  EXPECT_DOUBLE_EQ(web["cpu_throttled_ratio"].get_double().value(), 0.45);
  EXPECT_DOUBLE_EQ(web["cpu_throttled_seconds_per_sec"].get_double().value(), 0.125);
  EXPECT_EQ(web["oom_kills"].get_uint64().value(), 2U);
  EXPECT_EQ(web["restarts"].get_uint64().value(), 3U);
  EXPECT_DOUBLE_EQ(web["cpu_pressure_some_percent"].get_double().value(), 12.5);
  EXPECT_DOUBLE_EQ(web["memory_pressure_some_percent"].get_double().value(), 1.25);
  EXPECT_DOUBLE_EQ(web["memory_pressure_full_percent"].get_double().value(), 0.5);
  EXPECT_DOUBLE_EQ(web["io_pressure_some_percent"].get_double().value(), 2.5);
  EXPECT_DOUBLE_EQ(web["io_pressure_full_percent"].get_double().value(), 0.25);
  EXPECT_EQ(web["qos_class"].get_string().value(), "Burstable");
  EXPECT_EQ(web["workload_kind"].get_string().value(), "Deployment");
  EXPECT_EQ(web["workload_name"].get_string().value(), "web");
  EXPECT_TRUE(web["oom_kills_in_window"].error()) << "only series points count kills in their window";

  // No request and no limit: absent, not 0 — a 0 would read as "limited to nothing".
  auto db = parse(get("/api/pods/db-0?namespace=shop"));
  for (const char* absent : {"cpu_request_millicores", "cpu_limit_millicores", "memory_request_bytes",
                             "memory_limit_bytes", "cpu_percent_of_request", "cpu_percent_of_limit",
                             "memory_percent_of_request", "memory_percent_of_limit"}) {
    EXPECT_TRUE(db[absent].error()) << absent << " present without a request or limit";
  }
  EXPECT_EQ(db["oom_kills"].get_uint64().value(), 0U) << "a count is 0, not absent";
  // A limit without a request: the limit's percentages only.
  auto web2 = parse(get("/api/pods/web-2?namespace=shop"));
  EXPECT_DOUBLE_EQ(web2["cpu_percent_of_limit"].get_double().value(), 75);
  EXPECT_TRUE(web2["cpu_percent_of_request"].error());
}

TEST_F(RouterFieldsTest, NamespacesAndDeploymentsSumWhatAddsUpAndNothingElse) {
  ingestShop(slotMs(), 2);
  for (const char* target : {"/api/namespaces/shop", "/api/namespaces/shop/deployments/web"}) {
    SCOPED_TRACE(target);
    auto sum = parse(get(target));
    EXPECT_EQ(sum["cpu_request_millicores"].get_uint64().value(), 200U);
    EXPECT_EQ(sum["cpu_limit_millicores"].get_uint64().value(), 1500U);
    EXPECT_EQ(sum["memory_request_bytes"].get_uint64().value(), 1ULL << 30);
    EXPECT_EQ(sum["oom_kills"].get_uint64().value(), 3U);
    EXPECT_EQ(sum["restarts"].get_uint64().value(), 4U);
    for (const char* meaningless : {"cpu_throttled_ratio", "cpu_throttled_periods_per_sec", "cpu_pressure_some_percent",
                                    "memory_pressure_full_percent", "cpu_percent_of_request", "qos_class"}) {
      EXPECT_TRUE(sum[meaningless].error()) << meaningless << " is not a sum";
    }
  }
}

TEST_F(RouterFieldsTest, OomKillsInWindowCountTheKillsOfEachPoint) {
  const int64_t t = slotMs() - 20'000;
  // Kills: 0, 1, 3, then the container restarted in a new cgroup (back to 0: no kill), then 1.
  const uint64_t kills[] = {0, 1, 3, 0, 1};
  for (int i = 0; i < 5; ++i) ingestShop(t + i * 5000, kills[i]);
  auto fine = parse(get("/api/pods/web-1?namespace=shop&window=2m&step=5s"));
  std::vector<uint64_t> per_point;
  for (auto point : fine["points"].get_array()) per_point.push_back(point["oom_kills_in_window"].get_uint64().value());
  EXPECT_EQ(per_point, (std::vector<uint64_t>{0, 1, 2, 0, 1}));
  // One bucket holding all five samples: the rises within it.
  auto coarse = parse(get("/api/pods/web-1?namespace=shop&start=" + std::to_string(t / 1000) +
                          "&end=" + std::to_string(t / 1000 + 20) + "&step=30s"));
  uint64_t total = 0;
  for (auto point : coarse["points"].get_array()) total += point["oom_kills_in_window"].get_uint64().value();
  EXPECT_EQ(total, 4U);
  // A namespace counts the rises of its pods' sum (web-2 stays at 1).
  auto ns = parse(get("/api/namespaces/shop?window=2m&step=5s"));
  per_point.clear();
  for (auto point : ns["points"].get_array()) per_point.push_back(point["oom_kills_in_window"].get_uint64().value());
  EXPECT_EQ(per_point, (std::vector<uint64_t>{0, 1, 2, 0, 1}));
}

TEST_F(RouterFieldsTest, ContainersLatestAndWithHistory) {
  const int64_t t = slotMs() - 10'000;
  for (int i = 0; i < 3; ++i) ingestShop(t + i * 5000, 2);
  auto list = parse(get("/api/pods/web-1/containers?namespace=shop"));
  EXPECT_EQ(names(list), (std::vector<std::string>{"app", "sidecar"}));
  auto app = list["items"].at(0);
  EXPECT_EQ(app["kind"].get_string().value(), "container");
  EXPECT_EQ(app["pod"].get_string().value(), "web-1");
  EXPECT_EQ(app["namespace"].get_string().value(), "shop");
  EXPECT_EQ(app["node"].get_string().value(), "n1");
  EXPECT_DOUBLE_EQ(app["cpu_percent_of_limit"].get_double().value(), 50);
  EXPECT_EQ(app["restarts"].get_uint64().value(), 3U);
  EXPECT_TRUE(app["network_rx_bytes"].error()) << "containers share the pod's network namespace";
  auto sidecar = list["items"].at(1);
  EXPECT_TRUE(sidecar["cpu_limit_millicores"].error());
  EXPECT_DOUBLE_EQ(sidecar["cpu_millicores"].get_double().value(), 1.5);

  auto series = parse(get("/api/pods/web-1/containers/app?namespace=shop&window=1m"));
  EXPECT_EQ(series["name"].get_string().value(), "app");
  EXPECT_EQ(series["points"].get_array().size(), 3U);
  EXPECT_EQ(parse(get("/api/pods/web-1/containers?namespace=shop&window=1m"))["items"].at(0)["points"].get_array().size(),
            3U);
  // Without ?namespace=: the one namespace the pod is in, as for the pod itself.
  EXPECT_EQ(get("/api/pods/web-1/containers/app").status, 200);
  expectError(get("/api/pods/web-1/containers/nope?namespace=shop"), 404, "not_found");
  expectError(get("/api/pods/nope/containers"), 404, "not_found");
}

TEST_F(RouterFieldsTest, FleetWindowsEqualThePerObjectSeriesTheyAreMadeOf) {
  const int64_t t = slotMs() - 19 * 5000;  // the newest report is now: every pod is live
  for (int i = 0; i < 20; ++i) {
    ingestShop(t + i * 5000, i / 5);
    clock_.advance(std::chrono::milliseconds(1));  // time moves; the whole list uses one "now"
  }
  struct Case {
    std::string list;
    std::string item_prefix;  // + name + item_suffix: the item's own series route
    std::string item_suffix;
  };
  const std::vector<Case> cases = {
      {"/api/pods?namespace=shop&window=2m", "/api/pods/", "?namespace=shop&window=2m"},
      {"/api/pods/timeseries?namespace=shop&window=2m", "/api/pods/", "?namespace=shop&window=2m"},
      {"/api/nodes?window=2m", "/api/nodes/", "?window=2m"},
      {"/api/nodes/timeseries?window=2m", "/api/nodes/", "/timeseries?window=2m"},
      {"/api/namespaces?window=90s&step=15s", "/api/namespaces/", "?window=90s&step=15s"},
      {"/api/namespaces/timeseries?window=90s&step=15s", "/api/namespaces/", "/timeseries?window=90s&step=15s"},
      {"/api/deployments?window=2m&max-data-points=4", "/api/deployments/", "?window=2m&max-data-points=4"},
      {"/api/deployments/timeseries?window=2m", "/api/namespaces/shop/deployments/", "?window=2m"},
      {"/api/nodes/n1/pods?window=2m&fields=cpu_millicores", "/api/pods/", "?namespace=shop&window=2m&fields=cpu_millicores"},
      {"/api/namespaces/shop/pods?window=1m", "/api/pods/", "/timeseries?namespace=shop&window=1m"},
      {"/api/namespaces/shop/deployments/web/pods?window=1m", "/api/pods/", "?namespace=shop&window=1m"},
      {"/api/pods/web-1/containers?namespace=shop&window=1m", "/api/pods/web-1/containers/", "?namespace=shop&window=1m"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.list);
    auto list = parse(get(c.list));
    size_t items = 0;
    simdjson::dom::array list_items;
    ASSERT_FALSE(list["items"].get(list_items)) << c.list << ": " << bodies_.back();
    for (auto item : list_items) {
      ++items;
      const std::string name(item["name"].get_string().value());
      const HttpResponse own_response = get(c.item_prefix + name + c.item_suffix);
      ASSERT_EQ(own_response.status, 200) << c.item_prefix + name + c.item_suffix << ": " << own_response.body;
      // Its own parser: the fixture's reuses its buffers, which would invalidate `list`.
      simdjson::dom::parser own_parser;
      simdjson::dom::element own = own_parser.parse(own_response.body).value();
      EXPECT_GT(item["points"].get_array().size(), 0U) << name;
      EXPECT_EQ(pointsOf(item), pointsOf(own)) << name;
      EXPECT_EQ(simdjson::to_string(item["step"]), simdjson::to_string(own["step"])) << name;
    }
    EXPECT_GT(items, 0U);
  }
}

TEST_F(RouterFieldsTest, FieldsSelectWhatPointsCarryAndMaxDataPointsBoundsThem) {
  const int64_t t = slotMs() - 19 * 5000;
  for (int i = 0; i < 20; ++i) ingestShop(t + i * 5000, 0);
  auto list = parse(get("/api/pods?window=1h&fields=cpu_millicores,memory_working_set_bytes&max-data-points=5"));
  for (auto item : list["items"].get_array()) {
    auto points = item["points"].get_array();
    EXPECT_LE(points.size(), 5U);
    EXPECT_GT(points.size(), 0U);
    for (auto point : points) {
      simdjson::dom::object fields = point.get_object();
      std::vector<std::string> keys;
      for (auto [key, value] : fields) keys.emplace_back(key);
      EXPECT_EQ(keys, (std::vector<std::string>{"timestamp", "cpu_millicores", "memory_working_set_bytes"}));
    }
    EXPECT_TRUE(item["cpu_millicores"].get_double().error() == simdjson::SUCCESS) << "the object keeps its fields";
  }
  auto nodes = parse(get("/api/nodes?window=1h&fields=uptime_seconds,pod_count"));
  for (auto point : nodes["items"].at(0)["points"].get_array()) {
    EXPECT_FALSE(point["pod_count"].error());
    EXPECT_TRUE(point["cpu_millicores"].error());
  }
  // fields= alone asks for the default window rather than being ignored.
  EXPECT_FALSE(parse(get("/api/pods/web-1?namespace=shop&fields=oom_kills_in_window"))["points"].error());
  for (const char* bad : {"/api/pods?fields=cpu", "/api/pods?window=1h&fields=", "/api/nodes?fields=restarts",
                          "/api/namespaces?fields=cpu_throttled_ratio", "/api/pods?max-data-points=0",
                          "/api/pods/web-1?namespace=shop&max-data-points=1001",
                          "/api/pods/web-1/containers?fields=network_rx_bytes"}) {
    SCOPED_TRACE(bad);
    expectError(get(bad), 400, "bad_request");
  }
}

TEST_F(RouterFieldsTest, AParameterARouteDoesNotKnowIs400WithAMessage) {
  ingestShop(slotMs(), 0);
  for (const char* target :
       {"/health?verbose=1", "/api/nodes?windw=5m", "/api/nodes/n1?namespace=shop", "/api/nodes/n1/pods?labelSelector=a",
        "/api/pods?node=n1", "/api/pods/web-1?namespace=shop&foo=", "/api/pods/web-1/containers?namespace=shop&x=1",
        "/api/namespaces?namespace=shop", "/api/namespaces/shop/pods?namespace=shop", "/api/deployments?limit=3",
        "/api/namespaces/shop/deployments/web?sort=cpu", "/openapi.json?v=2", "/api/nodes/n1/latest?window=5m"}) {
    SCOPED_TRACE(target);
    const std::string message = expectError(get(target), 400, "bad_request");
    EXPECT_FALSE(message.empty());
  }
  // kubectl's own parameters keep working on the metrics.k8s.io view.
  EXPECT_EQ(get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Dweb").status, 200);
  EXPECT_EQ(get("/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=").status, 200);
}

TEST_F(RouterFieldsTest, ObjectsNamedTimeseriesStayReachable) {
  ASSERT_EQ(ingest(podReport("timeseries", slotMs(), {testPod("timeseries", "timeseries", "timeseries", 5, 1 << 20)})).status,
            202);
  // The collection's series take the plain name …
  EXPECT_FALSE(parse(get("/api/nodes/timeseries"))["items"].error());
  EXPECT_FALSE(parse(get("/api/pods/timeseries"))["items"].error());
  EXPECT_FALSE(parse(get("/api/namespaces/timeseries"))["items"].error());
  EXPECT_FALSE(parse(get("/api/deployments/timeseries"))["items"].error());
  // … and the object called so is …/timeseries/latest (latest values) or …/timeseries/timeseries.
  for (const char* target : {"/api/nodes/timeseries/latest", "/api/pods/timeseries/latest",
                             "/api/namespaces/timeseries/latest", "/api/deployments/timeseries/latest",
                             "/api/namespaces/timeseries/deployments/timeseries"}) {
    SCOPED_TRACE(target);
    auto object = parse(get(target));
    EXPECT_EQ(object["name"].get_string().value(), "timeseries");
    EXPECT_TRUE(object["points"].error());
  }
  for (const char* target : {"/api/nodes/timeseries/timeseries", "/api/pods/timeseries/timeseries",
                             "/api/namespaces/timeseries/timeseries", "/api/deployments/timeseries/timeseries"}) {
    SCOPED_TRACE(target);
    auto series = parse(get(target));
    EXPECT_EQ(series["name"].get_string().value(), "timeseries");
    EXPECT_EQ(series["points"].get_array().size(), 1U);
  }
}

}  // namespace
}  // namespace kubemonitor::server
