#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "kube/kube_http.h"
#include "kube/testing/fake_kube_api_server.h"
#include "kube/tests/test_data.h"

namespace kubemonitor::kube {
namespace {

using Clock = std::chrono::steady_clock;

class BeastKubeHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.loadPodList(testdata::readTestdata("pod_list.json")).ok());
    ASSERT_TRUE(server_.start().ok());
    config_.base_url = server_.baseUrl();
    config_.bearer_token = "sa-token";
  }
  FakeKubeApiServer server_;
  KubeApiConfig config_;
};

TEST_F(BeastKubeHttpTest, GetSendsBearerTokenAndReturnsTheBody) {
  BeastKubeHttp http(config_);
  auto answer = http.get("/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1&limit=500");
  ASSERT_TRUE(answer.ok()) << answer.error().toString();
  EXPECT_EQ(answer->status, 200);
  EXPECT_NE(answer->body.find("\"kind\":\"PodList\""), std::string::npos);
  auto missing = http.get("/api/v1/nothing");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("\"kind\":\"Status\""), std::string::npos);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/api/v1/pods?fieldSelector=spec.nodeName%3Dworker-1&limit=500");
  EXPECT_EQ(requests[0].authorization, "Bearer sa-token");
}

TEST_F(BeastKubeHttpTest, TokenFileIsReadForEveryRequest) {
  const auto token_file = std::filesystem::temp_directory_path() / ("kube_http_token_" + std::to_string(::getpid()));
  std::ofstream(token_file) << "first\n";
  config_.bearer_token_file = token_file.string();
  BeastKubeHttp http(config_);
  ASSERT_TRUE(http.get("/api/v1/pods").ok());
  std::ofstream(token_file) << "rotated\n";  // the kubelet rotates projected tokens in place
  ASSERT_TRUE(http.get("/api/v1/pods").ok());
  std::filesystem::remove(token_file);
  ASSERT_TRUE(http.get("/api/v1/pods").ok());  // file gone: the configured token
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].authorization, "Bearer first");
  EXPECT_EQ(requests[1].authorization, "Bearer rotated");
  EXPECT_EQ(requests[2].authorization, "Bearer sa-token");
}

TEST_F(BeastKubeHttpTest, StreamDeliversLinesUntilTheConsumerStops) {
  BeastKubeHttp http(config_);
  std::vector<std::string> lines;
  std::thread pusher([&] {
    // Events pushed once the watch is open, as a live API server would send them.
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (server_.openWatches() == 0 && Clock::now() < deadline) std::this_thread::yield();
    ASSERT_TRUE(server_.addPod(testdata::podJson("u-1", "a", "ns", "worker-1")).ok());
    ASSERT_TRUE(server_.addPod(testdata::podJson("u-2", "b", "ns", "worker-2")).ok());  // other node: filtered
    ASSERT_TRUE(server_.addPod(testdata::podJson("u-3", "c", "ns", "worker-1")).ok());
  });
  auto answer = http.stream("/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dworker-1", [&](std::string_view line) {
    lines.emplace_back(line);
    return lines.size() < 2;
  });
  pusher.join();
  ASSERT_TRUE(answer.ok()) << answer.error().toString();
  EXPECT_EQ(answer->status, 200);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind(R"({"type":"ADDED","object":{)", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("\"uid\":\"u-1\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"uid\":\"u-3\""), std::string::npos);
}

TEST_F(BeastKubeHttpTest, StreamEndsCleanlyAndReportsErrorStatus) {
  BeastKubeHttp http(config_);
  std::thread ender([&] {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (server_.openWatches() == 0 && Clock::now() < deadline) std::this_thread::yield();
    server_.compactHistory();  // ends the watch; older versions now answer 410
  });
  int lines = 0;
  auto ended = http.stream("/api/v1/pods?watch=1&resourceVersion=184467", [&](std::string_view) { return ++lines > 0; });
  ender.join();
  ASSERT_TRUE(ended.ok()) << ended.error().toString();
  EXPECT_EQ(ended->status, 200);
  EXPECT_EQ(lines, 0);

  auto gone = http.stream("/api/v1/pods?watch=1&resourceVersion=184467", [&](std::string_view) { return true; });
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->status, 410);
  EXPECT_NE(gone->body.find("\"reason\":\"Expired\""), std::string::npos);
}

TEST_F(BeastKubeHttpTest, StopAbortsAnIdleStreamPromptly) {
  BeastKubeHttp http(config_);
  std::thread stopper([&] {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (server_.openWatches() == 0 && Clock::now() < deadline) std::this_thread::yield();
    http.stop();
  });
  const auto started = Clock::now();
  auto answer = http.stream("/api/v1/pods?watch=1", [](std::string_view) { return true; });
  const auto waited = Clock::now() - started;
  stopper.join();
  EXPECT_TRUE(answer.ok());
  EXPECT_LT(waited, std::chrono::milliseconds(900));
  // Stopped stays stopped until resume().
  EXPECT_FALSE(http.get("/api/v1/pods").ok());
  http.resume();
  EXPECT_TRUE(http.get("/api/v1/pods").ok());
}

TEST_F(BeastKubeHttpTest, UnreachableServerIsUnavailable) {
  server_.stop();
  BeastKubeHttp http(config_);
  auto answer = http.get("/api/v1/pods");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::kUnavailable);
  auto stream = http.stream("/api/v1/pods?watch=1", [](std::string_view) { return true; });
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().code, ErrorCode::kUnavailable);
}

TEST_F(BeastKubeHttpTest, WrongTokenIs401) {
  server_.setRequiredToken("the-right-one");
  BeastKubeHttp http(config_);
  auto answer = http.get("/api/v1/pods");
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 401);
}

}  // namespace
}  // namespace kubemonitor::kube
