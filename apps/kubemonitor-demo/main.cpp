// kubemonitor-demo (`make demo`, root, no cluster): six made-up pods of two namespaces and three
// Deployments as real cgroups with real CPU, memory, disk and network load, a Kubernetes API test
// double that names them, and the real kubemonitor-server and kubemonitor-agent beside it. Prints
// the URLs, runs until Ctrl-C/SIGTERM (or --duration), then stops both and removes every cgroup,
// process, network namespace and file it made, on error paths too.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <tuple>

#include "common/files.h"
#include "common/text.h"
#include "demo/demo_cluster.h"
#include "demo/service_process.h"
#include <CLI/CLI.hpp>

namespace {

using namespace kubemonitor;
namespace fs = std::filesystem;

constexpr int kUsageError = 2;
constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopGrace = std::chrono::seconds(5);

volatile std::sig_atomic_t g_stop_signal = 0;
void onStopSignal(int signo) { g_stop_signal = signo; }

std::string hostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

std::string readWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The last `lines` lines of a log, for an error message.
std::string tail(const std::string& path, size_t lines) {
  const std::string text = readWholeFile(path);
  size_t start = text.size();
  for (size_t seen = 0; start > 0 && seen <= lines; --start) {
    if (text[start - 1] == '\n') ++seen;
  }
  return text.substr(start);
}

// A private directory for logs and the server's data, removed with everything in it at the end.
class WorkDir {
 public:
  WorkDir() {
    std::string pattern = (fs::temp_directory_path() / "kubemonitor-demo-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~WorkDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sleeps up to `duration`; a stop signal cuts it short (nanosleep returns on EINTR).
void nap(std::chrono::milliseconds duration) {
  timespec pause_for{0, static_cast<long>(duration.count()) * 1'000'000};
  ::nanosleep(&pause_for, nullptr);
}

// Waits for the server's --port-file (it writes it after binding); nullopt if it died or timed out.
std::optional<uint16_t> waitForServerPort(demo::ServiceProcess& server, const std::string& port_file) {
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline && g_stop_signal == 0) {
    const std::string text = readWholeFile(port_file);
    if (!text.empty() && text.back() == '\n') {
      auto port = text::parseUint64(text::trim(text));
      if (port && *port > 0 && *port <= 65535) return static_cast<uint16_t>(*port);
    }
    if (!server.running()) return std::nullopt;
    nap(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

void printWelcome(const std::string& url, const demo::DemoCluster& cluster, const std::string& node, double interval) {
  std::printf("\n  kubemonitor demo is running on node %s:\n\n", node.c_str());
  std::printf("    %-8s %-8s %-26s %s\n", "NAMESPACE", "DEPLOY", "POD", "CONTAINERS (load)");
  for (const auto& pod : cluster.pods()) {
    std::string containers;
    for (const auto& c : pod.containers) {
      const char* load = "memory";
      if (c.workload.kind == demo::WorkloadSpec::Kind::kSpinDuty) load = "cpu";
      if (c.workload.kind == demo::WorkloadSpec::Kind::kDirectWriteEvery) load = "disk";
      if (c.workload.kind == demo::WorkloadSpec::Kind::kUdpSendEvery) load = "network";
      containers += (containers.empty() ? "" : ", ") + c.name + " (" + load + ")";
    }
    std::printf("    %-8s %-8s %-26s %s\n", pod.namespace_name.c_str(), pod.deployment.c_str(), pod.name.c_str(),
                containers.c_str());
  }
  std::printf("\n    dashboard:    %s/\n", url.c_str());
  std::printf("    pods:         %s/api/pods\n", url.c_str());
  std::printf("    namespaces:   %s/api/namespaces\n", url.c_str());
  std::printf("    deployments:  %s/api/deployments\n", url.c_str());
  std::printf("    API docs:     %s/docs\n", url.c_str());
  std::printf("\n  The agent reports every %g s; numbers appear within a few seconds.\n", interval);
  std::printf("  Press Ctrl-C to stop: every cgroup, namespace and process of the demo is removed.\n\n");
  std::fflush(stdout);
}

int runDemo(int argc, char** argv) {
  CLI::App app{"kubemonitor-demo: fake pods from real cgroups with real load, plus server and agent (needs root)"};
  unsigned port = 8080;
  double interval_seconds = 2;
  double duration_seconds = 0;
  std::string port_file;
  std::string node_name = hostName();
  app.add_option("--port", port, "server port on 127.0.0.1; 0 = any free port")->check(CLI::Range(0U, 65535U));
  app.add_option("--interval", interval_seconds, "agent collection interval, seconds")->check(CLI::Range(0.5, 60.0));
  app.add_option("--duration", duration_seconds, "stop by itself after this many seconds (0 = run until Ctrl-C)")
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--port-file", port_file, "once everything runs, write the server's port here");
  app.add_option("--node-name", node_name, "node name the pods are scheduled on (default: hostname)");
  CLI11_PARSE(app, argc, argv);

  if (::geteuid() != 0) {
    std::fprintf(stderr,
                 "kubemonitor-demo needs root: it creates cgroups, network namespaces and veth pairs.\n"
                 "Run it as root, e.g. `sudo make demo`.\n");
    return kUsageError;
  }
  struct sigaction action {};
  action.sa_handler = onStopSignal;  // no SA_RESTART: sleeps end at once on Ctrl-C
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  const fs::path bin_dir = fs::read_symlink("/proc/self/exe").parent_path();
  WorkDir work;
  if (work.path().empty()) {
    std::fprintf(stderr, "kubemonitor-demo: cannot create a temporary directory\n");
    return 1;
  }

  std::printf("kubemonitor-demo: building 6 pods (cgroups, network namespaces, workloads)...\n");
  std::fflush(stdout);
  const auto run_id = static_cast<uint32_t>(::getpid()) ^ static_cast<uint32_t>(std::time(nullptr));
  auto cluster = demo::DemoCluster::create(node_name, run_id);
  if (!cluster) {
    std::fprintf(stderr, "kubemonitor-demo: %s\n", cluster.error().toString().c_str());
    return 1;
  }

  const std::string server_log = work.path() + "/server.log";
  const std::string server_port_file = work.path() + "/server.port";
  auto server = demo::ServiceProcess::start(
      {(bin_dir / "kubemonitor-server").string(), "--listen", "127.0.0.1:" + std::to_string(port), "--data-dir",
       work.path() + "/data", "--port-file", server_port_file},
      server_log);
  if (!server) {
    std::fprintf(stderr, "kubemonitor-demo: %s\n", server.error().toString().c_str());
    return 1;
  }
  const auto bound_port = waitForServerPort(*server, server_port_file);
  if (!bound_port) {
    if (g_stop_signal != 0) return 0;
    std::fprintf(stderr, "kubemonitor-demo: kubemonitor-server did not start (%s). Its log:\n%s",
                 server->running() ? "no port after 15 s" : server->endedHow().c_str(), tail(server_log, 20).c_str());
    return 1;
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(*bound_port);

  const std::string agent_log = work.path() + "/agent.log";
  auto agent = demo::ServiceProcess::start(
      {(bin_dir / "kubemonitor-agent").string(), "--server", url, "--kube-api", (*cluster)->kubeApiUrl(), "--interval",
       std::to_string(interval_seconds), "--node-name", node_name, "--host-root", "/",
       // Exactly the demo's pod tree, whatever else (a kubelet, tests, benchmarks) has one here.
       "--kubepods-cgroup", (*cluster)->kubepodsPath()},
      agent_log);
  if (!agent) {
    std::fprintf(stderr, "kubemonitor-demo: %s\n", agent.error().toString().c_str());
    return 1;
  }
  printWelcome(url, **cluster, node_name, interval_seconds);
  if (!port_file.empty()) {
    if (auto written = writeFileAtomically(port_file, std::to_string(*bound_port) + "\n"); !written) {
      std::fprintf(stderr, "kubemonitor-demo: --port-file: %s\n", written.error().toString().c_str());
      return 1;
    }
  }

  int rc = 0;
  const auto started = std::chrono::steady_clock::now();
  while (g_stop_signal == 0) {
    for (const auto& [process, name, log] : {std::tuple{&*server, "kubemonitor-server", &server_log},
                                             std::tuple{&*agent, "kubemonitor-agent", &agent_log}}) {
      if (!process->running() && g_stop_signal == 0) {
        std::fprintf(stderr, "kubemonitor-demo: %s stopped (%s). Its log:\n%s", name, process->endedHow().c_str(),
                     tail(*log, 20).c_str());
        rc = 1;
      }
    }
    if (rc != 0) break;
    if (duration_seconds > 0 &&
        std::chrono::steady_clock::now() - started >= std::chrono::duration<double>(duration_seconds)) {
      break;
    }
    nap(std::chrono::milliseconds(200));
  }

  std::printf("\nkubemonitor-demo: stopping agent and server, removing the pods...\n");
  std::fflush(stdout);
  agent->stop(kStopGrace);
  server->stop(kStopGrace);
  cluster->reset();
  std::printf("kubemonitor-demo: removed everything\n");
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  // Exceptions stop here (DESIGN rule 6): the library returns errors as values.
  try {
    return runDemo(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kubemonitor-demo: fatal: %s\n", e.what());
    return 1;
  }
}
