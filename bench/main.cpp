// kubemonitor-bench: `agent` (CPU per collection cycle, RSS), `ingest` (server requests/s over
// keep-alive connections on loopback, idle RSS), `wal` (durable appends/s with group commit),
// `codec` (tsdb chunk bytes/sample and speed), `pods` (agent with fake pods, netdata beside),
// `load` (open loop: a fleet of simulated agents with pods on their own clocks, queries beside),
// `storage` (embedded engine), `fields` (issue 14's API targets), `all`. Figures go to docs/benchmarks.md (WAL: docs/tsdb-wal.md).

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
  PodsBenchOptions pods_options;
  pods_options.bin_dir = default_bin;
  auto* pods = app.add_subcommand("pods", "agent CPU per cycle and RSS with 10/110/500 fake pods on real cgroups, netdata beside (root)");
  pods->add_option("--pods", pods_options.pod_counts, "pod counts to run")->delimiter(',');
  pods->add_option("--interval", pods_options.interval, "agent and netdata interval, seconds");
  pods->add_option("--seconds", pods_options.seconds, "measured duration per process");
  pods->add_option("--netdata", pods_options.netdata, "netdata binary (the yardstick)");
  pods->add_option("--kept-files-memory", pods_options.kept_files_mib, "the agent's kernel-memory budget for kept files, MiB");
  WalBenchOptions wal_options;
  wal_options.dir = std::filesystem::temp_directory_path().string();
  bool wal_no_sync = false;
  auto* wal = app.add_subcommand("wal", "WAL group commit: durable appends/s and bytes/s for 1, 4, 16 writers");
  wal->add_option("--writers", wal_options.writers, "writer thread counts, one run each")->delimiter(',');
  wal->add_option("--seconds", wal_options.seconds, "measured duration of each run");
  wal->add_option("--record-bytes", wal_options.record_bytes, "payload bytes per record");
  wal->add_option("--sync-interval-ms", wal_options.sync_interval_ms, "group commit window (0: sync every append)");
  wal->add_flag("--no-sync", wal_no_sync, "never fdatasync (page cache only)");
  wal->add_option("--dir", wal_options.dir, "directory on the disk to measure");
  CodecBenchOptions codec_options;
  auto* codec = app.add_subcommand("codec", "tsdb chunk codecs: bytes/sample per encoding and series, encode/decode speed");
  codec->add_option("--samples", codec_options.samples_per_series, "samples per generated series");
  codec->add_option("--repetitions", codec_options.repetitions, "timed encode/decode passes");
  codec->add_option("--corpus-dir", codec_options.corpus_dir, "also write one seed chunk per series shape here");
  LoadBenchOptions load_options;
  load_options.bin_dir = default_bin;
  auto* load = app.add_subcommand("load", "open loop: N simulated agents on their own clocks and connections post "
                                          "reports with pods; ingest and query latency, server CPU and RSS");
  load->add_option("--agents", load_options.agents, "simulated agents (nodes), one connection each")->check(CLI::Range(1, 100000));
  load->add_option("--pods", load_options.pods_per_agent, "pods per agent")->check(CLI::Range(0, 10000));
  load->add_option("--containers", load_options.containers_per_pod, "containers per pod")->check(CLI::Range(1, 100));
  load->add_option("--interval", load_options.interval_seconds, "seconds between an agent's reports")->check(CLI::Range(0.001, 3600.0));
  load->add_option("--duration", load_options.duration_seconds, "seconds of measured load")->check(CLI::Range(0.001, 86400.0));
  load->add_option("--warmup", load_options.warmup_seconds, "seconds of load before the measured part")->check(CLI::Range(0.0, 3600.0));
  load->add_option("--drain-seconds", load_options.drain_seconds, "most seconds outstanding reports get after the load")
      ->check(CLI::Range(0.0, 3600.0));
  load->add_option("--query-rate", load_options.query_rate, "single-object GETs per second during the load")->check(CLI::Range(0.0, 10000.0));
  load->add_option("--list-query-rate", load_options.list_query_rate, "list GETs per second during the load")->check(CLI::Range(0.0, 10000.0));
  load->add_option("--request-timeout", load_options.request_timeout_seconds, "seconds an ingest POST may take")->check(CLI::Range(0.001, 3600.0));
  load->add_flag("--closed-loop", load_options.closed_loop, "each agent posts its reports back to back (no clock)");
  load->add_option("--rounds", load_options.rounds, "--closed-loop: reports per agent")->check(CLI::Range(1, 100000));
  load->add_option("--seed", load_options.seed, "seed of the agents' phases and retry jitter");
  load->add_option("--server-arg", load_options.server_args, "extra kubemonitor-server flag (repeatable)")->allow_extra_args(false);
  load->add_option("--clickhouse-shards", load_options.clickhouse_shards,
                   "store into a ClickHouse cluster of this many shards started on loopback (0: the embedded engine)")
      ->check(CLI::Range(0, 8));
  StorageBenchOptions storage_options;
  storage_options.dir = std::filesystem::temp_directory_path().string();
  auto* storage = app.add_subcommand("storage", "embedded engine: ingest samples/s, bytes/sample, RAM/series, "
                                                "restart, 1 h query p99, latest of 10k pods");
  storage->add_option("--agents", storage_options.agents, "ingesting threads, one node of 110 pods each (default 16)");
  storage->add_option("--ticks", storage_options.ticks, "reports per node (10 s apart)");
  storage->add_option("--dir", storage_options.dir, "directory on the disk to measure");
  storage->add_option("--parts", storage_options.parts, "parts to run (A,A2,B,C,M; default A,A2,B,C; M: maintenance CPU per report over 1 h, "
                      "--agents nodes)")
      ->delimiter(',')
      ->check(CLI::IsMember({"A", "A2", "B", "C", "M"}));
  FieldsBenchOptions fields_options;
  fields_options.dir = std::filesystem::temp_directory_path().string();
  auto* fields = app.add_subcommand("fields", "issue 14's API targets: a fleet window of 1,000 pods, the latest "
                                              "10k pods, a 2,000-pod namespace over hours of blocks");
  fields->add_option("--dir", fields_options.dir, "directory for the engines' data");
  fields->add_option("--namespace-hours", fields_options.namespace_hours, "part C's window in hours (0: skip it)");
  fields->add_option("--namespace-runs", fields_options.namespace_runs, "queries timed in part C");
  auto* all = app.add_subcommand("all", "every benchmark");
  app.require_subcommand(1);
  for (auto* sub : {agent, ingest, pods, wal, codec, load, storage, fields, all}) sub->add_flag("--json", json, "one JSON line of figures");
  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(spdlog::level::warn);
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
  if (pods->parsed() || all->parsed()) {
    BenchResult result{"pods", {}};
    rc |= runPodsBench(pods_options, result);
    result.print(json);
  }
  if (wal->parsed() || all->parsed()) {
    wal_options.sync = !wal_no_sync;
    BenchResult result{"wal", {}};
    rc |= runWalBench(wal_options, result);
    result.print(json);
  }
  if (codec->parsed() || all->parsed()) {
    BenchResult result{"codec", {}};
    rc |= runCodecBench(codec_options, result);
    result.print(json);
  }
  if (load->parsed()) {  // not part of `all`: minutes, and gigabytes of server memory
    BenchResult result{"load", {}};
    rc |= runLoadBench(load_options, result);
    result.print(json);
  }
  if (storage->parsed() || all->parsed()) {
    BenchResult result{"storage", {}};
    rc |= runStorageBench(storage_options, result);
    result.print(json);
  }
  if (fields->parsed() || all->parsed()) {
    BenchResult result{"fields", {}};
    rc |= runFieldsBench(fields_options, result);
    result.print(json);
  }
  return rc;
}
