#include "common/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/testing/scripted_http_server.h"

namespace kubemonitor {
namespace {

using testing::ScriptedHttpServer;
using testing::ScriptedReply;
using Clock = std::chrono::steady_clock;

std::string chunk(const std::string& data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx", data.size());
  return std::string(size) + "\r\n" + data + "\r\n";
}

const std::string kChunkedHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(PercentEncode, KeepsUnreservedCharactersAndEncodesTheRest) {
  EXPECT_EQ(percentEncode("SELECT 1, 'a'"), "SELECT%201%2C%20%27a%27");
  EXPECT_EQ(percentEncode("spec.nodeName=node-1"), "spec.nodeName%3Dnode-1");
  EXPECT_EQ(percentEncode("a-b_c.d~"), "a-b_c.d~");
  EXPECT_EQ(percentEncode("\xc3\xa9/"), "%C3%A9%2F");
}

TEST(ParseHttpUrl, SplitsSchemeHostPortAndTarget) {
  struct Case {
    std::string url;
    bool tls;
    std::string host, port, target;
  };
  for (const Case& c : {Case{"http://127.0.0.1:8080/api/ingest?x=1", false, "127.0.0.1", "8080", "/api/ingest?x=1"},
                        Case{"https://kubernetes.default.svc", true, "kubernetes.default.svc", "443", "/"},
                        Case{"http://[::1]:9/x", false, "::1", "9", "/x"},
                        Case{"http://h?watch=1", false, "h", "80", "/?watch=1"}}) {
    auto parsed = parseHttpUrl(c.url);
    ASSERT_TRUE(parsed.ok()) << c.url;
    EXPECT_EQ(parsed->tls, c.tls) << c.url;
    EXPECT_EQ(parsed->host, c.host) << c.url;
    EXPECT_EQ(parsed->port, c.port) << c.url;
    EXPECT_EQ(parsed->target, c.target) << c.url;
  }
  for (const char* bad : {"ftp://h/", "http:///x", "http://h:8o/"}) EXPECT_FALSE(parseHttpUrl(bad).ok()) << bad;
}

TEST(HttpClient, GetSendsHeadersAndKeepsTheConnection) {
  ScriptedHttpServer server;
  server.push({ScriptedHttpServer::reply(200, "first"), false, false});
  server.push({ScriptedHttpServer::reply(404, "second"), false, false});
  HttpClient client;
  auto first = client.get(server.url("/a?b=1"), {"Authorization: Bearer t0k", "Accept: application/json"});
  ASSERT_TRUE(first.ok()) << first.error().toString();
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "first");
  auto second = client.get(server.url("/b"));
  ASSERT_TRUE(second.ok()) << second.error().toString();
  EXPECT_EQ(second->status, 404);
  EXPECT_EQ(second->body, "second");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].head.rfind("GET /a?b=1 HTTP/1.1\r\n", 0), 0u) << requests[0].head;
  EXPECT_NE(requests[0].head.find("Authorization: Bearer t0k\r\n"), std::string::npos);
  EXPECT_NE(requests[0].head.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"), std::string::npos);
  EXPECT_EQ(requests[1].connection, 1) << "the second request reuses the kept connection";
}

TEST(HttpClient, PostSendsTheBodyAndReturnsRetryAfterAndEncoding) {
  ScriptedHttpServer server;
  server.push({ScriptedHttpServer::reply(503, "busy", "Retry-After: 7\r\nContent-Encoding: gzip\r\n"), false, false});
  HttpClient client;
  const std::string body(100000, 'z');
  auto answer = client.post(server.url("/api/ingest"), body, {"Content-Encoding: zstd"});
  ASSERT_TRUE(answer.ok()) << answer.error().toString();
  EXPECT_EQ(answer->status, 503);
  EXPECT_EQ(answer->retry_after, "7");
  EXPECT_EQ(answer->content_encoding, "gzip");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.rfind("POST /api/ingest HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(requests[0].head.find("Content-Encoding: zstd\r\n"), std::string::npos);
  EXPECT_EQ(requests[0].body, body);
}

TEST(HttpClient, AConnectionThePeerClosedIsReplacedOnce) {
  ScriptedHttpServer server;
  // The server hangs up after answering without saying so (an idle keep-alive timeout).
  server.push({ScriptedHttpServer::reply(202, "one"), true, false});
  server.push({ScriptedHttpServer::reply(202, "two"), false, false});
  HttpClient client;
  ASSERT_TRUE(client.post(server.url("/api/ingest"), "{}", {}).ok());
  server.waitForRequests(1);
  auto again = client.post(server.url("/api/ingest"), "{}", {});
  ASSERT_TRUE(again.ok()) << again.error().toString();
  EXPECT_EQ(again->body, "two");
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].connection, 2);
}

TEST(HttpClient, ConnectionCloseIsHonoured) {
  ScriptedHttpServer server;
  server.push({ScriptedHttpServer::reply(200, "a", "Connection: close\r\n"), true, false});
  server.push({ScriptedHttpServer::reply(200, "b"), false, false});
  HttpClient client;
  ASSERT_TRUE(client.get(server.url()).ok());
  auto second = client.get(server.url());
  ASSERT_TRUE(second.ok()) << second.error().toString();
  EXPECT_EQ(second->body, "b");
}

TEST(HttpClient, UnreachablePeerIsUnavailable) {
  uint16_t port = 0;
  {
    ScriptedHttpServer gone;
    port = gone.port();
  }
  HttpClient client(std::chrono::milliseconds(2000));
  auto answer = client.get("http://127.0.0.1:" + std::to_string(port) + "/");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
}

TEST(HttpClient, APeerThatNeverAnswersTimesOut) {
  ScriptedHttpServer server;
  server.push({"", false, true});
  HttpClient client(std::chrono::milliseconds(300));
  const auto started = Clock::now();
  auto answer = client.get(server.url());
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(answer.error().message, "timed out");
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  server.release();
}

TEST(HttpClient, AnswersOverTheBodyLimitAreTooLarge) {
  ScriptedHttpServer server;
  server.push({ScriptedHttpServer::reply(200, std::string(5000, 'x')), false, false});
  HttpClientOptions options;
  options.max_body_bytes = 1000;
  HttpClient client(options);
  auto answer = client.get(server.url());
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::kTooLarge);
}

TEST(HttpClient, StreamHandsOverChunksUntilTheConsumerStops) {
  ScriptedHttpServer server;
  server.push({kChunkedHead + chunk("{\"a\":1}\n{\"b\"") + chunk(":2}\n") + chunk("{\"c\":3}\n"), false, true});
  HttpClient client;
  std::string received;
  auto answer = client.stream(server.url("/watch"), {}, std::chrono::seconds(10), [&](std::string_view data) {
    received += data;
    return received.find("{\"c\"") == std::string::npos;
  });
  ASSERT_TRUE(answer.ok()) << answer.error().toString();
  EXPECT_EQ(answer->status, 200);
  EXPECT_TRUE(answer->body.empty());
  EXPECT_EQ(received, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
  server.release();
}

TEST(HttpClient, StreamEndsWithTheBodyAndReturnsErrorAnswersWhole) {
  ScriptedHttpServer server;
  server.push({kChunkedHead + chunk("line\n") + "0\r\n\r\n", false, false});
  server.push({ScriptedHttpServer::reply(410, R"({"kind":"Status","code":410})"), false, false});
  HttpClient client;
  std::string received;
  auto ended = client.stream(server.url("/watch"), {}, std::chrono::seconds(10), [&](std::string_view data) {
    received += data;
    return true;
  });
  ASSERT_TRUE(ended.ok()) << ended.error().toString();
  EXPECT_EQ(ended->status, 200);
  EXPECT_EQ(received, "line\n");
  auto gone = client.stream(server.url("/watch"), {}, std::chrono::seconds(10), [](std::string_view) { return true; });
  ASSERT_TRUE(gone.ok()) << gone.error().toString();
  EXPECT_EQ(gone->status, 410);
  EXPECT_EQ(gone->body, R"({"kind":"Status","code":410})");
  EXPECT_EQ(server.requests().back().connection, 1) << "a finished stream leaves the connection reusable";
}

TEST(HttpClient, CancelAbortsAnIdleStreamPromptlyAndForGood) {
  ScriptedHttpServer server;
  server.push({kChunkedHead, false, true});
  HttpClient client;
  std::thread canceller([&] {
    server.waitForRequests(1);
    client.cancel();
  });
  const auto started = Clock::now();
  auto answer = client.stream(server.url("/watch"), {}, std::chrono::seconds(30), [](std::string_view) { return true; });
  canceller.join();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  // Cancelled after the status line: the stream's end, or before it: unavailable. Never a hang.
  if (!answer.ok()) {
    EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
  }
  auto later = client.get(server.url());
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().message, "cancelled");
  server.release();
}

}  // namespace
}  // namespace kubemonitor
