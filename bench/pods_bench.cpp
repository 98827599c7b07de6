// Agent cost with pods (issues 3 and 18): N fake pods of 3 containers each (a sandbox in a network
// namespace of its own, two application containers holding 1 MiB; every 4th application container
// busy 1 % of the time, at most kMaxWorkingContainers of them) on real cgroups of this host, for
// N = 10, 110, 500. Measured in the same run:
// - the kernel floor (kernel_floor.h): the files a pod monitor must read each cycle, kept open
//   and re-read without parsing — per pod and container cgroup cpuacct.usage, cpu.stat,
//   memory.usage_in_bytes, memory.stat, memory.oom_control; per pod its recursive blkio bytes and
//   one net/dev;
// - whole agent cycles in-process (discovery, every cgroup, network, the report encoded and
//   compressed);
// - the real agent process shipping to a real server: CPU per cycle, VmRSS, and the charge of its
//   own memory cgroup (RSS + page cache + kernel memory, peak);
// - Debian's netdata (1.37, its internal cgroups and proc plugins with the cgroup-name.sh helper
//   of netdata-plugins-bash, bound to 127.0.0.1) on the same pods at the same interval, measured
//   once it charts every application container.

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

#include <set>

#include "agent/agent_loop.h"
#include "agent/fd_budget.h"
#include "bench_result.h"
#include "bench_servers.h"
#include "cgroup/cgroup_mounts.h"
#include "cgroup/testing/fake_pod_host.h"
#include "common/compression.h"
#include "common/http_client.h"
#include "kernel_floor.h"
#include "memory_cgroup.h"
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

// Busy application containers (1 % each) at most: 500 pods' every 4th would be 2.5 CPUs of load.
constexpr int kMaxWorkingContainers = 60;

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

constexpr std::string_view kNetdataPlugins = "/usr/lib/netdata/plugins.d";

bool writeNetdataConfig(const std::string& dir, int port, double interval) {
  std::ofstream conf(dir + "/netdata.conf");
  const int every = std::max(1, static_cast<int>(interval));
  conf << "[global]\n  run as user = root\n  update every = " << every << "\n"
       << "[directories]\n  config = " << dir << "\n  stock config = /usr/lib/netdata/conf.d\n  log = " << dir
       << "\n  cache = " << dir << "\n  lib = " << dir << "\n  lock = " << dir << "\n  home = " << dir
       << "\n  plugins = " << kNetdataPlugins << "\n"
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
       // Named by netdata-plugins-bash's helper, as on a real node: without it netdata charts no container.
       << "  run script to rename cgroups matching = *\n"
       << "  script to get cgroup names = " << kNetdataPlugins << "/cgroup-name.sh\n";
  // netdata reports anonymous statistics unless this file exists.
  std::ofstream(dir + "/.opt-out-from-anonymous-statistics") << "";
  return conf.good();
}

// Counts the charts netdata built for cgroups ("cgroup_<name>.cpu"), by asking its API.
int netdataContainerCharts(int port) {
  HttpClient client(std::chrono::seconds(2));
  auto answer = client.get("http://127.0.0.1:" + std::to_string(port) + "/api/v1/charts");
  if (!answer || answer->status != 200) return -1;
  std::set<std::string_view> charts;
  const std::string_view body = answer->body;
  for (size_t at = body.find("\"cgroup_"); at != std::string_view::npos; at = body.find("\"cgroup_", at + 1)) {
    const size_t end = body.find('"', at + 1);
    if (end == std::string_view::npos) break;
    const std::string_view name = body.substr(at + 1, end - at - 1);
    if (name.ends_with(".cpu")) charts.insert(name);
  }
  return static_cast<int>(charts.size());
}

// `argv` run by a shell that first moves itself into `cgroup` (its charge starts at exec).
std::vector<std::string> inMemoryCgroup(const MemoryCgroup& cgroup, const std::vector<std::string>& argv) {
  if (!cgroup.ok()) return argv;
  std::string command = "echo 0 > '" + cgroup.procsFile() + "' && exec";
  for (const auto& arg : argv) command += " '" + arg + "'";
  return {"/bin/sh", "-c", command};
}

void addCharge(BenchResult& result, const std::string& prefix, const MemoryCharge& charge) {
  constexpr double kMiB = 1 << 20;
  result.add(prefix + "memcg_peak_mib", static_cast<double>(charge.peak_bytes) / kMiB);
  result.add(prefix + "memcg_rss_mib", static_cast<double>(charge.rss_bytes) / kMiB);
  result.add(prefix + "memcg_cache_mib", static_cast<double>(charge.cache_bytes) / kMiB);
  result.add(prefix + "memcg_kernel_mib", static_cast<double>(charge.kernel_bytes) / kMiB);
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
    std::vector<std::string> pod_cgroups, cgroups;  // cgroups: pods and every container, sandboxes too
    std::vector<pid_t> sandbox_pids;
    int working = 0;
    for (int i = 0; i < pods && host.errors().empty(); ++i) {
      const auto qos = static_cast<hosttest::Qos>(i % 3);
      const std::string pod = host.addPod(qos, uidFor(i));
      pod_cgroups.push_back(pod);
      cgroups.push_back(pod);
      cgroups.push_back(host.addContainer(pod, idFor(3 * i)));
      sandbox_pids.push_back(host.start(cgroups.back(), "", {"pause-netns"}).pid);
      for (int k = 1; k <= 2; ++k) {
        cgroups.push_back(host.addContainer(pod, idFor(3 * i + k)));
        const bool works = (2 * i + k) % 4 == 0 && working < kMaxWorkingContainers;
        working += works ? 1 : 0;
        host.start(cgroups.back(), "", works ? std::vector<std::string>{"spin-duty", "1"} : std::vector<std::string>{"hold", "1"});
      }
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
    // The floor first, on the same pods: the files every cycle of a pod monitor must produce.
    const auto kept_bytes = static_cast<size_t>(options.kept_files_mib * (1 << 20));
    cgroup::CgroupReader reader(fs, *mounts, agent::raiseDescriptorLimit(cgroup::CgroupReader::kDefaultMaxOpenFiles),
                                kept_bytes);
    std::vector<std::string> floor_files;
    auto addFile = [&](std::string_view controller, const std::string& cgroup_path, std::string_view file) {
      if (auto dir = reader.directory(controller, cgroup_path)) floor_files.push_back((*dir / file).string());
    };
    for (const auto& path : cgroups) {
      addFile("cpuacct", path, "cpuacct.usage");
      addFile("cpu", path, "cpu.stat");
      addFile("memory", path, "memory.usage_in_bytes");
      addFile("memory", path, "memory.stat");
      addFile("memory", path, "memory.oom_control");
    }
    for (const auto& path : pod_cgroups) addFile("blkio", path, "blkio.throttle.io_service_bytes_recursive");
    for (pid_t pid : sandbox_pids) floor_files.push_back(fs.paths().procPidNetDev(pid).string());
    const KernelFloor floor = measureKernelFloor(floor_files, pods >= 500 ? 20 : 50);
    result.add(tag + "floor_files", static_cast<double>(floor.files));
    result.add(tag + "floor_cpu_ms_per_cycle", floor.cpu_ms_per_cycle);
    result.add(tag + "floor_kernel_ms_per_cycle", floor.system_ms_per_cycle);

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
    const double in_process_ms = (selfCpuSeconds() - cpu_before) * 1000 / cycles;
    result.add(tag + "cpu_ms_per_cycle", in_process_ms);
    result.add(tag + "kernel_cpu_ms_per_cycle", (selfSystemCpuSeconds() - system_before) * 1000 / cycles);
    result.add(tag + "cgroup_files_open", static_cast<double>(reader.openFiles()));
    result.add(tag + "cpu_ratio_to_floor", in_process_ms / floor.cpu_ms_per_cycle);
    result.add(tag + "wall_ms_per_cycle", duration<double>(steady_clock::now() - wall_before).count() * 1000 / cycles);
    result.add(tag + "report_bytes_zstd", static_cast<double>(report_bytes));

    // The real agent process shipping to a real server, at options.interval.
    RunningServer server;
    if (!startServer(options.bin_dir, server)) return 1;
    MemoryCgroup agent_memory("agent");  // outlives the agent process (declared before it)
    auto agent = testing::ChildProcess::spawn(
        inMemoryCgroup(agent_memory, {options.bin_dir + "/kubemonitor-agent", "--server", server.url, "--interval",
                                      std::to_string(options.interval), "--node-name", "bench-node",
                                      "--kubepods-cgroup", host.kubepodsPath(), "--kept-files-memory",
                                      std::to_string(options.kept_files_mib)}),
        "", server.dir.path() + "/agent.log");
    std::this_thread::sleep_for(duration<double>(options.warmup_seconds));
    const ProcessUsage agent_start = treeUsage(agent.pid());
    std::this_thread::sleep_for(duration<double>(options.seconds));
    const ProcessUsage agent_end = treeUsage(agent.pid());
    const double agent_cpu_ms_per_cycle =
        (agent_end.cpu_seconds - agent_start.cpu_seconds) * 1000 / (options.seconds / options.interval);
    result.add(tag + "process_cpu_ms_per_cycle", agent_cpu_ms_per_cycle);
    result.add(tag + "process_rss_mib", static_cast<double>(agent_end.rss_bytes) / (1 << 20));
    const MemoryCharge agent_charge = agent_memory.charge();
    addCharge(result, tag + "agent_", agent_charge);
    // Cgroups the agent reports on: each pod and its two application containers.
    const double agent_cpu_ms_per_cgroup = agent_cpu_ms_per_cycle / (3.0 * pods);

    // The yardstick: netdata on the same pods, same interval.
    if (access(options.netdata.c_str(), X_OK) != 0) {
      spdlog::warn("pods benchmark: {} not found; no yardstick", options.netdata);
      continue;
    }
    testing::TempDir nd_dir;
    const int port = freeLoopbackPort();
    if (!writeNetdataConfig(nd_dir.path(), port, options.interval)) return 1;
    MemoryCgroup netdata_memory("netdata");
    auto netdata = testing::ChildProcess::spawn(
        inMemoryCgroup(netdata_memory, {options.netdata, "-D", "-c", nd_dir.path() + "/netdata.conf"}),
        nd_dir.path() + "/stdout.log", nd_dir.path() + "/stderr.log");
    // Until netdata has a chart for every application container (2 per pod), bounded: its naming
    // helper runs once per cgroup (~0.5 s each at 500 pods on this VM).
    const auto deadline = steady_clock::now() + std::chrono::seconds(120 + pods);
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
    const MemoryCharge netdata_charge = netdata_memory.charge();
    addCharge(result, tag + "netdata_", netdata_charge);
    if (charts > 0) {
      result.add(tag + "netdata_cpu_per_cgroup_over_agent", nd_cpu_ms_per_cycle / charts / agent_cpu_ms_per_cgroup);
    }
    if (agent_charge.peak_bytes > 0) {
      result.add(tag + "netdata_memory_over_agent",
                 static_cast<double>(netdata_charge.peak_bytes) / static_cast<double>(agent_charge.peak_bytes));
    }
  }
  return 0;
}

}  // namespace kubemonitor::bench
