// The API without sockets: HttpRequest in, HttpResponse out, over a MemoryStorage and a FakeClock.

#include "server/router.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>

#include "common/compression.h"
#include "common/testing/fake_clock.h"
#include "common/time_format.h"
#include "model/report_json.h"
#include "tsdb/memory_storage.h"

namespace kubemonitor::server {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  int64_t nowMs() const { return toUnixMs(clock_.wallNow()); }

  static model::Report report(const std::string& node, int64_t timestamp_ms, double cpu_millicores) {
    model::Report r;
    r.node = node;
    r.timestamp_ms = timestamp_ms;
    r.interval_ms = 5000;
    r.node_usage.cpu_millicores = cpu_millicores;
    r.node_usage.cpu_capacity_millicores = 4000;
    r.node_usage.cpu_count = 4;
    r.node_usage.memory_capacity_bytes = 8ULL << 30;
    r.node_usage.memory_working_set_bytes = 2ULL << 30;
    return r;
  }

  HttpResponse get(const std::string& target, const std::string& accept = "application/json") {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.accept = accept;
    return router_->handle(request);
  }

  HttpResponse post(const std::string& body, const std::string& encoding = "", const std::string& authorization = "") {
    HttpRequest request;
    request.method = "POST";
    request.target = "/api/ingest";
    request.content_type = "application/json";
    request.content_encoding = encoding;
    request.authorization = authorization;
    request.body = body;
    return router_->handle(request);
  }

  HttpResponse ingest(const model::Report& r) { return post(compressZstd(model::encodeReport(r)), "zstd"); }

  simdjson::dom::element parse(const HttpResponse& response) {
    bodies_.push_back(response.body);
    simdjson::dom::element doc;
    EXPECT_FALSE(parser_.parse(bodies_.back()).get(doc)) << "not JSON: " << response.body;
    return doc;
  }

  // Asserts the error shape of DESIGN §3 and returns the message.
  std::string expectError(const HttpResponse& response, int status, std::string_view code) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.content_type, "application/json; charset=utf-8");
    auto doc = parse(response);
    EXPECT_EQ(doc["error"].get_string().value(), code) << response.body;
    return std::string(doc["message"].get_string().value());
  }

  void makeRouter(ServerOptions options) { router_.emplace(storage_, clock_, std::move(options)); }

  FakeClock clock_;
  tsdb::MemoryStorage storage_{clock_, std::chrono::hours(24 * 7)};
  std::optional<Router> router_{std::in_place, storage_, clock_, ServerOptions{}};
  simdjson::dom::parser parser_;
  std::deque<std::string> bodies_;
};

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
  EXPECT_NE(response.body.find("/api/nodes"), std::string::npos);
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

}  // namespace
}  // namespace kubemonitor::server
