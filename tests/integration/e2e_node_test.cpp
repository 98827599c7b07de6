// End to end on the real host: kubemonitor-server on a port-0 loopback socket, kubemonitor-agent
// reading this machine's /proc, and a real busy loop. Asserts against independent truth
// (/proc/meminfo read by the test, sysconf) with stated tolerances.

#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "common/http_client.h"
#include "common/clock.h"
#include "common/testing/child_process.h"
#include "common/time_format.h"
#include "model/report_json.h"

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

// MemTotal and MemAvailable from /proc/meminfo, in bytes, read by the test itself.
std::pair<uint64_t, uint64_t> meminfoTotalAndAvailable() {
  std::ifstream in("/proc/meminfo");
  std::string key, unit;
  uint64_t kb = 0, total = 0, available = 0;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemTotal:") total = kb * 1024;
    if (key == "MemAvailable:") available = kb * 1024;
  }
  return {total, available};
}

class EndToEndTest : public ::testing::Test {
 protected:

  // Starts the server on an ephemeral port and returns its base URL.
  std::string startServer() {
    const std::string port_file = dir_.path() + "/port";
    server_.emplace(ChildProcess::spawn({binDir() + "/kubemonitor-server", "--listen", "127.0.0.1:0", "--data-dir",
                                         dir_.path() + "/data", "--port-file", port_file}));
    auto port = testing::waitForPortFile(port_file, std::chrono::seconds(20));
    EXPECT_TRUE(port.has_value()) << "server did not write its port";
    return "http://127.0.0.1:" + std::to_string(port.value_or(0));
  }

  // GET url and parse the JSON answer; fails the test on a transport error.
  simdjson::dom::element getJson(const std::string& url, long expected_status = 200) {
    auto response = client_.get(url);
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().toString());
    if (!response.ok()) return {};
    EXPECT_EQ(response->status, expected_status) << url << ": " << response->body;
    bodies_.push_back(response->body);
    simdjson::dom::element doc;
    auto error = parser_.parse(bodies_.back()).get(doc);
    EXPECT_FALSE(error) << "not JSON: " << bodies_.back();
    return doc;
  }

  TempDir dir_;
  std::optional<ChildProcess> server_;
  HttpClient client_;
  simdjson::dom::parser parser_;
  std::vector<std::string> bodies_;
  const std::string node_ = "e2e-node-" + std::to_string(getpid());
};

TEST_F(EndToEndTest, OncePrintsOneReportWithThisHostsNumbers) {
  const std::string out = dir_.path() + "/once.json";
  ChildProcess agent = ChildProcess::spawn(
      {binDir() + "/kubemonitor-agent", "--once", "--interval", "0.5", "--node-name", node_, "--host-root", "/"}, out);
  ASSERT_EQ(agent.waitExit(std::chrono::seconds(30)), 0);
  auto report = model::decodeReport(readFile(out));
  ASSERT_TRUE(report.ok()) << report.error().toString() << "\n" << readFile(out);
  EXPECT_EQ(report->node, node_);
  EXPECT_EQ(report->node_usage.cpu_count, static_cast<uint32_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_EQ(report->node_usage.memory_capacity_bytes, meminfoTotalAndAvailable().first);
  EXPECT_GT(report->node_usage.filesystem_capacity_bytes, 0U);
  EXPECT_GT(report->node_usage.uptime_seconds, 0.0);
  EXPECT_EQ(report->timestamp_ms % 500, 0) << "timestamp snapped to the 500 ms grid";
}

TEST_F(EndToEndTest, BusyLoopOnOneCoreReadsAboutOneThousandMillicores) {
  const std::string url = startServer();
  ChildProcess busy = ChildProcess::busyLoop();
  const int64_t busy_since_ms = toUnixMs(std::chrono::system_clock::now());
  ChildProcess agent = ChildProcess::spawn(
      {binDir() + "/kubemonitor-agent", "--server", url, "--interval", "1", "--node-name", node_, "--host-root", "/"});

  // Poll (bounded, 30 s) until a report covers a whole interval after the busy loop started.
  std::optional<double> cpu_millicores;
  uint64_t capacity = 0, working_set = 0, memory_capacity = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline && !cpu_millicores) {
    auto response = client_.get(url + "/api/nodes/" + node_);
    if (response.ok() && response->status == 200) {
      simdjson::dom::element node;
      ASSERT_FALSE(parser_.parse(response->body).get(node)) << response->body;
      auto ts = parseRfc3339(std::string_view(node["timestamp"].get_string().value()));
      ASSERT_TRUE(ts.ok());
      if (*ts >= busy_since_ms + 2000) {
        cpu_millicores = node["cpu_millicores"].get_double().value();
        capacity = node["cpu_capacity_millicores"].get_uint64().value();
        working_set = node["memory_working_set_bytes"].get_uint64().value();
        memory_capacity = node["memory_capacity_bytes"].get_uint64().value();
        EXPECT_EQ(node["kind"].get_string().value(), "node");
        EXPECT_EQ(node["name"].get_string().value(), node_);
      }
    }
    if (!cpu_millicores) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(cpu_millicores.has_value()) << "no report arrived within 30 s";
  // One core spinning is 1000 m; the rest of the machine only adds to it.
  EXPECT_GE(*cpu_millicores, 800.0);
  EXPECT_LE(*cpu_millicores, static_cast<double>(capacity));
  EXPECT_EQ(capacity, static_cast<uint64_t>(sysconf(_SC_NPROCESSORS_ONLN)) * 1000);

  // Memory agrees with /proc/meminfo read now: capacity exactly, working set within 256 MiB
  // (other processes allocate and free between the two reads).
  const auto [total, available] = meminfoTotalAndAvailable();
  EXPECT_EQ(memory_capacity, total);
  const double expected_ws = static_cast<double>(total - available);
  EXPECT_NEAR(static_cast<double>(working_set), expected_ws, 256.0 * 1024 * 1024);

  // The list has the node, and ?window=60 has the points of the last minute.
  simdjson::dom::element list = getJson(url + "/api/nodes");
  bool listed = false;
  for (auto item : list["items"].get_array()) listed |= item["name"].get_string().value() == node_;
  EXPECT_TRUE(listed);
  simdjson::dom::element series = getJson(url + "/api/nodes/" + node_ + "?window=60");
  EXPECT_EQ(series["window"].get_int64().value(), 60);
  auto points = series["points"].get_array();
  EXPECT_GE(points.size(), 2U);
  for (auto point : points) {
    EXPECT_TRUE(parseRfc3339(std::string_view(point["timestamp"].get_string().value())).ok());
    EXPECT_GE(point["cpu_millicores"].get_double().value(), 0.0);
  }
  simdjson::dom::element same = getJson(url + "/api/nodes/" + node_ + "/timeseries?window=1m");
  EXPECT_EQ(same["window"].get_int64().value(), 60);

  // SIGTERM stops both cleanly.
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.waitExit(std::chrono::seconds(15)), 0);
  server_->signal(SIGTERM);
  EXPECT_EQ(server_->waitExit(std::chrono::seconds(15)), 0);
}

TEST_F(EndToEndTest, BadRequestsGetClearErrors) {
  const std::string url = startServer();
  simdjson::dom::element missing = getJson(url + "/api/nodes/no-such-node", 404);
  EXPECT_EQ(missing["error"].get_string().value(), "not_found");
  getJson(url + "/api/nodes/no-such-node?window=abc", 400);
  auto response = client_.post(url + "/api/ingest", "{\"schema\":1}", {"Content-Type: application/json"});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 400) << response->body;
}

TEST_F(EndToEndTest, AgentStopsCleanlyWhileTheServerIsAway) {
  // Nothing listens on loopback port 9 (discard), so every send fails fast and the agent queues.
  const std::string log = dir_.path() + "/agent.log";
  ChildProcess agent = ChildProcess::spawn({binDir() + "/kubemonitor-agent", "--server", "http://127.0.0.1:9",
                                            "--interval", "0.5", "--node-name", node_, "--host-root", "/"},
                                           "", log);
  ASSERT_TRUE(testing::waitForFileContaining(log, "server unreachable", std::chrono::seconds(20)));
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.waitExit(std::chrono::seconds(15)), 0) << "agent must stop cleanly while the server is away";
}

}  // namespace
}  // namespace kubemonitor
