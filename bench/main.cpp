// kubemonitor-bench: `agent` (CPU per collection cycle, RSS), `ingest` (server requests/s over
// keep-alive connections on loopback, idle RSS), `load` (simulated cluster: agents with pods, then
// queries), `all` (agent and ingest). Figures go to docs/benchmarks.md.

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "bench_result.h"
#include "common/json_writer.h"

namespace kubemonitor::bench {

void BenchResult::print(bool json) const {
  if (json) {
    std::string out;
    JsonWriter writer(out);
    writer.beginObject().field("benchmark", name);
    for (const auto& [figure, value] : figures) writer.field(figure, value);
    writer.endObject();
    std::puts(out.c_str());
    return;
  }
  std::printf("%s\n", name.c_str());
  for (const auto& [figure, value] : figures) std::printf("  %-32s %14.3f\n", figure.c_str(), value);
}

}  // namespace kubemonitor::bench

int main(int argc, char** argv) {
  using namespace kubemonitor::bench;
  CLI::App app{"kubemonitor-bench: kubemonitor's benchmarks"};
  bool json = false;
  app.add_flag("--json", json, "print one JSON line of figures per benchmark");
  const std::string default_bin = std::filesystem::absolute(argv[0]).parent_path().string();
  AgentBenchOptions agent_options{500, 10, default_bin};
  IngestBenchOptions ingest_options{4, 10, default_bin};
  auto* agent = app.add_subcommand("agent", "agent CPU time per collection cycle and RSS (node level)");
  agent->add_option("--cycles", agent_options.cycles, "in-process cycles to measure");
  agent->add_option("--process-seconds", agent_options.process_seconds, "how long the real agent runs");
  auto* ingest = app.add_subcommand("ingest", "server ingest requests/s over keep-alive connections, idle RSS");
  ingest->add_option("--connections", ingest_options.connections, "keep-alive connections");
  ingest->add_option("--seconds", ingest_options.seconds, "measured duration");
  LoadBenchOptions load_options;
  load_options.bin_dir = default_bin;
  auto* load = app.add_subcommand("load", "N simulated agents with pods: ingest p50/p99, reports/s, server CPU and "
                                          "RSS, then /api/pods, pod 1 h and namespace 24 h query latency");
  load->add_option("--agents", load_options.agents, "simulated agents (nodes)")->check(CLI::Range(1, 100000));
  load->add_option("--pods", load_options.pods_per_agent, "pods per agent")->check(CLI::Range(0, 10000));
  load->add_option("--containers", load_options.containers_per_pod, "containers per pod")->check(CLI::Range(1, 100));
  load->add_option("--rounds", load_options.rounds, "reports per agent (5 s apart)")->check(CLI::Range(1, 100000));
  load->add_option("--client-threads", load_options.client_threads, "client threads")->check(CLI::Range(1, 1024));
  load->add_option("--query-repeats", load_options.query_repeats, "GETs per query")->check(CLI::Range(1, 100000));
  auto* all = app.add_subcommand("all", "every benchmark");
  app.require_subcommand(1);
  for (auto* sub : {agent, ingest, load, all}) sub->add_flag("--json", json, "one JSON line of figures");
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::warn);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = 0;
  if (agent->parsed() || all->parsed()) {
    BenchResult result{"agent", {}};
    rc |= runAgentBench(agent_options, result);
    result.print(json);
  }
  if (ingest->parsed() || all->parsed()) {
    BenchResult result{"ingest", {}};
    rc |= runIngestBench(ingest_options, result);
    result.print(json);
  }
  if (load->parsed()) {  // not part of `all`: minutes, and gigabytes of server memory
    BenchResult result{"load", {}};
    rc |= runLoadBench(load_options, result);
    result.print(json);
  }
  curl_global_cleanup();
  return rc;
}
