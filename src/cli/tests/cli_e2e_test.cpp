// `kubemonitor top` end to end: the real CLI binary against a real kubemonitor-server on loopback
// (port 0, a temp data dir) fed with known reports. Table, wide, YAML and CSV output is compared
// with golden files under src/cli/tests/golden (KUBEMONITOR_UPDATE_GOLDEN=1 rewrites them); JSON
// output with the API's own answer; watch mode runs in a pseudo-terminal.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/sparkline.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/testing/child_process.h"
#include "common/testing/scripted_http_server.h"
#include "common/time_format.h"
#include "model/report_json.h"

namespace kubemonitor {
namespace {

using testing::ChildProcess;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMi = 1ULL << 20;
constexpr uint64_t kGi = 1ULL << 30;
// The latest-value suites use reports at this fixed time (2026-11-30T12:00:00Z), kept live by a
// long --stale-after, so that YAML and CSV (which carry timestamps) compare byte for byte.
constexpr int64_t kFixedTimeMs = 1796040000000;

std::string goldenDir() { return KUBEMONITOR_CLI_GOLDEN_DIR; }

bool updatingGolden() {
  const char* update = std::getenv("KUBEMONITOR_UPDATE_GOLDEN");
  return update != nullptr && std::string_view(update) == "1";
}

// Compares `actual` with golden/<name>, or rewrites the file in update mode.
void expectGolden(const std::string& name, const std::string& actual) {
  const std::string path = goldenDir() + "/" + name;
  if (updatingGolden()) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing: run with KUBEMONITOR_UPDATE_GOLDEN=1";
  EXPECT_EQ(actual, testing::readTextFile(path)) << "golden " << name
                                                 << " differs (KUBEMONITOR_UPDATE_GOLDEN=1 rewrites it after a deliberate change)";
}

struct CliRun {
  std::optional<int> exit_code;
  std::string out, err;
};

// A kubemonitor-server of its own: loopback, port 0, temp dir, memory storage.
class Server {
 public:
  explicit Server(std::vector<std::string> extra = {}) {
    const std::string port_file = dir_.path() + "/port";
    std::vector<std::string> argv{testing::binDir() + "/kubemonitor-server", "--listen", "127.0.0.1:0", "--data-dir",
                                  dir_.path() + "/data", "--storage", "memory", "--port-file", port_file,
                                  "--retention", "36500d", "--stale-after", "36500d", "--log-level", "warn"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_.emplace(ChildProcess::spawn(argv, "", dir_.path() + "/server.log"));
    const auto port = testing::waitForPortFile(port_file, std::chrono::seconds(20));
    if (!port) throw std::runtime_error("kubemonitor-server did not start: " + testing::readTextFile(dir_.path() + "/server.log"));
    url_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_.path(); }

  void ingest(const model::Report& report) {
    auto response = client_.post(url_ + "/api/ingest", model::encodeReport(report), {"Content-Type: application/json"});
    ASSERT_TRUE(response.ok()) << response.error().toString();
    ASSERT_EQ(response->status, 202) << response->body;
  }

  std::string get(const std::string& path, const std::vector<std::string>& headers = {}) {
    auto response = client_.get(url_ + path, headers);
    EXPECT_TRUE(response.ok());
    return response.ok() ? response->body : "";
  }

  // Runs the CLI with --server and returns what it printed.
  CliRun cli(std::vector<std::string> args, bool with_server = true) {
    std::vector<std::string> argv{testing::binDir() + "/kubemonitor"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (with_server) {
      argv.push_back("--server");
      argv.push_back(url_);
    }
    const std::string out = dir_.path() + "/cli.out", err = dir_.path() + "/cli.err";
    ChildProcess process = ChildProcess::spawn(argv, out, err);
    CliRun run;
    run.exit_code = process.waitExit(std::chrono::seconds(30));
    run.out = testing::readTextFile(out);
    run.err = testing::readTextFile(err);
    return run;
  }

 private:
  TempDir dir_;
  std::optional<ChildProcess> process_;
  std::string url_;
  HttpClient client_;
};

model::ResourceSpec spec(uint64_t cpu_request, uint64_t cpu_limit, uint64_t memory_request, uint64_t memory_limit) {
  model::ResourceSpec s;
  s.cpu_request_millicores = cpu_request;
  s.cpu_limit_millicores = cpu_limit;
  s.memory_request_bytes = memory_request;
  s.memory_limit_bytes = memory_limit;
  return s;
}

struct PodSpec {
  std::string ns, name, deployment;
  double cpu_millicores;
  uint64_t memory_bytes;
  model::ResourceSpec resources;
  double throttled_ratio = 0;
  uint64_t restarts = 0;
  uint64_t oom_kills = 0;
};

model::PodUsage pod(const PodSpec& p, int index) {
  model::PodUsage pod;
  pod.uid = "00000000-0000-0000-0000-" + std::string(12 - std::to_string(index).size(), '0') + std::to_string(index);
  pod.name = p.name;
  pod.namespace_name = p.ns;
  pod.deployment = p.deployment;
  pod.workload_kind = p.deployment.empty() ? "" : "Deployment";
  pod.workload_name = p.deployment;
  pod.qos_class = p.resources.cpu_limit_millicores > 0 ? "Burstable" : "BestEffort";
  pod.usage.cpu_millicores = p.cpu_millicores;
  pod.usage.memory_working_set_bytes = p.memory_bytes;
  pod.usage.memory_usage_bytes = p.memory_bytes;
  pod.usage.memory_rss_bytes = p.memory_bytes / 2;
  pod.usage.memory_cache_bytes = p.memory_bytes / 4;
  pod.usage.cpu_throttled_ratio = p.throttled_ratio;
  pod.usage.cpu_throttled_periods_per_sec = p.throttled_ratio * 10;
  pod.usage.oom_kills = p.oom_kills;
  pod.usage.disk_read_bytes_per_sec = 1000.0 * index;
  pod.usage.disk_write_bytes_per_sec = 2500.0 * index;
  pod.network.rx_bytes_per_sec = 12000.0 * index;
  pod.network.tx_bytes_per_sec = 3000.0 * index;
  pod.spec = p.resources;
  pod.restarts = p.restarts;
  // Two containers sharing the pod's usage and its requests/limits.
  for (const char* name : {"app", "sidecar"}) {
    model::ContainerUsage container;
    container.name = name;
    container.id = std::string(63, '0') + std::to_string(index % 10);
    const bool app = std::string_view(name) == "app";
    const double share = app ? 0.75 : 0.25;
    container.usage = pod.usage;
    container.usage.cpu_millicores = p.cpu_millicores * share;
    container.usage.memory_working_set_bytes = static_cast<uint64_t>(static_cast<double>(p.memory_bytes) * share);
    container.spec = app ? p.resources : model::ResourceSpec{};
    container.restarts = app ? p.restarts : 0;
    pod.containers.push_back(std::move(container));
  }
  return pod;
}

model::Report nodeReport(const std::string& node, int64_t timestamp_ms, int64_t interval_ms, double cpu_millicores,
                         const std::vector<PodSpec>& pods, int first_index) {
  model::Report report;
  report.node = node;
  report.timestamp_ms = timestamp_ms;
  report.interval_ms = interval_ms;
  auto& n = report.node_usage;
  n.cpu_millicores = cpu_millicores;
  n.cpu_capacity_millicores = 4000;
  n.cpu_count = 4;
  n.memory_capacity_bytes = 16 * kGi;
  n.memory_working_set_bytes = 6 * kGi;
  n.memory_used_bytes = 5 * kGi;
  n.memory_rss_bytes = 3 * kGi;
  n.memory_cache_bytes = 2 * kGi;
  n.network_rx_bytes_per_sec = 1.5e6;
  n.network_tx_bytes_per_sec = 0.5e6;
  n.disk_read_bytes_per_sec = 2e5;
  n.disk_write_bytes_per_sec = 8e5;
  n.filesystem_capacity_bytes = 100 * kGi;
  n.filesystem_used_bytes = 40 * kGi;
  int index = first_index;
  for (const auto& p : pods) report.pods.push_back(pod(p, index++));
  return report;
}

// Two nodes, three namespaces, Deployments, requests and limits on some pods only, throttling,
// restarts and an OOM kill; "web-1" exists in two namespaces (the 409 case).
class CliGoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new Server();
    server_->ingest(nodeReport("worker-a", kFixedTimeMs, 5000, 1800,
                               {{"shop", "web-1", "web", 420, 300 * kMi, spec(500, 1000, 256 * kMi, 512 * kMi), 0.12, 0, 0},
                                {"shop", "web-2", "web", 380, 280 * kMi, spec(500, 1000, 256 * kMi, 512 * kMi), 0.0, 2, 0},
                                {"batch", "worker-0", "worker", 950, 1536 * kMi, spec(0, 1000, 0, 2 * kGi), 0.45, 0, 1}},
                               1));
    server_->ingest(nodeReport("worker-b", kFixedTimeMs, 5000, 600,
                               {{"shop", "api-1", "api", 150, 96 * kMi, spec(250, 0, 128 * kMi, 0), 0.0, 0, 0},
                                {"staging", "web-1", "web", 12.5, 40 * kMi, {}, 0.0, 0, 0}},
                               4));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // Runs a command that must succeed and returns its stdout.
  std::string ok(const std::vector<std::string>& args) {
    const CliRun run = server_->cli(args);
    EXPECT_EQ(run.exit_code, std::optional<int>(0)) << run.err;
    EXPECT_EQ(run.err, "");
    return run.out;
  }

  static Server* server_;
};
Server* CliGoldenTest::server_ = nullptr;

TEST_F(CliGoldenTest, Nodes) {
  expectGolden("nodes.txt", ok({"top", "nodes"}));
  expectGolden("nodes-wide.txt", ok({"top", "nodes", "-o", "wide"}));
  expectGolden("nodes.csv", ok({"top", "nodes", "-o", "csv"}));
  expectGolden("nodes-sum.txt", ok({"top", "nodes", "--sum", "--sort-by", "cpu"}));
  expectGolden("nodes-one.txt", ok({"top", "nodes", "--node", "worker-b", "--no-headers"}));
}

TEST_F(CliGoldenTest, Pods) {
  expectGolden("pods-all.txt", ok({"top", "pods", "-A"}));
  expectGolden("pods-shop-wide.txt", ok({"top", "pods", "-n", "shop", "-o", "wide", "--sort-by", "cpu"}));
  expectGolden("pods-memory-sum-limit.txt", ok({"top", "pods", "-A", "--sort-by", "memory", "--sum", "--limit", "3"}));
  expectGolden("pods-throttling.txt", ok({"top", "pods", "-A", "--sort-by", "throttling", "--no-headers"}));
  expectGolden("pods-node.txt", ok({"top", "pods", "-A", "--node", "worker-b"}));
  expectGolden("pods-deployment.txt", ok({"top", "pods", "-n", "shop", "--deployment", "web"}));
  expectGolden("pods.yaml", ok({"top", "pods", "-A", "-o", "yaml"}));
  expectGolden("pods.csv", ok({"top", "pods", "-A", "-o", "csv", "--sort-by", "disk"}));
  EXPECT_EQ(ok({"top", "pods"}), "No pods found in namespace default.\n") << "lists default to namespace default";
}

TEST_F(CliGoldenTest, Containers) {
  expectGolden("containers-all.txt", ok({"top", "containers", "-A"}));
  expectGolden("containers-pod-wide.txt", ok({"top", "containers", "web-1", "-n", "shop", "-o", "wide"}));
  expectGolden("containers.csv", ok({"top", "containers", "-n", "shop", "-o", "csv", "--sort-by", "cpu"}));
}

TEST_F(CliGoldenTest, NamespacesAndDeployments) {
  expectGolden("namespaces.txt", ok({"top", "namespaces", "--sum"}));
  expectGolden("namespaces.yaml", ok({"top", "namespaces", "-n", "shop", "-o", "yaml"}));
  expectGolden("deployments-all.txt", ok({"top", "deployments", "-A", "--sort-by", "cpu"}));
  expectGolden("deployments-shop-wide.txt", ok({"top", "deployments", "-n", "shop", "-o", "wide", "--sum"}));
}

// -o json prints the API's answer for the route the selection reads, unchanged.
TEST_F(CliGoldenTest, JsonIsTheApisAnswer) {
  EXPECT_EQ(ok({"top", "nodes", "-o", "json"}), server_->get("/api/nodes") + "\n");
  EXPECT_EQ(ok({"top", "pods", "-A", "-o", "json"}), server_->get("/api/pods") + "\n");
  EXPECT_EQ(ok({"top", "pods", "-n", "shop", "-o", "json"}), server_->get("/api/pods?namespace=shop") + "\n");
  EXPECT_EQ(ok({"top", "pods", "-A", "--node", "worker-b", "-o", "json"}), server_->get("/api/nodes/worker-b/pods") + "\n");
  EXPECT_EQ(ok({"top", "deployments", "-n", "shop", "-o", "json"}),
            server_->get("/api/deployments?namespace=shop") + "\n");
  EXPECT_EQ(ok({"top", "namespaces", "-o", "json"}), server_->get("/api/namespaces") + "\n");
  EXPECT_EQ(ok({"top", "containers", "web-1", "-n", "shop", "-o", "json"}),
            server_->get("/api/pods/web-1/containers?namespace=shop") + "\n");
}

TEST_F(CliGoldenTest, UnknownAndAmbiguousNames) {
  const CliRun unknown = server_->cli({"top", "pod", "nope", "-n", "shop"});
  EXPECT_EQ(unknown.exit_code, std::optional<int>(1));
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(unknown.err, "kubemonitor: " + server_->url() +
                             "/api/pods/nope?namespace=shop&window=1h answered 404: pod \"shop/nope\" has not reported\n");

  const CliRun ambiguous = server_->cli({"top", "pod", "web-1"});
  EXPECT_EQ(ambiguous.exit_code, std::optional<int>(1));
  EXPECT_EQ(ambiguous.err, "kubemonitor: " + server_->url() +
                               "/api/pods/web-1?window=1h answered 409: pod \"web-1\" exists in 2 namespaces (shop, "
                               "staging); pass -n NAMESPACE\n");

  const CliRun containers = server_->cli({"top", "containers", "nope", "-n", "shop"});
  EXPECT_EQ(containers.exit_code, std::optional<int>(1));
  EXPECT_NE(containers.err.find("answered 404"), std::string::npos) << containers.err;
}

TEST_F(CliGoldenTest, UsageErrorsHelpAndCompletion) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"top", "pods", "--sort-by", "size"},
                                                                {"top"},
                                                                {"top", "pods", "-o", "xml"},
                                                                {"top", "pods", "-n", "shop", "-A"},
                                                                {"top", "pods", "--window", "soon"},
                                                                {"top", "pods", "--bogus"}}) {
    const CliRun run = server_->cli(args);
    EXPECT_EQ(run.exit_code, std::optional<int>(1)) << args.back() << ": " << run.out << run.err;
    EXPECT_FALSE(run.err.empty()) << args.back();
  }
  const CliRun help = server_->cli({"top", "pods", "--help"}, false);
  EXPECT_EQ(help.exit_code, std::optional<int>(0));
  EXPECT_NE(help.out.find("--sort-by"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Examples:"), std::string::npos) << help.out;
  for (const char* shell : {"bash", "zsh", "fish"}) {
    const CliRun script = server_->cli({"completion", shell}, false);
    EXPECT_EQ(script.exit_code, std::optional<int>(0)) << shell;
    EXPECT_NE(script.out.find("deployments"), std::string::npos) << shell;
    EXPECT_NE(script.out.find("sort-by"), std::string::npos) << shell;
  }
  EXPECT_EQ(server_->cli({"completion", "tcsh"}, false).exit_code, std::optional<int>(1));
}

// A port nothing listens on: bound, then closed (no one else takes it this fast on loopback).
int closedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(CliErrors, UnreachableServerIsExitTwoNamingTheUrl) {
  TempDir dir;
  const std::string url = "http://127.0.0.1:" + std::to_string(closedPort());
  ChildProcess process = ChildProcess::spawn({testing::binDir() + "/kubemonitor", "top", "nodes", "--server", url},
                                             dir.path() + "/out", dir.path() + "/err");
  EXPECT_EQ(process.waitExit(std::chrono::seconds(30)), std::optional<int>(2));
  const std::string err = testing::readTextFile(dir.path() + "/err");
  EXPECT_EQ(err.rfind("kubemonitor: cannot reach " + url + "/api/nodes: ", 0), 0U) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "one line: " << err;
  EXPECT_EQ(testing::readTextFile(dir.path() + "/out"), "");
}

TEST(CliErrors, QueryTokenRequiredIsRefusedWithoutTheTokenFile) {
  TempDir dir;
  const std::string token_file = dir.path() + "/query-token";
  std::ofstream(token_file) << "s3cret\n";
  Server server({"--query-token-file", token_file});
  server.ingest(nodeReport("worker-a", kFixedTimeMs, 5000, 100, {}, 1));
  const CliRun refused = server.cli({"top", "nodes"});
  EXPECT_EQ(refused.exit_code, std::optional<int>(1));
  EXPECT_EQ(refused.err, "kubemonitor: " + server.url() +
                             "/api/nodes answered 401: missing or wrong Bearer token; pass --token-file with the "
                             "server's query token\n");
  const CliRun allowed = server.cli({"top", "nodes", "--token-file", token_file, "--no-headers"});
  EXPECT_EQ(allowed.exit_code, std::optional<int>(0)) << allowed.err;
  EXPECT_EQ(allowed.out.rfind("worker-a ", 0), 0U) << allowed.out;
}

TEST(CliErrors, HttpsWithTheServersCaFile) {
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  // A throw-away self-signed certificate for 127.0.0.1 (P-256, one day), as tls_auth_test makes.
  ChildProcess openssl = ChildProcess::spawn(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
      dir.path() + "/openssl.out", dir.path() + "/openssl.err");
  ASSERT_EQ(openssl.waitExit(std::chrono::seconds(60)), std::optional<int>(0))
      << testing::readTextFile(dir.path() + "/openssl.err");
  Server server({"--tls-cert", cert, "--tls-key", key});
  const std::string https = "https://" + server.url().substr(std::string("http://").size());
  HttpClient client(std::chrono::seconds(10), cert);
  auto ingested = client.post(https + "/api/ingest", model::encodeReport(nodeReport("tls-node", kFixedTimeMs, 5000, 100, {}, 1)),
                              {"Content-Type: application/json"});
  ASSERT_TRUE(ingested.ok()) << ingested.error().toString();
  ASSERT_EQ(ingested->status, 202);

  const CliRun trusted = server.cli({"top", "nodes", "--no-headers", "--server", https, "--ca-file", cert}, false);
  EXPECT_EQ(trusted.exit_code, std::optional<int>(0)) << trusted.err;
  EXPECT_EQ(trusted.out.rfind("tls-node ", 0), 0U) << trusted.out;
  const CliRun untrusted = server.cli({"top", "nodes", "--server", https}, false);
  EXPECT_EQ(untrusted.exit_code, std::optional<int>(2)) << "the system's CAs do not know the certificate";
  EXPECT_EQ(untrusted.err.rfind("kubemonitor: cannot reach " + https + "/api/nodes: ", 0), 0U) << untrusted.err;
}

// History: reports on the 5 s grid up to now with known CPU values, so that the trend columns
// and charts are exact.
class CliHistoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new Server();
    const int64_t interval_ms = 5000;
    const int64_t last_ms = toUnixMs(std::chrono::system_clock::now()) / interval_ms * interval_ms;
    for (int i = 0; i < 8; ++i) {
      const double step = i;  // 0 … 7: the eight sparkline levels
      server_->ingest(nodeReport(
          "history-node", last_ms - (7 - i) * interval_ms, interval_ms, 1000 + 100 * step,
          {{"shop", "web-1", "web", 100 + 100 * step, (200 + 10 * static_cast<uint64_t>(i)) * kMi,
            spec(500, 1000, 256 * kMi, 512 * kMi), i % 2 == 0 ? 0.1 : 0.3, 0, 0},
           {"shop", "api-1", "api", 50, 64 * kMi, spec(100, 0, 0, 0), 0.0, 0, 0}},
          1));
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static Server* server_;
};
Server* CliHistoryTest::server_ = nullptr;

TEST_F(CliHistoryTest, SparklinesFollowTheSeries) {
  const CliRun pods = server_->cli({"top", "pods", "-n", "shop", "--window", "1h", "--sort-by", "name"});
  ASSERT_EQ(pods.exit_code, std::optional<int>(0)) << pods.err;
  // web-1's CPU went 100 … 800 m in equal steps: every level once, in order.
  EXPECT_NE(pods.out.find("▁▂▃▄▅▆▇█   100m/450m/800m"), std::string::npos) << pods.out;
  expectGolden("history-pods.txt", pods.out);
  expectGolden("history-nodes-wide.txt", server_->cli({"top", "nodes", "-o", "wide", "--window", "1h"}).out);
  expectGolden("history-pods.csv", server_->cli({"top", "pods", "-n", "shop", "--window", "1h", "-o", "csv"}).out);
}

TEST_F(CliHistoryTest, OnePodChartsEachMetric) {
  ::setenv("COLUMNS", "60", 1);  // the chart width when stdout is not a terminal
  const CliRun chart = server_->cli({"top", "pod", "web-1", "-n", "shop", "--window", "1h"});
  ::unsetenv("COLUMNS");
  ASSERT_EQ(chart.exit_code, std::optional<int>(0)) << chart.err;
  expectGolden("history-pod-chart.txt", chart.out);
  EXPECT_NE(chart.out.find("CPU  min 100m  avg 450m  max 800m"), std::string::npos) << chart.out;
  ::setenv("COLUMNS", "40", 1);
  expectGolden("history-node-chart.txt", server_->cli({"top", "node", "history-node", "--window", "1h"}).out);
  expectGolden("history-deployment-chart.txt", server_->cli({"top", "deployment", "web", "-n", "shop"}).out);
  ::unsetenv("COLUMNS");
  // One object as CSV: a row per point (timestamps vary with the clock: checked by value).
  const std::string csv = server_->cli({"top", "namespace", "shop", "-o", "csv"}).out;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("timestamp,cpu_millicores,", 0), 0U) << csv;
  std::vector<std::string> cpu;
  while (std::getline(lines, line)) cpu.push_back(line.substr(line.find(',') + 1, line.find(',', line.find(',') + 1) - line.find(',') - 1));
  EXPECT_EQ(cpu, (std::vector<std::string>{"150", "250", "350", "450", "550", "650", "750", "850"})) << csv;
  // -o json is the object's series as the API answers it.
  EXPECT_EQ(server_->cli({"top", "pod", "web-1", "-n", "shop", "--window", "1h", "-o", "json"}).out,
            server_->get("/api/pods/web-1?namespace=shop&window=1h") + "\n");
}

// Watch mode in a pseudo-terminal: frames redraw in place, a new report shows up in the next
// frame, Ctrl-C (SIGINT) exits 0 with the alternate screen left and the cursor shown again.
class PtyProcess {
 public:
  PtyProcess(const std::vector<std::string>& argv, const std::vector<std::pair<std::string, std::string>>& env) {
    winsize size{};
    size.ws_row = 40;
    size.ws_col = 160;
    pid_ = forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ == 0) {
      for (const auto& [key, value] : env) {
        if (value.empty()) ::unsetenv(key.c_str());
        else ::setenv(key.c_str(), value.c_str(), 1);
      }
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
  }
  ~PtyProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }

  // Reads until `predicate(output)` holds or the deadline passes.
  template <typename Predicate>
  bool readUntil(Predicate predicate, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!predicate(output_)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd fd{master_, POLLIN, 0};
      if (::poll(&fd, 1, static_cast<int>(left)) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(master_, buffer, sizeof buffer);
      if (n > 0) output_.append(buffer, static_cast<size_t>(n));
      if (n == 0 || (n < 0 && errno != EAGAIN)) return predicate(output_);  // the child closed the terminal
    }
    return true;
  }

  std::optional<int> waitExit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      readUntil([](const std::string&) { return false; }, std::chrono::milliseconds(20));
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        readUntil([](const std::string&) { return false; }, std::chrono::milliseconds(50));
        return WIFEXITED(status) ? std::optional(WEXITSTATUS(status)) : std::nullopt;
      }
    }
    return std::nullopt;
  }

  pid_t pid() const { return pid_; }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  bool reaped_ = false;
  std::string output_;
};

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

TEST(CliWatch, RefreshesInPlaceAndExitsCleanlyOnCtrlC) {
  Server server;
  const int64_t interval_ms = 500;  // the agents' interval: the refresh period
  const int64_t now_ms = toUnixMs(std::chrono::system_clock::now()) / interval_ms * interval_ms;
  server.ingest(nodeReport("watch-node", now_ms - interval_ms, interval_ms, 321, {}, 1));
  PtyProcess cli({testing::binDir() + "/kubemonitor", "top", "nodes", "-w", "--server", server.url()},
                 {{"NO_COLOR", ""}, {"TERM", "xterm"}});
  ASSERT_TRUE(cli.readUntil([](const std::string& out) { return out.find("321m") != std::string::npos; },
                            std::chrono::seconds(20)))
      << cli.output();
  EXPECT_EQ(cli.output().rfind("\x1b[?1049h\x1b[?25l", 0), 0U) << "alternate screen, cursor hidden";
  EXPECT_NE(cli.output().find("every 0.5s"), std::string::npos) << "the agents' interval";
  EXPECT_NE(cli.output().find("\x1b[1mNAME"), std::string::npos) << "colour on a terminal";

  server.ingest(nodeReport("watch-node", now_ms, interval_ms, 777, {}, 1));
  ASSERT_TRUE(cli.readUntil([](const std::string& out) { return out.find("777m") != std::string::npos; },
                            std::chrono::seconds(20)))
      << cli.output();
  EXPECT_GE(count(cli.output(), "\x1b[H"), 2U) << "each frame redrawn from the top";
  EXPECT_EQ(count(cli.output(), "\x1b[2J"), 0U) << "no full clears (no flicker)";

  ::kill(cli.pid(), SIGINT);
  EXPECT_EQ(cli.waitExit(std::chrono::seconds(10)), std::optional<int>(0));
  const std::string& out = cli.output();
  const std::string restore = "\x1b[?25h\x1b[?1049l";
  ASSERT_GE(out.size(), restore.size());
  EXPECT_EQ(out.substr(out.size() - restore.size()), restore) << "terminal restored last";
}

// A server that accepts and never answers: Ctrl-C cancels the request in flight instead of
// waiting for its 10 s timeout.
TEST(CliWatch, CtrlCDoesNotWaitForAServerThatNeverAnswers) {
  testing::ScriptedHttpServer silent;
  for (int i = 0; i < 4; ++i) silent.push({"", false, true});
  PtyProcess cli({testing::binDir() + "/kubemonitor", "top", "nodes", "-w", "--server", silent.url("")},
                 {{"NO_COLOR", ""}, {"TERM", "xterm"}});
  silent.waitForRequests(1);
  ASSERT_EQ(silent.requests().size(), 1U);
  const auto sent = Clock::now();
  ::kill(cli.pid(), SIGINT);
  EXPECT_EQ(cli.waitExit(std::chrono::seconds(5)), std::optional<int>(0)) << cli.output();
  EXPECT_LT(Clock::now() - sent, std::chrono::seconds(3));
  silent.release();
}

TEST(CliWatch, NoColorOnATerminalWithNoColorSet) {
  Server server;
  server.ingest(nodeReport("plain-node", kFixedTimeMs, 5000, 100, {}, 1));
  PtyProcess cli({testing::binDir() + "/kubemonitor", "top", "nodes", "--server", server.url()},
                 {{"NO_COLOR", "1"}, {"TERM", "xterm"}});
  EXPECT_EQ(cli.waitExit(std::chrono::seconds(20)), std::optional<int>(0));
  EXPECT_NE(cli.output().find("plain-node"), std::string::npos) << cli.output();
  EXPECT_EQ(cli.output().find('\x1b'), std::string::npos) << "NO_COLOR: no escape sequences";
}

}  // namespace
}  // namespace kubemonitor
