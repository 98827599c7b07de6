// Server outage: the agent keeps collecting while the server is away, queues its reports, and
// replays them in order when the server is back. Every report must arrive, none twice.

#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "common/http_client.h"
#include "common/clock.h"
#include "common/testing/child_process.h"
#include "common/time_format.h"
#include "node_series.h"

namespace kubemonitor {
namespace {

using testing::ChildProcess;
using testing::TempDir;

std::string binDir() {
  const char* dir = std::getenv("KUBEMONITOR_BIN_DIR");
  return dir != nullptr ? dir : "build/bin";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class OutageTest : public ::testing::Test {
 protected:

  ChildProcess startServer(const std::string& listen) {
    std::filesystem::remove(port_file_);
    ChildProcess server =
        ChildProcess::spawn({binDir() + "/kubemonitor-server", "--listen", listen, "--data-dir", dir_.path() + "/data",
                             "--port-file", port_file_},
                            "", dir_.path() + "/server.log");
    auto port = testing::waitForPortFile(port_file_, std::chrono::seconds(20));
    EXPECT_TRUE(port.has_value()) << "server did not start: " << readFile(dir_.path() + "/server.log");
    port_ = port.value_or(0);
    return server;
  }

  // Newest report timestamp of the node (Unix ms), or nullopt while it has none.
  std::optional<int64_t> latestTimestamp() {
    auto response = client_.get(url() + "/api/nodes/" + node_);
    if (!response.ok() || response->status != 200) return std::nullopt;
    simdjson::dom::element node;
    if (parser_.parse(response->body).get(node)) return std::nullopt;
    std::string_view text;
    if (node["timestamp"].get_string().get(text)) return std::nullopt;
    auto ms = parseRfc3339(text);
    return ms.ok() ? std::optional<int64_t>(*ms) : std::nullopt;
  }

  // Polls (bounded) until the node's newest report is at or after `unix_ms`.
  bool waitForReportAtOrAfter(int64_t unix_ms, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto latest = latestTimestamp();
      if (latest && *latest >= unix_ms) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  TempDir dir_;
  const std::string port_file_ = dir_.path() + "/port";
  int port_ = 0;
  HttpClient client_;
  simdjson::dom::parser parser_;
  const std::string node_ = "outage-node-" + std::to_string(getpid());
};

TEST_F(OutageTest, EveryQueuedReportArrivesOnceAfterTheServerReturns) {
  std::optional<ChildProcess> server(startServer("127.0.0.1:0"));
  const int port = port_;
  const std::string agent_log = dir_.path() + "/agent.log";
  ChildProcess agent = ChildProcess::spawn({binDir() + "/kubemonitor-agent", "--server", url(), "--interval", "1",
                                            "--node-name", node_, "--host-root", "/"},
                                           "", agent_log);
  ASSERT_TRUE(waitForReportAtOrAfter(0, std::chrono::seconds(30))) << readFile(agent_log);

  // Outage: the server goes away for about 4 intervals while the agent keeps collecting.
  server->signal(SIGTERM);
  ASSERT_EQ(server->waitExit(std::chrono::seconds(15)), 0);
  server.reset();
  const int64_t down_ms = toUnixMs(std::chrono::system_clock::now());
  ASSERT_TRUE(testing::waitForFileContaining(agent_log, "server unreachable", std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(4));  // the outage itself: the input of this test

  // Back on the same address (the agent's URL does not change).
  server.emplace(startServer("127.0.0.1:" + std::to_string(port)));
  ASSERT_EQ(port_, port);
  const int64_t back_ms = toUnixMs(std::chrono::system_clock::now());
  ASSERT_TRUE(waitForReportAtOrAfter(back_ms + 2000, std::chrono::seconds(60))) << readFile(agent_log);
  agent.signal(SIGTERM);
  ASSERT_EQ(agent.waitExit(std::chrono::seconds(15)), 0);

  // The agent's own account: everything it queued was delivered, nothing dropped or left.
  const std::string log = readFile(agent_log);
  std::smatch stopped, shipped;
  ASSERT_TRUE(std::regex_search(log, stopped, std::regex("stopped after (\\d+) reports"))) << log;
  ASSERT_TRUE(std::regex_search(log, shipped, std::regex("(\\d+) delivered, (\\d+) rejected, \\d+ retries, (\\d+) left")))
      << log;
  const int queued = std::stoi(stopped[1]);
  EXPECT_EQ(std::stoi(shipped[1]), queued);
  EXPECT_EQ(std::stoi(shipped[2]), 0);
  EXPECT_EQ(std::stoi(shipped[3]), 0);

  // The server's account: one point per 1 s slot with no gap from the first report the restarted
  // server holds (sent during the outage) to the last, and no slot twice.
  auto timestamps = integration::nodePointTimestamps(client_, url(), node_, 600);
  ASSERT_TRUE(timestamps.ok()) << timestamps.error().toString();
  const std::vector<int64_t>& slots = *timestamps;
  ASSERT_GE(slots.size(), 6U);
  EXPECT_LE(slots.front(), down_ms + 1000) << "the reports of the outage were replayed";
  for (size_t i = 1; i < slots.size(); ++i) EXPECT_EQ(slots[i] - slots[i - 1], 1000) << "gap or duplicate at " << i;
  // Replays of reports the first server already had are idempotent (same node and timestamp).
  auto health = client_.get(url() + "/health");
  ASSERT_TRUE(health.ok());
  simdjson::dom::element status;
  ASSERT_FALSE(parser_.parse(health->body).get(status));
  EXPECT_EQ(status["storage"]["samples"].get_uint64().value(), slots.size()) << health->body;
}

}  // namespace
}  // namespace kubemonitor
