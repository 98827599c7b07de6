// The transport on a real loopback socket (port 0): keep-alive, limits, deadlines, the connection
// cap and graceful stop. The client is a small Beast client whose every call has a deadline, so a
// server bug fails the test instead of hanging it.

#include "server/http_server.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/compression.h"
#include "common/testing/fake_clock.h"
#include "model/report_json.h"
#include "server/router.h"
#include "server/tests/test_client.h"
#include "tsdb/memory_storage.h"

namespace kubemonitor::server {
namespace {

using namespace std::chrono_literals;
using testing::TestClient;
namespace http = boost::beast::http;

class HttpServerTest : public ::testing::Test {
 protected:
  void startServer(ServerOptions options) {
    options.listen_address = "127.0.0.1";
    options.port = 0;
    router_.emplace(storage_, clock_, options);
    server_.emplace(options, [this](HttpRequest request, Responder respond) {
      router_->handleAsync(std::move(request), std::move(respond));
    });
    ASSERT_TRUE(server_->start().ok());
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { server_->run(); });
  }

  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }

  // Polls (bounded) until the server holds `expected` connections or fewer.
  bool waitForConnectionsAtMost(size_t expected, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (server_->connectionCount() <= expected) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  std::string reportBody() {
    model::Report report;
    report.node = "node-a";
    report.timestamp_ms = toUnixMs(clock_.wallNow());
    report.interval_ms = 5000;
    report.node_usage.cpu_millicores = 250;
    report.node_usage.cpu_capacity_millicores = 2000;
    report.node_usage.memory_capacity_bytes = 1 << 30;
    return model::encodeReport(report);
  }

  static http::request<http::string_body> ingestRequest(std::string body, std::string_view encoding) {
    http::request<http::string_body> request(http::verb::post, "/api/ingest", 11);
    request.set(http::field::content_type, "application/json");
    request.set(http::field::content_encoding, encoding);
    request.body() = std::move(body);
    return request;
  }

  FakeClock clock_;
  tsdb::MemoryStorage storage_{clock_, std::chrono::hours(1)};
  std::optional<Router> router_;
  std::optional<HttpServer> server_;
  std::thread thread_;
};

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  ServerOptions options;
  options.threads = 2;
  startServer(options);
  TestClient client(server_->port());
  ASSERT_TRUE(client.connected());
  for (int i = 0; i < 200; ++i) {
    auto response = client.get("/health");
    ASSERT_TRUE(response.has_value()) << "request " << i;
    ASSERT_EQ(response->result_int(), 200U);
    EXPECT_TRUE(response->keep_alive());
    EXPECT_EQ((*response)[http::field::content_type], "application/json; charset=utf-8");
  }
  EXPECT_EQ(server_->connectionCount(), 1U);
}

TEST_F(HttpServerTest, ZstdAndGzipIngest) {
  startServer({});
  TestClient client(server_->port());
  auto zstd = client.send(ingestRequest(compressZstd(reportBody()), "zstd"));
  ASSERT_TRUE(zstd.has_value());
  EXPECT_EQ(zstd->result_int(), 202U) << zstd->body();
  EXPECT_EQ(zstd->body(), R"({"accepted":1})");
  auto gzip = client.send(ingestRequest(compressGzip(reportBody()), "gzip"));
  ASSERT_TRUE(gzip.has_value());
  EXPECT_EQ(gzip->result_int(), 202U) << gzip->body();
  EXPECT_EQ(storage_.stats().samples, 1U) << "the second is a replay";
  auto node = client.get("/api/nodes/node-a");
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(node->result_int(), 200U);
  EXPECT_NE(node->body().find("\"cpu_millicores\":250"), std::string::npos) << node->body();
}

TEST_F(HttpServerTest, ExpectContinueIsAnswered) {
  startServer({});
  TestClient client(server_->port());
  auto request = ingestRequest(reportBody(), "identity");
  request.set(http::field::expect, "100-continue");
  auto response = client.send(std::move(request));
  ASSERT_TRUE(response.has_value());
  if (response->result_int() == 100) response = client.readResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 202U) << response->body();
}

TEST_F(HttpServerTest, OversizedBodyIs413ThenClose) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  startServer(options);
  {
    TestClient client(server_->port());
    auto response = client.send(ingestRequest(std::string(64 * 1024, 'x'), "identity"));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 413U);
    EXPECT_NE(response->body().find("\"error\":\"payload_too_large\""), std::string::npos) << response->body();
    EXPECT_FALSE(response->keep_alive());
    EXPECT_TRUE(client.waitForClose(5s));
  }
  {  // Chunked: no Content-Length to refuse up front, the limit trips while reading.
    TestClient client(server_->port());
    std::string raw = "POST /api/ingest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) raw += "400\r\n" + std::string(1024, 'x') + "\r\n";
    raw += "0\r\n\r\n";
    ASSERT_TRUE(client.writeRaw(raw));
    auto response = client.readResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 413U);
  }
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  ServerOptions options;
  options.header_limit_bytes = 1024;
  startServer(options);
  TestClient client(server_->port());
  http::request<http::string_body> request(http::verb::get, "/health", 11);
  request.set("X-Padding", std::string(4096, 'p'));
  auto response = client.send(std::move(request));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 431U);
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  startServer({});
  TestClient client(server_->port());
  ASSERT_TRUE(client.writeRaw("NOT HTTP AT ALL\r\n\r\n"));
  auto response = client.readResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 400U);
}

TEST_F(HttpServerTest, SlowHeaderIsDisconnectedAfterTheHeaderTimeout) {
  ServerOptions options;
  options.header_timeout = 200ms;
  startServer(options);
  TestClient client(server_->port());
  const auto began = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.writeRaw("GET /health HTTP/1.1\r\nHost: x\r\n"));  // half a header, then silence
  EXPECT_TRUE(client.waitForClose(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - began, 150ms);
  EXPECT_TRUE(waitForConnectionsAtMost(0));
}

TEST_F(HttpServerTest, ManyIdleConnectionsDoNotStarveAnotherClient) {
  ServerOptions options;
  options.threads = 2;
  startServer(options);
  std::vector<std::unique_ptr<TestClient>> idle;
  for (int i = 0; i < 100; ++i) {
    idle.push_back(std::make_unique<TestClient>(server_->port()));
    ASSERT_TRUE(idle.back()->connected());
    if (i % 2 == 0) {  // half of them keep-alive after one request, half never send a byte
      ASSERT_TRUE(idle.back()->get("/health").has_value());
    }
  }
  TestClient active(server_->port());
  const auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto response = active.get("/api/nodes");
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->result_int(), 200U);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  EXPECT_EQ(server_->connectionCount(), 101U);
}

TEST_F(HttpServerTest, AtTheCapTheOldestIdleConnectionMakesRoom) {
  ServerOptions options;
  options.max_connections = 3;
  startServer(options);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<TestClient>(server_->port()));
    ASSERT_TRUE(clients.back()->get("/health").has_value());
  }
  TestClient newcomer(server_->port());
  auto response = newcomer.get("/health");
  ASSERT_TRUE(response.has_value()) << "an idle keep-alive connection should have been closed for it";
  EXPECT_EQ(response->result_int(), 200U);
  EXPECT_TRUE(clients[0]->waitForClose(5s)) << "the oldest idle one goes";
  EXPECT_TRUE(clients[2]->get("/health").has_value()) << "the others stay";
  EXPECT_TRUE(waitForConnectionsAtMost(3));
}

TEST_F(HttpServerTest, AtTheCapWithoutIdleConnectionsNewOnesAreRefused) {
  ServerOptions options;
  options.max_connections = 2;
  startServer(options);
  std::vector<std::unique_ptr<TestClient>> busy;
  for (int i = 0; i < 2; ++i) {  // mid-request: not idle, not evictable
    busy.push_back(std::make_unique<TestClient>(server_->port()));
    ASSERT_TRUE(busy.back()->writeRaw("GET /health HTTP/1.1\r\n"));
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server_->connectionCount() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(server_->connectionCount(), 2U);
  TestClient refused(server_->port());
  EXPECT_FALSE(refused.get("/health").has_value());
  // The busy ones are still served.
  ASSERT_TRUE(busy[0]->writeRaw("Host: x\r\n\r\n"));
  auto response = busy[0]->readResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200U);
}

TEST_F(HttpServerTest, StopClosesIdleConnectionsAndReturnsPromptly) {
  ServerOptions options;
  options.shutdown_grace = 30s;  // stop must not need it: idle connections close at once
  options.threads = 2;
  startServer(options);
  std::vector<std::unique_ptr<TestClient>> idle;
  for (int i = 0; i < 5; ++i) {
    idle.push_back(std::make_unique<TestClient>(server_->port()));
    ASSERT_TRUE(idle.back()->get("/health").has_value());
  }
  const auto began = std::chrono::steady_clock::now();
  server_->stop();
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  for (auto& client : idle) EXPECT_TRUE(client->waitForClose(1s));
}

TEST_F(HttpServerTest, BindFailureIsAnError) {
  startServer({});
  ServerOptions options;
  options.listen_address = "127.0.0.1";
  options.port = server_->port();
  HttpServer second(options, [](const HttpRequest&) { return HttpResponse{}; });
  Status status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().toString().find("bind"), std::string::npos) << status.error().toString();
}

}  // namespace
}  // namespace kubemonitor::server
