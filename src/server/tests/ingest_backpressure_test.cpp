// The server under a slow disk, on a real socket with the embedded engine: an ingest waits for
// its WAL sync without holding a network thread (one event-loop thread here, and queries still
// answer), and a full ingest queue sheds with 503 + Retry-After, after which the report lands.
// The sync is held back by the test (HeldSync), not slowed by a sleep.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <future>
#include <thread>

#include "common/testing/child_process.h"
#include "common/testing/fake_clock.h"
#include "model/report_json.h"
#include "server/http_server.h"
#include "server/router.h"
#include "server/tests/test_client.h"
#include "tsdb/embedded_storage.h"
#include "tsdb/testing/held_sync.h"

namespace kubemonitor::server {
namespace {

using namespace std::chrono_literals;
using kubemonitor::testing::TempDir;
using kubemonitor::testing::TestClient;
namespace http = boost::beast::http;

class IngestBackpressureTest : public ::testing::Test {
 protected:
  void start(size_t ingest_queue) {
    tsdb::EmbeddedOptions engine;
    engine.data_dir = dir_.path() + "/data";
    engine.wal.sync_interval_ms = 1;
    engine.wal.sync_file = sync_.function();
    auto opened = tsdb::EmbeddedStorage::open(clock_, engine);
    ASSERT_TRUE(opened.ok()) << opened.error().toString();
    storage_ = std::move(*opened);
    ServerOptions options;
    options.listen_address = "127.0.0.1";
    options.port = 0;
    options.threads = 1;  // one event loop: a blocked network thread would stall every query
    options.ingest_workers = 1;
    options.ingest_queue = ingest_queue;
    router_.emplace(*storage_, clock_, options);
    server_.emplace(options, [this](HttpRequest request, Responder respond) {
      router_->handleAsync(std::move(request), std::move(respond));
    });
    ASSERT_TRUE(server_->start().ok());
    thread_ = std::thread([this] { server_->run(); });
  }

  void TearDown() override {
    sync_.release();
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  http::request<http::string_body> ingestRequest(const std::string& node) const {
    model::Report report;
    report.node = node;
    report.timestamp_ms = toUnixMs(clock_.wallNow()) / 5000 * 5000;
    report.interval_ms = 5000;
    report.node_usage.cpu_millicores = 250;
    report.node_usage.cpu_capacity_millicores = 2000;
    report.node_usage.memory_capacity_bytes = 1 << 30;
    http::request<http::string_body> request(http::verb::post, "/api/ingest", 11);
    request.set(http::field::content_type, "application/json");
    request.body() = model::encodeReport(report);
    return request;
  }

  // Posts on a connection of its own, from another thread: the answer comes when it comes.
  std::future<std::optional<http::response<http::string_body>>> postInBackground(const std::string& node) {
    auto request = ingestRequest(node);
    const uint16_t port = server_->port();
    return std::async(std::launch::async, [port, request]() mutable { return TestClient(port).send(std::move(request)); });
  }

  // GET /health's "ingest" member, field `name`.
  int64_t healthIngest(TestClient& client, const char* name) {
    auto health = client.get("/health");
    EXPECT_TRUE(health && health->result_int() == 200);
    if (!health) return -1;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(health->body()).get(doc)) return -1;
    int64_t value = -1;
    if (doc["ingest"][name].get(value)) return -1;
    return value;
  }

  TempDir dir_;
  FakeClock clock_;
  tsdb::testing::HeldSync sync_;
  std::unique_ptr<tsdb::EmbeddedStorage> storage_;
  std::optional<Router> router_;
  std::optional<HttpServer> server_;
  std::thread thread_;
};

TEST_F(IngestBackpressureTest, QueriesAnswerWhileAWalSyncIsHeldBack) {
  start(16);
  sync_.hold();
  auto pending = postInBackground("node-a");
  ASSERT_TRUE(sync_.waitUntilASyncIsHeld(10s));  // the report is logged; its sync has begun

  TestClient reader(server_->port());
  ASSERT_TRUE(reader.connected());
  // The sync may begin between the WAL append and the head apply: every query answers meanwhile
  // (404 until the apply, then 200), none waits for the disk.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  int answered_before_apply = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto node = reader.get("/api/nodes/node-a");
    ASSERT_TRUE(node);
    if (node->result_int() == 200) break;
    EXPECT_EQ(node->result_int(), 404) << node->body();
    ++answered_before_apply;
  }
  EXPECT_LT(answered_before_apply, 100'000);
  for (int i = 0; i < 20; ++i) {
    auto node = reader.get("/api/nodes/node-a");  // applied already: readers see a consistent head
    ASSERT_TRUE(node);
    EXPECT_EQ(node->result_int(), 200) << node->body();
  }
  clock_.advance(1500ms);
  EXPECT_EQ(healthIngest(reader, "queue_depth"), 1);
  EXPECT_EQ(healthIngest(reader, "oldest_unacknowledged_ms"), 1500);
  // Nothing is acknowledged before it is durable.
  EXPECT_EQ(pending.wait_for(50ms), std::future_status::timeout);

  sync_.release();
  auto answer = pending.get();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->result_int(), 202) << answer->body();
  EXPECT_GE(sync_.completedSyncs(), 1U);
  EXPECT_EQ(healthIngest(reader, "queue_depth"), 0);
  EXPECT_EQ(healthIngest(reader, "oldest_unacknowledged_ms"), 0);
}

TEST_F(IngestBackpressureTest, AFullQueueIs503WithRetryAfterAndTheReportLandsAfterwards) {
  start(1);
  sync_.hold();
  auto first = postInBackground("node-a");
  ASSERT_TRUE(sync_.waitUntilASyncIsHeld(10s));  // the one admitted report waits for the disk

  TestClient agent(server_->port());
  ASSERT_TRUE(agent.connected());
  auto refused = agent.send(ingestRequest("node-b"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result_int(), 503) << refused->body();
  const std::string retry_after(refused->base()["Retry-After"]);
  ASSERT_FALSE(retry_after.empty());
  EXPECT_GE(std::stoi(retry_after), 1);
  EXPECT_NE(refused->body().find("\"error\":\"overloaded\""), std::string::npos) << refused->body();
  EXPECT_EQ(healthIngest(agent, "refused_total"), 1);
  auto absent = agent.get("/api/nodes/node-b");
  ASSERT_TRUE(absent);
  EXPECT_EQ(absent->result_int(), 404);  // refused means not stored: the agent still has it

  sync_.release();
  auto accepted = first.get();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->result_int(), 202);
  // The agent comes back (after Retry-After; when is the shipper's business, tested there).
  auto retried = agent.send(ingestRequest("node-b"));
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->result_int(), 202) << retried->body();
  auto landed = agent.get("/api/nodes/node-b");
  ASSERT_TRUE(landed);
  EXPECT_EQ(landed->result_int(), 200) << landed->body();
  EXPECT_EQ(storage_->stats().samples, 2U);  // each report once
}

}  // namespace
}  // namespace kubemonitor::server
