// Agent cost at node level: CPU time of one collection cycle (read /proc, compute, encode, zstd)
// measured in-process over many cycles, and the resident memory of the real agent process
// running against a real server.

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "agent/agent_loop.h"
#include "bench_result.h"
#include "bench_servers.h"
#include "common/compression.h"
#include "hostfs/rooted_host_fs.h"
#include "model/report_json.h"
#include "process_usage.h"

namespace kubemonitor::bench {
namespace {

class NeverWaits final : public agent::Waiter {
 public:
  bool sleepUntil(WallTime) override { return true; }
};

}  // namespace

int runAgentBench(const AgentBenchOptions& options, BenchResult& result) {
  SystemClock clock;
  NeverWaits waiter;
  hostfs::RootedHostFs fs("/");
  agent::AgentConfig config;
  config.node_name = "bench-node";
  agent::AgentLoop loop(config, fs, clock, waiter);
  loop.collect();  // baseline
  size_t bytes = 0;
  const double cpu_before = selfCpuSeconds();
  const auto wall_before = std::chrono::steady_clock::now();
  for (int i = 0; i < options.cycles; ++i) {
    auto report = loop.collect();
    if (!report) {
      spdlog::error("collection failed");
      return 1;
    }
    bytes = compressZstd(model::encodeReport(*report)).size();
  }
  const double cpu_seconds = selfCpuSeconds() - cpu_before;
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  result.add("cycles", options.cycles);
  result.add("cpu_ms_per_cycle", cpu_seconds * 1000 / options.cycles);
  result.add("wall_ms_per_cycle", wall_seconds * 1000 / options.cycles);
  result.add("report_bytes_zstd", static_cast<double>(bytes));

  // The real agent, shipping every 0.5 s to a real server.
  RunningServer server;
  if (!startServer(options.bin_dir, server)) return 1;
  constexpr double kInterval = 0.5;
  auto agent = testing::ChildProcess::spawn({options.bin_dir + "/kubemonitor-agent", "--server", server.url,
                                             "--interval", std::to_string(kInterval), "--node-name", "bench-node"},
                                            "", server.dir.path() + "/agent.log");
  std::this_thread::sleep_for(std::chrono::duration<double>(options.process_seconds));
  auto usage = readProcessUsage(agent.pid());
  if (!usage) {
    spdlog::error("agent usage: {}", usage.error().toString());
    return 1;
  }
  result.add("process_rss_mib", static_cast<double>(usage->rss_bytes) / (1 << 20));
  result.add("process_cpu_ms_per_cycle", usage->cpu_seconds * 1000 / (options.process_seconds / kInterval));
  return 0;
}

}  // namespace kubemonitor::bench
