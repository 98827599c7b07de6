// `make demo` end to end (issue 6 item 5): the real kubemonitor-demo, on the real kernel, must show
// namespaces shop and batch and Deployments web, api and worker with pods in the API, with CPU,
// network and disk numbers that move, within 15 s of coming up; SIGTERM must leave no cgroup,
// network namespace or scratch file behind. Root only (skips with the reason otherwise).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/http_client.h"
#include "cgroup/testing/fake_pod_host.h"
#include "common/testing/child_process.h"
#include "demo/demo_cluster.h"

namespace kubemonitor {
namespace {

using testing::ChildProcess;

std::string binDir() {
  const char* dir = std::getenv("KUBEMONITOR_BIN_DIR");
  return dir != nullptr ? dir : "build/bin";
}

struct PodReading {
  std::string timestamp;
  double cpu_millicores = 0;
  uint64_t network_tx_bytes = 0;  // cumulative
  uint64_t disk_write_bytes = 0;  // cumulative
};

// Names containing `needle` under the cgroup hierarchies, /run/netns and /var/tmp.
std::vector<std::string> leftovers(const std::string& needle) {
  std::vector<std::string> found;
  std::vector<std::string> dirs{"/run/netns", "/var/tmp"};
  for (const auto& h : hosttest::hierarchies()) dirs.push_back(hosttest::hierarchyDir(h));
  for (const auto& dir : dirs) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().filename().string().find(needle) != std::string::npos) found.push_back(entry.path());
    }
  }
  return found;
}

TEST(MakeDemo, ShowsMovingPodsNamespacesAndDeploymentsThenCleansUp) {
  if (auto reason = hosttest::FakePodHost::unsupportedReason(); !reason.empty()) GTEST_SKIP() << reason;
  testing::TempDir dir;
  const std::string port_file = dir.path() + "/port";
  // --duration is only a safety net: the test stops it with SIGTERM long before.
  ChildProcess demo = ChildProcess::spawn(
      {binDir() + "/kubemonitor-demo", "--port", "0", "--port-file", port_file, "--duration", "300"},
      dir.path() + "/demo.out", dir.path() + "/demo.err");
  const std::string mine = "kmtest-" + std::to_string(demo.pid()) + "-";
  auto port = testing::waitForPortFile(port_file, std::chrono::seconds(60));
  ASSERT_TRUE(port.has_value()) << "kubemonitor-demo did not come up";
  const std::string url = "http://127.0.0.1:" + std::to_string(*port);
  EXPECT_FALSE(leftovers(mine).empty()) << "the demo's cgroups and namespaces carry its pid";

  HttpClient client;
  simdjson::dom::parser parser;
  auto items = [&](const std::string& route, std::string& body) -> std::optional<simdjson::dom::array> {
    auto response = client.get(url + route);
    if (!response.ok() || response->status != 200) return std::nullopt;
    body = response->body;
    simdjson::dom::array array;
    if (parser.parse(body)["items"].get_array().get(array)) return std::nullopt;
    return array;
  };

  std::set<std::string> namespaces;
  std::map<std::string, uint64_t> deployment_pods;
  std::map<std::string, PodReading> first_reading;  // pod name → the first reading seen
  bool cpu_moved = false, network_moved = false, disk_moved = false;
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::chrono::seconds(15);
  auto done = [&] {
    return namespaces.count("shop") && namespaces.count("batch") && deployment_pods["web"] > 0 &&
           deployment_pods["api"] > 0 && deployment_pods["worker"] > 0 && cpu_moved && network_moved && disk_moved;
  };
  std::string body;
  while (std::chrono::steady_clock::now() < deadline && !done()) {
    if (auto list = items("/api/namespaces", body)) {
      for (auto ns : *list) namespaces.insert(std::string(ns["name"].get_string().value()));
    }
    if (auto list = items("/api/deployments", body)) {
      for (auto d : *list)
        deployment_pods[std::string(d["name"].get_string().value())] = d["pod_count"].get_uint64().value();
    }
    if (auto list = items("/api/pods", body)) {
      for (auto p : *list) {
        const std::string ns(p["namespace"].get_string().value());
        if (ns != "shop" && ns != "batch") continue;
        PodReading now{std::string(p["timestamp"].get_string().value()), p["cpu_millicores"].get_double().value(),
                       p["network_tx_bytes"].get_uint64().value(), p["disk_write_bytes"].get_uint64().value()};
        const std::string name(p["name"].get_string().value());
        auto [it, fresh] = first_reading.emplace(name, now);
        if (fresh || it->second.timestamp == now.timestamp) continue;  // the same report: nothing can move
        const PodReading& before = it->second;
        if (now.cpu_millicores > 50 && now.cpu_millicores != before.cpu_millicores) cpu_moved = true;
        if (now.network_tx_bytes > before.network_tx_bytes) network_moved = true;
        if (now.disk_write_bytes > before.disk_write_bytes) disk_moved = true;
      }
    }
    if (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(250));  // the next report is ≥ 2 s away
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("demo: everything visible and moving %.1f s after the demo printed its URLs\n", seconds);
  EXPECT_TRUE(namespaces.count("shop") && namespaces.count("batch")) << body;
  EXPECT_GT(deployment_pods["web"], 0u);
  EXPECT_GT(deployment_pods["api"], 0u);
  EXPECT_GT(deployment_pods["worker"], 0u);
  EXPECT_EQ(first_reading.size(), 6u);
  EXPECT_TRUE(cpu_moved) << "the spinning api pod's cpu_millicores";
  EXPECT_TRUE(network_moved) << "a pod's network_tx_bytes";
  EXPECT_TRUE(disk_moved) << "a worker pod's disk_write_bytes";

  demo.signal(SIGTERM);
  EXPECT_EQ(demo.waitExit(std::chrono::seconds(30)), 0);
  EXPECT_EQ(leftovers(mine), std::vector<std::string>{});
  // The server port is free again: nothing of the demo still listens.
  auto after = client.get(url + "/health");
  EXPECT_FALSE(after.ok());
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(MakeDemo, ABusyPortIsAClearErrorAndEverythingIsRemovedAgain) {
  if (auto reason = hosttest::FakePodHost::unsupportedReason(); !reason.empty()) GTEST_SKIP() << reason;
  // Hold a loopback port so the demo's server cannot bind it.
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);

  testing::TempDir dir;
  ChildProcess demo =
      ChildProcess::spawn({binDir() + "/kubemonitor-demo", "--port", std::to_string(ntohs(address.sin_port))},
                          dir.path() + "/demo.out", dir.path() + "/demo.err");
  const std::string mine = "kmtest-" + std::to_string(demo.pid()) + "-";
  EXPECT_EQ(demo.waitExit(std::chrono::seconds(60)), 1);
  ::close(holder);
  const std::string err = readFile(dir.path() + "/demo.err");
  EXPECT_NE(err.find("kubemonitor-server did not start"), std::string::npos) << err;
  EXPECT_NE(err.find("Address already in use"), std::string::npos) << err;
  EXPECT_EQ(leftovers(mine), std::vector<std::string>{});
}

TEST(MakeDemo, WithoutRootItSaysSoAndTouchesNothing) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to another user";
  if (std::system("command -v setpriv >/dev/null 2>&1") != 0) GTEST_SKIP() << "util-linux setpriv is not installed";
  testing::TempDir dir;
  ChildProcess demo = ChildProcess::spawn(
      {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binDir() + "/kubemonitor-demo"},
      dir.path() + "/demo.out", dir.path() + "/demo.err");
  EXPECT_EQ(demo.waitExit(std::chrono::seconds(30)), 2);
  const std::string err = readFile(dir.path() + "/demo.err");
  EXPECT_NE(err.find("kubemonitor-demo needs root"), std::string::npos) << err;
  EXPECT_EQ(leftovers("kmtest-" + std::to_string(demo.pid()) + "-"), std::vector<std::string>{});
}

}  // namespace
}  // namespace kubemonitor
