// Every documented route, fed garbage: answers are 2xx or 4xx with the error shape, never 5xx,
// never a crash (ASan/UBSan run this too). The route list comes from the served OpenAPI document,
// so a route added there is attacked here without editing this test.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <random>
#include <regex>

#include "common/testing/fake_clock.h"
#include "common/time_format.h"
#include "model/report_json.h"
#include "server/embedded_assets.h"
#include "server/router.h"
#include "tsdb/memory_storage.h"

namespace kubemonitor::server {
namespace {

std::vector<std::string> documentedPaths() {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(std::string(assets::openApiJson())).value();
  std::vector<std::string> paths;
  for (auto [path, item] : doc["paths"].get_object()) paths.emplace_back(path);
  return paths;
}

// Fills {placeholders} with `value`.
std::string instantiate(const std::string& templ, const std::string& value) {
  return std::regex_replace(templ, std::regex("\\{[^}]+\\}"), value);
}

class RouterGarbageTest : public ::testing::Test {
 protected:
  RouterGarbageTest() {
    model::Report r;
    r.node = "node-1";
    r.interval_ms = 5000;
    r.timestamp_ms = toUnixMs(clock_.wallNow()) / 5000 * 5000;
    r.node_usage.cpu_capacity_millicores = 2000;
    r.node_usage.memory_capacity_bytes = 1ULL << 30;
    EXPECT_TRUE(storage_.ingest(r).ok());
  }

  void expectSane(const HttpRequest& request) {
    HttpResponse response = router_.handle(request);
    SCOPED_TRACE(request.method + " " + request.target);
    EXPECT_TRUE((response.status >= 200 && response.status < 300) || (response.status >= 400 && response.status < 500))
        << response.status << " " << response.body;
    if (response.status >= 400 && response.content_type.starts_with("application/json")) {
      simdjson::dom::element doc;
      EXPECT_FALSE(parser_.parse(response.body).get(doc)) << "error body is not JSON: " << response.body;
    }
  }

  FakeClock clock_;
  tsdb::MemoryStorage storage_{clock_, std::chrono::hours(24)};
  Router router_{storage_, clock_, ServerOptions{}};
  simdjson::dom::parser parser_;
};

TEST_F(RouterGarbageTest, EveryRouteWithHostileNamesAndParameters) {
  const std::vector<std::string> names = {"node-1", "x", "%00", "%zz", "..", "%2e%2e%2f", std::string(300, 'a'),
                                          "%F0%9F%92%A9", "a%20b", "-", "%ff%fe"};
  const std::vector<std::string> queries = {
      "", "?window=", "?window=-5", "?window=abc", "?window=99999999999999999999", "?window=1h&step=0",
      "?start=tomorrow", "?start=2026-01-01T00:00:00Z&end=2025-01-01T00:00:00Z", "?step=1e308", "?namespace=",
      "?namespace=%00", "?window=5m&window=1h", "?=&&&=", "?window=1d&step=1", "?max_data_points=-1",
      // issue 14: fields=, max-data-points=, unknown parameters, kubectl's selectors
      "?fields=", "?fields=nope", "?fields=cpu_millicores,,", "?fields=cpu_millicores&window=5m",
      "?fields=oom_kills_in_window,restarts&max-data-points=1", "?max-data-points=0",
      "?max-data-points=99999999999999999999999", "?max-data-points=2&window=7d&step=1",
      "?labelSelector=app%3Dx", "?bogus=1", "?namespace=a&window=1h&fields=cpu_percent_of_limit"};
  for (const auto& path : documentedPaths()) {
    for (const auto& name : names) {
      for (const auto& query : queries) {
        HttpRequest request;
        request.method = "GET";
        request.target = instantiate(path, name) + query;
        expectSane(request);
      }
    }
  }
}

TEST_F(RouterGarbageTest, EveryRouteWithWrongMethodsAndRandomBodies) {
  std::mt19937 random(20261123);  // fixed seed: a failure reproduces
  std::uniform_int_distribution<int> byte(0, 255);
  for (const auto& path : documentedPaths()) {
    for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"}) {
      for (int round = 0; round < 8; ++round) {
        HttpRequest request;
        request.method = method;
        request.target = instantiate(path, "node-1");
        request.content_encoding = std::vector<std::string>{"", "zstd", "gzip", "br", "identity"}[round % 5];
        request.authorization = round % 3 == 0 ? "Bearer \x01\x02" : "";
        const int size = round * round * 37;
        for (int i = 0; i < size; ++i) request.body.push_back(static_cast<char>(byte(random)));
        expectSane(request);
      }
    }
  }
}

TEST_F(RouterGarbageTest, MangledReportsAreRejectedWithAMessage) {
  model::Report r;
  r.node = "node-2";
  r.interval_ms = 5000;
  r.timestamp_ms = toUnixMs(clock_.wallNow()) / 5000 * 5000;
  r.node_usage.cpu_capacity_millicores = 2000;
  r.node_usage.memory_capacity_bytes = 1ULL << 30;
  model::PodUsage pod;
  pod.uid = "u-1";
  pod.containers.push_back({});
  r.pods.push_back(pod);
  const std::string valid = model::encodeReport(r);
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::string body = valid;
    // Truncate, flip, insert or delete a few bytes.
    const int edits = 1 + round % 4;
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const size_t at = random() % body.size();
      switch (random() % 4) {
        case 0: body.resize(at); break;
        case 1: body[at] = static_cast<char>(random() % 256); break;
        case 2: body.insert(at, 1, "{}[]\",:-0e9"[random() % 11]); break;
        default: body.erase(at, 1 + random() % 8); break;
      }
    }
    HttpRequest request;
    request.method = "POST";
    request.target = "/api/ingest";
    request.body = body;
    HttpResponse response = router_.handle(request);
    EXPECT_TRUE(response.status == 202 || response.status == 400) << response.status << " for " << body;
  }
}

}  // namespace
}  // namespace kubemonitor::server
