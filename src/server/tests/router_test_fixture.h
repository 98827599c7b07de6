#pragma once
// The fixture of the router tests (router_test.cpp, router_fields_test.cpp): a Router over a
// MemoryStorage and a FakeClock, requests as plain values, and a small cluster of pods.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/compression.h"
#include "common/testing/fake_clock.h"
#include "common/time_format.h"
#include "model/report_json.h"
#include "server/router.h"
#include "tsdb/memory_storage.h"

namespace kubemonitor::server {

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


// Pods, namespaces and deployments -------------------------------------------------------------

inline model::PodUsage testPod(const std::string& ns, const std::string& name, const std::string& deployment,
                        double cpu_millicores, uint64_t working_set_bytes) {
  model::PodUsage p;
  p.uid = "uid-" + ns + "-" + name;
  p.name = name;
  p.namespace_name = ns;
  p.deployment = deployment;
  p.workload_kind = deployment.empty() ? "" : "Deployment";
  p.usage.cpu_millicores = cpu_millicores;
  p.usage.memory_working_set_bytes = working_set_bytes;
  p.usage.memory_rss_bytes = working_set_bytes / 4;
  p.usage.disk_read_bytes = 7;
  p.network.rx_bytes = 1000;
  p.network.tx_bytes_per_sec = 12.5;
  model::ContainerUsage app;
  app.name = "app";
  app.usage.cpu_millicores = cpu_millicores;
  app.usage.memory_working_set_bytes = working_set_bytes;
  p.containers.push_back(app);
  return p;
}

class RouterObjectsTest : public RouterTest {
 protected:
  int64_t slotMs() const { return nowMs() / 5000 * 5000; }

  model::Report podReport(const std::string& node, int64_t timestamp_ms, std::vector<model::PodUsage> pods) {
    model::Report r = report(node, timestamp_ms, 1000);
    r.pods = std::move(pods);
    return r;
  }

  // Two nodes, one namespace spread over both.
  void ingestCluster(int64_t timestamp_ms) {
    model::PodUsage limited = testPod("shop", "web-1", "web", 250, 1 << 30);
    limited.spec.cpu_limit_millicores = 500;
    limited.spec.memory_limit_bytes = 2ULL << 30;
    ASSERT_EQ(ingest(podReport("n1", timestamp_ms, {limited, testPod("shop", "db-0", "", 100, 2ULL << 30)})).status, 202);
    ASSERT_EQ(ingest(podReport("n2", timestamp_ms,
                               {testPod("shop", "web-2", "web", 750, 1ULL << 30),
                                testPod("kube-system", "coredns-1", "coredns", 4, 64ULL << 20)}))
                  .status,
              202);
  }

  std::vector<std::string> names(simdjson::dom::element list) {
    std::vector<std::string> out;
    for (auto item : list["items"].get_array()) out.emplace_back(item["name"].get_string().value());
    return out;
  }
};


}  // namespace kubemonitor::server
