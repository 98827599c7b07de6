// kill -9 of the server while many agents ingest: after a restart on the same data dir, every
// report the server acknowledged (202) is there — the WAL's group commit acknowledges only what is
// durable, from its flusher, with no thread waiting — and the restarted server goes on ingesting.
// The server runs with its default flags but a small ingest queue, so that some reports are shed
// with 503 and retried by the agents, as they would be past capacity.

#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "common/http_client.h"
#include "common/clock.h"
#include "common/testing/child_process.h"
#include "model/report_json.h"
#include "node_series.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor {
namespace {

using testing::binDir;
using testing::ChildProcess;
using testing::TempDir;

class CrashTest : public ::testing::Test {
 protected:

  ChildProcess startServer() {
    std::filesystem::remove(port_file_);
    ChildProcess server = ChildProcess::spawn(
        {binDir() + "/kubemonitor-server", "--listen", "127.0.0.1:0", "--data-dir", dir_.path() + "/data", "--storage",
         "embedded", "--ingest-queue", "8", "--port-file", port_file_},
        "", dir_.path() + "/server.log");
    auto port = testing::waitForPortFile(port_file_, std::chrono::seconds(20));
    EXPECT_TRUE(port.has_value()) << "server did not start: " << testing::readTextFile(dir_.path() + "/server.log");
    port_ = port.value_or(0);
    return server;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  TempDir dir_;
  std::string port_file_ = dir_.path() + "/port";
  int port_ = 0;
};

TEST_F(CrashTest, EveryAcknowledgedReportSurvivesKillDashNine) {
  constexpr size_t kAgents = 16;
  constexpr int kMaxReports = 300;  // per agent, 1 s apart, all within the queried window
  constexpr size_t kKillAfter = 1500;
  SystemClock clock;
  const int64_t start_ms = toUnixMs(clock.wallNow()) / 1000 * 1000 - 600'000;
  std::optional<ChildProcess> server(startServer());
  ASSERT_NE(port_, 0);

  std::mutex mutex;
  std::vector<std::set<int64_t>> acknowledged(kAgents);  // guarded by mutex
  std::atomic<size_t> total{0};
  std::atomic<size_t> shed{0};
  std::vector<std::thread> agents;
  for (size_t a = 0; a < kAgents; ++a) {
    agents.emplace_back([&, a] {
      HttpClient client;
      for (int tick = 0; tick < kMaxReports; ++tick) {
        const model::Report report = tsdb::testing::generateNodeReport(a, 20, tick, start_ms, 1000);
        const std::string body = model::encodeReport(report);
        while (true) {
          auto response = client.post(url() + "/api/ingest", body, {"Content-Type: application/json"});
          if (!response.ok()) return;  // the server is gone
          if (response->status == 503) {
            // The queue is full: keep the report and send it again, as the agent does (after a
            // pause that paces the retries, shorter than its Retry-After to keep the test short).
            ++shed;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
          }
          if (response->status != 202) break;
          std::lock_guard lock(mutex);
          acknowledged[a].insert(report.timestamp_ms);
          ++total;
          break;
        }
      }
    });
  }
  // Kill it mid-stream, once a good number of reports are in.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (total < kKillAfter && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server->signal(SIGKILL);
  (void)server->waitExit(std::chrono::seconds(10));
  server.reset();
  for (auto& t : agents) t.join();
  ASSERT_GE(total.load(), kKillAfter) << testing::readTextFile(dir_.path() + "/server.log");
  std::printf("crash test: %zu reports acknowledged before kill -9, %zu shed with 503 and retried\n", total.load(),
              shed.load());

  server.emplace(startServer());
  ASSERT_NE(port_, 0);
  HttpClient client;
  size_t found = 0;
  for (size_t a = 0; a < kAgents; ++a) {
    const std::string node = "node-" + std::to_string(a);
    auto timestamps = integration::nodePointTimestamps(client, url(), node, 900);
    ASSERT_TRUE(timestamps.ok()) << timestamps.error().toString();
    const std::set<int64_t> stored(timestamps->begin(), timestamps->end());
    EXPECT_EQ(stored.size(), timestamps->size()) << node << ": a report stored twice";
    for (int64_t ts : acknowledged[a]) {
      EXPECT_TRUE(stored.contains(ts)) << node << ": acknowledged report at " << ts << " lost";
      found += stored.contains(ts) ? 1 : 0;
    }
  }
  EXPECT_EQ(found, total.load());
  // And the restarted server takes new reports.
  auto response = client.post(
      url() + "/api/ingest", model::encodeReport(tsdb::testing::generateNodeReport(0, 20, kMaxReports, start_ms, 1000)),
      {"Content-Type: application/json"});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 202) << response->body;
  EXPECT_NE(testing::readTextFile(dir_.path() + "/server.log").find("WAL records replayed"), std::string::npos);
}

}  // namespace
}  // namespace kubemonitor
