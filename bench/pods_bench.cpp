// Agent cost with pods (issue 3): N fake pods of 3 containers each (a sandbox in a network
// namespace of its own, two application containers holding 1 MiB) on real cgroups of this host,
// for N = 10, 110, 500. Measured: CPU time of one whole collection cycle in-process (discovery,
// every cgroup, network, the report encoded and compressed), and the real agent process's CPU per
// cycle and RSS while it ships to a real server. On the same pods, Debian's netdata (1.37, its
// internal cgroups and proc plugins, everything else off, bound to 127.0.0.1) as the yardstick,
// at the same update interval.

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "agent/agent_loop.h"
#include "agent/fd_budget.h"
#include "bench_result.h"
#include "bench_servers.h"
#include "cgroup/cgroup_mounts.h"
#include "cgroup/testing/fake_pod_host.h"
#include "common/compression.h"
#include "hostfs/rooted_host_fs.h"
#include "model/report_json.h"
#include "process_usage.h"

namespace kubemonitor::bench {
namespace {

using std::chrono::duration;
using std::chrono::steady_clock;

class NeverWaits final : public agent::Waiter {
 public:
  bool sleepUntil(WallTime) override { return true; }
};

std::string uidFor(int n) { return hosttest::fakePodUid(0xbe0c0000, n); }
std::string idFor(int n) { return hosttest::fakeContainerId(0xbe7c, n); }

// CPU seconds and RSS of `pid` plus its live children (netdata forks helpers).
ProcessUsage treeUsage(pid_t pid) {
  ProcessUsage total;
  if (auto own = readProcessUsage(pid)) total = *own;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return total;
  while (dirent* entry = readdir(proc)) {
    const int child = std::atoi(entry->d_name);
    if (child <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    int ppid = 0;
    char state = 0;
    if (std::sscanf(text.c_str() + close + 2, "%c %d", &state, &ppid) != 2 || ppid != pid) continue;
    if (auto usage = readProcessUsage(child)) {
      total.cpu_seconds += usage->cpu_seconds;
      total.rss_bytes += usage->rss_bytes;
    }
  }
  closedir(proc);
  return total;
}

bool writeNetdataConfig(const std::string& dir, int port, double interval) {
  std::ofstream conf(dir + "/netdata.conf");
  const int every = std::max(1, static_cast<int>(interval));
  conf << "[global]\n  run as user = root\n  update every = " << every << "\n"
       << "[directories]\n  config = " << dir << "\n  stock config = /usr/lib/netdata/conf.d\n  log = " << dir
       << "\n  cache = " << dir << "\n  lib = " << dir << "\n  lock = " << dir << "\n  home = " << dir
       << "\n  plugins = " << dir << "\n"
       << "[db]\n  mode = ram\n  retention = 600\n"
       << "[web]\n  bind to = 127.0.0.1:" << port << "\n"
       << "[ml]\n  enabled = no\n[health]\n  enabled = no\n[registry]\n  enabled = no\n[statsd]\n  enabled = no\n"
       << "[cloud]\n  proxy = none\n"
       << "[plugins]\n  enable running new plugins = no\n  check for new plugins every = 3600\n  proc = yes\n"
       << "  cgroups = yes\n  tc = no\n  idlejitter = no\n  diskspace = yes\n  timex = no\n  checks = no\n"
       << "  netdata monitoring = no\n  apps = no\n  python.d = no\n  charts.d = no\n  go.d = no\n  ebpf = no\n"
       << "  perf = no\n  slabinfo = no\n  nfacct = no\n  fping = no\n  ioping = no\n  cups = no\n  freeipmi = no\n"
       << "[plugin:cgroups]\n  update every = " << every << "\n  check for new cgroups every = " << every << "\n"
       << "  max cgroups to allow = 5000\n  max cgroups depth to monitor = 0\n"
       << "  enable by default cgroups matching = */kubepods/pod*/* */kubepods/*/pod*/* !*\n"
       << "  search for cgroups in subpaths matching = *\n"
       << "  run script to rename cgroups matching = !*\n";
  // netdata reports anonymous statistics unless this file exists.
  std::ofstream(dir + "/.opt-out-from-anonymous-statistics") << "";
  return conf.good();
}

// Counts the charts netdata built for our pods' containers (cgroup_<name>.cpu), by asking its API.
int netdataContainerCharts(int port) {
  const std::string command = "curl -s --max-time 2 http://127.0.0.1:" + std::to_string(port) +
                              "/api/v1/charts | grep -o '\"cgroup_[^\"]*\\.cpu\"' | sort -u | wc -l";
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) return -1;
  int count = -1;
  if (std::fscanf(out, "%d", &count) != 1) count = -1;
  pclose(out);
  return count;
}

// A loopback port that was free a moment ago (netdata has no "port 0 and tell me" mode).
int freeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 19999;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

}  // namespace

int runPodsBench(const PodsBenchOptions& options, BenchResult& result) {
  if (auto reason = hosttest::FakePodHost::unsupportedReason(); !reason.empty()) {
    spdlog::error("pods benchmark: {}", reason);
    return 1;
  }
  for (int pods : options.pod_counts) {
    const std::string tag = "p" + std::to_string(pods) + "_";
    hosttest::FakePodHost host(hosttest::Layout::kCgroupfs);
    for (int i = 0; i < pods && host.errors().empty(); ++i) {
      const auto qos = static_cast<hosttest::Qos>(i % 3);
      const std::string pod = host.addPod(qos, uidFor(i));
      host.start(host.addContainer(pod, idFor(3 * i)), "", {"pause-netns"});
      host.start(host.addContainer(pod, idFor(3 * i + 1)), "", {"hold", "1"});
      host.start(host.addContainer(pod, idFor(3 * i + 2)), "", {"hold", "1"});
    }
    if (!host.errors().empty()) {
      spdlog::error("pods benchmark: {}", host.errors().front());
      return 1;
    }

    // In-process: whole cycles of the agent loop, node and pods, report encoded and compressed.
    SystemClock clock;
    NeverWaits waiter;
    hostfs::RootedHostFs fs("/");
    auto mounts = cgroup::readHostCgroupMounts(fs);
    if (!mounts) {
      spdlog::error("pods benchmark: {}", mounts.error().toString());
      return 1;
    }
    cgroup::CgroupReader reader(fs, *mounts, agent::raiseDescriptorLimit(cgroup::CgroupReader::kDefaultMaxOpenFiles));
    cgroup::PodDiscovery discovery(fs, reader, cgroup::ResolverChain::standard(),
                                   cgroup::PodDiscovery::Options{host.kubepodsPath()});
    agent::PodCollector collector(fs, reader, discovery, clock);
    agent::AgentConfig config;
    config.node_name = "bench-node";
    agent::AgentLoop loop(config, fs, clock, waiter);
    loop.attachPods(collector, nullptr);
    loop.collect();
    const int cycles = pods >= 500 ? 20 : 50;
    size_t report_bytes = 0;
    size_t reported_pods = 0;
    const double cpu_before = selfCpuSeconds();
    const double system_before = selfSystemCpuSeconds();
    const auto wall_before = steady_clock::now();
    for (int i = 0; i < cycles; ++i) {
      auto report = loop.collect();
      if (!report) return 1;
      reported_pods = report->pods.size();
      report_bytes = compressZstd(model::encodeReport(*report)).size();
    }
    if (reported_pods != static_cast<size_t>(pods)) {
      spdlog::error("pods benchmark: the agent found {} of {} pods", reported_pods, pods);
      return 1;
    }
    result.add(tag + "cpu_ms_per_cycle", (selfCpuSeconds() - cpu_before) * 1000 / cycles);
    result.add(tag + "kernel_cpu_ms_per_cycle", (selfSystemCpuSeconds() - system_before) * 1000 / cycles);
    result.add(tag + "cgroup_files_open", static_cast<double>(reader.openFiles()));
    result.add(tag + "wall_ms_per_cycle", duration<double>(steady_clock::now() - wall_before).count() * 1000 / cycles);
    result.add(tag + "report_bytes_zstd", static_cast<double>(report_bytes));

    // The real agent process shipping to a real server, at options.interval.
    RunningServer server;
    if (!startServer(options.bin_dir, server)) return 1;
    auto agent = testing::ChildProcess::spawn({options.bin_dir + "/kubemonitor-agent", "--server", server.url, "--interval",
                                               std::to_string(options.interval), "--node-name", "bench-node",
                                               "--kubepods-cgroup", host.kubepodsPath()},
                                              "", server.dir.path() + "/agent.log");
    std::this_thread::sleep_for(duration<double>(options.warmup_seconds));
    const ProcessUsage agent_start = treeUsage(agent.pid());
    std::this_thread::sleep_for(duration<double>(options.seconds));
    const ProcessUsage agent_end = treeUsage(agent.pid());
    const double agent_cpu_ms_per_cycle =
        (agent_end.cpu_seconds - agent_start.cpu_seconds) * 1000 / (options.seconds / options.interval);
    result.add(tag + "process_cpu_ms_per_cycle", agent_cpu_ms_per_cycle);
    result.add(tag + "process_rss_mib", static_cast<double>(agent_end.rss_bytes) / (1 << 20));

    // The yardstick: netdata on the same pods, same interval.
    if (access(options.netdata.c_str(), X_OK) != 0) {
      spdlog::warn("pods benchmark: {} not found; no yardstick", options.netdata);
      continue;
    }
    testing::TempDir nd_dir;
    const int port = freeLoopbackPort();
    if (!writeNetdataConfig(nd_dir.path(), port, options.interval)) return 1;
    auto netdata = testing::ChildProcess::spawn({options.netdata, "-D", "-c", nd_dir.path() + "/netdata.conf"},
                                                nd_dir.path() + "/stdout.log", nd_dir.path() + "/stderr.log");
    // Until netdata has a chart for every application container (2 per pod), bounded.
    const auto deadline = steady_clock::now() + std::chrono::seconds(120);
    int charts = 0;
    while (steady_clock::now() < deadline && (charts = netdataContainerCharts(port)) < 2 * pods) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    result.add(tag + "netdata_container_charts", charts);
    std::this_thread::sleep_for(duration<double>(options.warmup_seconds));
    const ProcessUsage nd_start = treeUsage(netdata.pid());
    std::this_thread::sleep_for(duration<double>(options.seconds));
    const ProcessUsage nd_end = treeUsage(netdata.pid());
    const double nd_cpu_ms_per_cycle =
        (nd_end.cpu_seconds - nd_start.cpu_seconds) * 1000 / (options.seconds / std::max(1.0, options.interval));
    result.add(tag + "netdata_cpu_ms_per_cycle", nd_cpu_ms_per_cycle);
    result.add(tag + "netdata_rss_mib", static_cast<double>(nd_end.rss_bytes) / (1 << 20));
    result.add(tag + "cpu_ratio_agent_to_netdata", agent_cpu_ms_per_cycle / nd_cpu_ms_per_cycle);
    result.add(tag + "rss_ratio_agent_to_netdata",
               static_cast<double>(agent_end.rss_bytes) / static_cast<double>(nd_end.rss_bytes));
  }
  return 0;
}

}  // namespace kubemonitor::bench
