// kubemonitor-agent: collects this node's usage from /proc and pushes one report per interval
// to kubemonitor-server (DESIGN.md §2). Flags are also read from the environment variables in
// brackets, so the DaemonSet can configure it without a command line.

#include <malloc.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/agent_loop.h"
#include "agent/heartbeat.h"
#include "agent/fd_budget.h"
#include "agent/http_report_sink.h"
#include "agent/kube_pod_names.h"
#include "agent/kube_setup.h"
#include "agent/pod_collector.h"
#include "cgroup/cgroup_mounts.h"
#include "cgroup/pod_discovery.h"
#include "agent/waiter.h"
#include "common/clock.h"
#include "common/files.h"
#include "common/text.h"
#include "common/time_format.h"
#include "hostfs/rooted_host_fs.h"
#include "kube/kube_http.h"
#include "kube/pod_watcher.h"
#include "model/report_json.h"

namespace {

std::string hostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

int runAgent(int argc, char** argv) {
  using namespace kubemonitor;
  CLI::App app{"kubemonitor-agent: node usage collector; pushes reports to kubemonitor-server"};
  std::string server_url;
  std::string node_name = hostName();
  double interval_seconds = 5;
  std::string host_root = "/";
  std::string token_file;
  std::string buffer_text = "15m";
  bool once = false;
  std::string heartbeat_file;
  std::string ca_file;
  std::string check_heartbeat;
  double heartbeat_max_age_seconds = 60;
  std::string cgroup_mode_flag = "auto";
  std::string kube_api = "auto";
  std::string kubeconfig;
  std::string kubepods_cgroup;
  double kept_files_mib = static_cast<double>(cgroup::CgroupReader::kDefaultMaxPinnedBytes) / (1 << 20);
  app.add_option("--kept-files-memory", kept_files_mib,
                 "MiB of kernel memory the cgroup and /proc files kept open may pin (charged to the agent)")
      ->envname("KEPT_FILES_MEMORY_MIB")
      ->check(CLI::Range(0.0, 4096.0));
  app.add_option("--server", server_url, "kubemonitor-server base URL, e.g. http://127.0.0.1:8080")->envname("API_SERVER_URL");
  app.add_option("--node-name", node_name, "Kubernetes node name (default: hostname)")->envname("NODE_NAME");
  app.add_option("--interval", interval_seconds, "collection interval in seconds")
      ->envname("COLLECT_INTERVAL")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--host-root", host_root, "where the host's / is mounted (/host in the DaemonSet)")->envname("HOST_ROOT");
  app.add_option("--token-file", token_file, "file holding the ingest Bearer token")->envname("INGEST_TOKEN_FILE");
  app.add_option("--buffer", buffer_text, "how much history to keep while the server is away (e.g. 15m)");
  app.add_flag("--once", once, "take two samples one interval apart, print the report JSON, exit");
  app.add_option("--ca-file", ca_file, "PEM CA bundle to verify an https --server (default: the system's)")
      ->envname("SERVER_CA_FILE");
  app.add_option("--heartbeat-file", heartbeat_file, "write the Unix time here after every cycle (liveness probe)")
      ->envname("HEARTBEAT_FILE");
  app.add_option("--check-heartbeat", check_heartbeat,
                 "probe mode: exit 0 if this heartbeat file is fresh (see --heartbeat-max-age), else 1");
  app.add_option("--heartbeat-max-age", heartbeat_max_age_seconds, "seconds a heartbeat stays fresh")
      ->check(CLI::Range(1.0, 86400.0));
  app.add_option("--cgroup-mode", cgroup_mode_flag,
                 "auto (detect from <host-root>/proc/1/mountinfo), v1, hybrid or v2")
      ->envname("CGROUP_MODE");
  app.add_option("--kube-api", kube_api,
                 "pod names from: auto (in-cluster when KUBERNETES_SERVICE_HOST is set), in-cluster, off, or a URL "
                 "such as http://127.0.0.1:8001 (kubectl proxy)")
      ->envname("KUBE_API");
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig whose current context names the pods (bearer-token users)")
      ->envname("KUBECONFIG");
  app.add_option("--kubepods-cgroup", kubepods_cgroup,
                 "kubelet's pod cgroup, e.g. /kubepods.slice (default: found at the top of the tree or one level down)")
      ->envname("KUBEPODS_CGROUP");
  CLI11_PARSE(app, argc, argv);
  if (!check_heartbeat.empty()) {
    SystemClock probe_clock;
    auto fresh = agent::checkHeartbeat(check_heartbeat, toUnixMs(probe_clock.wallNow()) / 1000,
                                       std::chrono::seconds(std::llround(heartbeat_max_age_seconds)));
    if (!fresh) std::fprintf(stderr, "kubemonitor-agent: %s\n", fresh.error().toString().c_str());
    return fresh ? 0 : 1;
  }

  spdlog::set_default_logger(spdlog::stderr_color_mt("agent"));
  // Blocks SIGTERM/SIGINT before any thread starts, so every thread inherits the mask and only
  // sigtimedwait in the main loop receives them.
  SystemClock clock;
  agent::SignalWaiter waiter(clock);

  auto buffer_seconds = parseDurationSeconds(buffer_text);
  if (!buffer_seconds) {
    spdlog::error("--buffer: {}", buffer_seconds.error().toString());
    return 2;
  }
  if (!once && server_url.empty()) {
    spdlog::error("--server (or API_SERVER_URL) is required unless --once is given");
    return 2;
  }
  std::string token;
  if (!token_file.empty()) {
    auto read = readTokenFile(token_file);
    if (!read) {
      spdlog::error("--token-file: {}", read.error().toString());
      return 2;
    }
    token = *read;
  }

  agent::AgentConfig config;
  config.node_name = node_name;
  config.interval = std::chrono::milliseconds(std::llround(interval_seconds * 1000));
  config.buffer = std::chrono::seconds(*buffer_seconds);
  config.heartbeat_file = heartbeat_file;
  hostfs::RootedHostFs fs(host_root);
  agent::AgentLoop loop(config, fs, clock, waiter);

  auto forced_mode = cgroup::parseCgroupModeFlag(cgroup_mode_flag);
  if (!forced_mode) {
    spdlog::error("--cgroup-mode: {}", forced_mode.error().toString());
    return 2;
  }
  auto kube_config = agent::resolveKubeApi(kube_api, kubeconfig, kube::processEnvLookup());
  if (!kube_config) {
    spdlog::error("--kube-api/--kubeconfig: {}", kube_config.error().toString());
    return 2;
  }
  // The watcher keeps names current on its own thread; the loop reads immutable snapshots.
  kube::PodCatalog catalog;
  std::optional<kube::BeastKubeHttp> kube_http;
  std::optional<kube::PodWatcher> watcher;
  std::optional<agent::KubePodNameSource> pod_names;
  if (kube_config->has_value()) {
    spdlog::info("pod names from the Kubernetes API at {}", (*kube_config)->base_url);
    kube_http.emplace(std::move(**kube_config));
    watcher.emplace(*kube_http, node_name, catalog, clock);
    pod_names.emplace(catalog);
    watcher->start();
  } else {
    spdlog::info("no Kubernetes API (--kube-api off, or not in a cluster): pods are reported by UID");
  }
  // Without readable cgroups the agent still reports the node; pods need the cgroup tree.
  std::optional<cgroup::CgroupReader> cgroup_reader;
  std::optional<cgroup::PodDiscovery> discovery;
  std::optional<agent::PodCollector> pod_collector;
  if (auto mounts = cgroup::readHostCgroupMounts(fs, *forced_mode); mounts) {
    spdlog::info("cgroup mode {}", cgroup::cgroupModeName(mounts->mode));
    cgroup_reader.emplace(fs, std::move(*mounts), agent::raiseDescriptorLimit(cgroup::CgroupReader::kDefaultMaxOpenFiles),
                          static_cast<size_t>(kept_files_mib * (1 << 20)));
    discovery.emplace(fs, *cgroup_reader, cgroup::ResolverChain::standard(),
                      cgroup::PodDiscovery::Options{kubepods_cgroup});
    pod_collector.emplace(fs, *cgroup_reader, *discovery, clock);
    loop.attachPods(*pod_collector, pod_names ? &*pod_names : nullptr);
  } else {
    spdlog::error("no pods will be reported: {}", mounts.error().toString());
  }

  if (once) {
    // One report should carry names: give the first LIST a bounded chance to land (or fail).
    const auto sync_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (watcher && catalog.state().state == kube::SyncState::kNeverSynced && catalog.state().errors == 0 &&
           std::chrono::steady_clock::now() < sync_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (watcher && catalog.state().state == kube::SyncState::kNeverSynced) {
      spdlog::warn("the Kubernetes API did not answer within 10 s ({}); pods by UID", catalog.state().last_error);
    }
    auto report = loop.collectOnce();
    if (!report) {
      spdlog::error("{}", report.error().toString());
      return 1;
    }
    std::puts(model::encodeReport(*report).c_str());
    return 0;
  }
  spdlog::info("kubemonitor-agent: node {} every {} ms from {} to {}", node_name, config.interval.count(), host_root,
               server_url);
  agent::HttpReportSink sink(server_url, token, ca_file);
  const uint64_t queued = loop.run(sink);
  spdlog::info("stopped after {} reports", queued);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Exceptions stop here (DESIGN rule 6): library code returns errors as values.
  try {
    // The agent runs on every node, so its resident memory is part of its contract (issue 3).
    // glibc's defaults keep what was freed: an arena per thread, and a dynamic mmap threshold that,
    // once a large buffer (a report's JSON, zstd's workspace) was freed, puts the next ones on the
    // heap, which is not given back. Two arenas (the threads rarely allocate at the same time) and
    // a fixed 64 KiB threshold (large buffers are mapped and unmapped) keep the RSS to what is live.
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024);
    return runAgent(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kubemonitor-agent: fatal: %s\n", e.what());
    return 1;
  }
}
