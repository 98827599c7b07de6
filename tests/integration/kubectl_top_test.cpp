// The real kubectl against kubemonitor-server: `kubectl --server URL top nodes` must print the
// numbers kubemonitor holds. The test posts a report with known numbers itself, so the expected
// output is exact (no live measurement involved).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include "common/http_client.h"
#include "common/clock.h"
#include "common/testing/child_process.h"
#include "model/report_json.h"

namespace kubemonitor {
namespace {

using testing::ChildProcess;
using testing::TempDir;

std::string binDir() {
  const char* dir = std::getenv("KUBEMONITOR_BIN_DIR");
  return dir != nullptr ? dir : "build/bin";
}

std::string kubectlPath() {
  for (const char* candidate : {"/usr/bin/kubectl", "/usr/local/bin/kubectl"}) {
    if (::access(candidate, X_OK) == 0) return candidate;
  }
  return {};
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class KubectlTopTest : public ::testing::Test {
 protected:

  void SetUp() override {
    kubectl_ = kubectlPath();
    ASSERT_FALSE(kubectl_.empty()) << "kubectl is not installed (scripts/install-deps.sh installs it)";
    std::ofstream(dir_.path() + "/kubeconfig") << "apiVersion: v1\nkind: Config\n";
    const std::string port_file = dir_.path() + "/port";
    server_.emplace(ChildProcess::spawn({binDir() + "/kubemonitor-server", "--listen", "127.0.0.1:0", "--data-dir",
                                         dir_.path() + "/data", "--port-file", port_file}));
    auto port = testing::waitForPortFile(port_file, std::chrono::seconds(20));
    ASSERT_TRUE(port.has_value()) << "server did not write its port";
    url_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  void ingest(const model::Report& report) {
    auto response = client_.post(url_ + "/api/ingest", model::encodeReport(report), {"Content-Type: application/json"});
    ASSERT_TRUE(response.ok()) << response.error().toString();
    ASSERT_EQ(response->status, 202) << response->body;
  }

  // Runs kubectl with a fresh, empty kubeconfig (so nothing of the machine's leaks in) and
  // returns its stdout; fails the test on a non-zero exit.
  std::string kubectl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kubectl_, "--kubeconfig", dir_.path() + "/kubeconfig", "--server", url_};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string out = dir_.path() + "/kubectl.out", err = dir_.path() + "/kubectl.err";
    ChildProcess process = ChildProcess::spawn(argv, out, err);
    EXPECT_EQ(process.waitExit(std::chrono::seconds(60)), std::optional<int>(0)) << "kubectl failed: " << readFile(err);
    return readFile(out);
  }

  TempDir dir_;
  std::optional<ChildProcess> server_;
  std::string kubectl_;
  std::string url_;
  HttpClient client_;
};

model::Report nodeReport(const std::string& node, double cpu_millicores, uint64_t working_set_bytes) {
  model::Report report;
  report.node = node;
  report.interval_ms = 5000;
  report.timestamp_ms = toUnixMs(std::chrono::system_clock::now()) / 5000 * 5000;
  report.node_usage.cpu_millicores = cpu_millicores;
  report.node_usage.cpu_capacity_millicores = 4000;
  report.node_usage.cpu_count = 4;
  report.node_usage.memory_capacity_bytes = 16ULL << 30;
  report.node_usage.memory_working_set_bytes = working_set_bytes;
  return report;
}

TEST_F(KubectlTopTest, TopNodesPrintsKubemonitorsNumbers) {
  ingest(nodeReport("worker-a", 1234.0, 2ULL << 30));
  ingest(nodeReport("worker-b", 250.0, 512ULL << 20));
  const std::string out = kubectl({"top", "nodes", "--no-headers"});
  // kubectl prints NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%), percentages of allocatable.
  std::istringstream lines(out);
  std::map<std::string, std::vector<std::string>> rows;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> row;
    for (std::string f; fields >> f;) row.push_back(f);
    if (!row.empty()) rows[row[0]] = row;
  }
  ASSERT_EQ(rows.size(), 2U) << out;
  EXPECT_EQ(rows["worker-a"], (std::vector<std::string>{"worker-a", "1234m", "30%", "2048Mi", "12%"})) << out;
  EXPECT_EQ(rows["worker-b"], (std::vector<std::string>{"worker-b", "250m", "6%", "512Mi", "3%"})) << out;
}

// Rows of whitespace-separated columns, keyed by the first `key_columns` columns joined with '/'.
std::map<std::string, std::vector<std::string>> table(const std::string& out, size_t key_columns) {
  std::istringstream lines(out);
  std::map<std::string, std::vector<std::string>> rows;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> row;
    for (std::string f; fields >> f;) row.push_back(f);
    if (row.size() < key_columns) continue;
    std::string key = row[0];
    for (size_t i = 1; i < key_columns; ++i) key += "/" + row[i];
    rows[key] = row;
  }
  return rows;
}

model::PodUsage pod(const std::string& ns, const std::string& name,
                    const std::vector<std::tuple<std::string, double, uint64_t>>& containers) {
  model::PodUsage p;
  p.uid = "uid-" + ns + "-" + name;
  p.name = name;
  p.namespace_name = ns;
  p.deployment = name.substr(0, name.rfind('-'));
  for (const auto& [container, cpu_millicores, working_set_bytes] : containers) {
    model::ContainerUsage c;
    c.name = container;
    c.id = std::string(64, 'a');
    c.usage.cpu_millicores = cpu_millicores;
    c.usage.memory_working_set_bytes = working_set_bytes;
    p.usage.cpu_millicores += cpu_millicores;
    p.usage.memory_working_set_bytes += working_set_bytes;
    p.containers.push_back(c);
  }
  return p;
}

TEST_F(KubectlTopTest, TopPodsPrintsKubemonitorsNumbers) {
  model::Report a = nodeReport("worker-a", 1000.0, 4ULL << 30);
  a.pods = {pod("shop", "web-1", {{"app", 120, 100ULL << 20}, {"sidecar", 5, 20ULL << 20}}),
            pod("kube-system", "coredns-7", {{"coredns", 3, 30ULL << 20}})};
  model::Report b = nodeReport("worker-b", 500.0, 2ULL << 30);
  b.pods = {pod("shop", "web-2", {{"app", 250, 300ULL << 20}, {"sidecar", 1, 10ULL << 20}})};
  ingest(a);
  ingest(b);
  ingest(a);  // a replay changes nothing

  // kubectl sums the containers of each pod: CPU in millicores, memory in Mi.
  const auto all = table(kubectl({"top", "pods", "-A", "--no-headers"}), 2);
  ASSERT_EQ(all.size(), 3U) << kubectl({"top", "pods", "-A"});
  EXPECT_EQ(all.at("shop/web-1"), (std::vector<std::string>{"shop", "web-1", "125m", "120Mi"}));
  EXPECT_EQ(all.at("shop/web-2"), (std::vector<std::string>{"shop", "web-2", "251m", "310Mi"}));
  EXPECT_EQ(all.at("kube-system/coredns-7"), (std::vector<std::string>{"kube-system", "coredns-7", "3m", "30Mi"}));

  const auto containers = table(kubectl({"top", "pods", "-n", "shop", "--containers", "--no-headers"}), 2);
  ASSERT_EQ(containers.size(), 4U);
  EXPECT_EQ(containers.at("web-1/app"), (std::vector<std::string>{"web-1", "app", "120m", "100Mi"}));
  EXPECT_EQ(containers.at("web-1/sidecar"), (std::vector<std::string>{"web-1", "sidecar", "5m", "20Mi"}));
  EXPECT_EQ(containers.at("web-2/app"), (std::vector<std::string>{"web-2", "app", "250m", "300Mi"}));
  EXPECT_EQ(containers.at("web-2/sidecar"), (std::vector<std::string>{"web-2", "sidecar", "1m", "10Mi"}));

  const auto one = table(kubectl({"top", "pod", "web-2", "-n", "shop", "--no-headers"}), 1);
  EXPECT_EQ(one.at("web-2"), (std::vector<std::string>{"web-2", "251m", "310Mi"}));
}

TEST_F(KubectlTopTest, UnknownNodeIsAKubernetesNotFound) {
  ingest(nodeReport("worker-a", 100.0, 1ULL << 30));
  std::vector<std::string> argv{kubectl_, "--kubeconfig", dir_.path() + "/kubeconfig", "--server", url_,
                                "top", "node", "nope"};
  const std::string err = dir_.path() + "/kubectl.err";
  ChildProcess process = ChildProcess::spawn(argv, dir_.path() + "/kubectl.out", err);
  const std::optional<int> rc = process.waitExit(std::chrono::seconds(60));
  ASSERT_TRUE(rc.has_value()) << "kubectl did not exit";
  EXPECT_NE(*rc, 0);
  EXPECT_NE(readFile(err).find("not found"), std::string::npos) << readFile(err);
}

}  // namespace
}  // namespace kubemonitor
