#pragma once
// A benchmark's figures: printed as one JSON line (--json) or as aligned text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kubemonitor::bench {

struct BenchResult {
  std::string name;
  std::vector<std::pair<std::string, double>> figures;  // name_with_unit → value
  void add(std::string figure, double value) { figures.emplace_back(std::move(figure), value); }
  void print(bool json) const;
};

// Subcommands. Each returns 0 on success and fills `result`.
struct AgentBenchOptions {
  int cycles = 500;          // collection cycles measured in-process
  double process_seconds = 10;  // how long the real agent runs for its RSS
  std::string bin_dir;       // where kubemonitor-agent and kubemonitor-server are
};
int runAgentBench(const AgentBenchOptions& options, BenchResult& result);

struct IngestBenchOptions {
  int connections = 4;     // keep-alive connections, one client thread each
  double seconds = 10;     // measured duration
  std::string bin_dir;     // where kubemonitor-server is
};
int runIngestBench(const IngestBenchOptions& options, BenchResult& result);

struct PodsBenchOptions {
  std::vector<int> pod_counts{10, 110, 500};  // fake pods of 3 containers each, one run per count
  double interval = 1;          // agent --interval and netdata "update every", seconds
  double seconds = 20;          // measured duration of each real process
  double warmup_seconds = 3;    // before measuring (first cycles, netdata's discovery)
  std::string netdata = "/usr/sbin/netdata";
  double kept_files_mib = 5;    // the agent's --kept-files-memory, in-process and the real process
  std::string bin_dir;          // where kubemonitor-agent, -server and -host-workload are
};
int runPodsBench(const PodsBenchOptions& options, BenchResult& result);
struct WalBenchOptions {
  std::vector<int> writers{1, 4, 16};  // concurrent appenders, one run per entry
  double seconds = 5;                  // measured duration of each run
  size_t record_bytes = 4096;          // payload size of every record (bytes)
  uint32_t sync_interval_ms = 10;      // WalOptions::sync_interval_ms (group commit window, ms)
  bool sync = true;                    // false: WalSyncMode::kNever (page cache only)
  std::string dir;                     // where the WAL goes: put it on the disk being measured
};
int runWalBench(const WalBenchOptions& options, BenchResult& result);
struct CodecBenchOptions {
  size_t samples_per_series = 7200;  // 10 h of one series on the 5 s grid
  int repetitions = 20;              // encode/decode passes timed per series shape
  std::string corpus_dir;            // when set, also write one small chunk per shape (fuzz seeds)
};
int runCodecBench(const CodecBenchOptions& options, BenchResult& result);
struct LoadBenchOptions {
  int agents = 1000;             // simulated nodes, one keep-alive connection each
  int pods_per_agent = 110;
  int containers_per_pod = 3;
  double interval_seconds = 2;   // between an agent's reports; their timestamps' grid
  double duration_seconds = 30;  // measured load, after the warm-up
  double warmup_seconds = 4;     // reports sent first and not measured (connections, first series)
  double drain_seconds = 60;     // after the load: the most time outstanding reports get
  double query_rate = 20;        // single-object GETs per second during the load
  double list_query_rate = 2;    // list GETs per second (/api/nodes, /api/namespaces)
  double request_timeout_seconds = 10;  // an ingest connect, or write + answer (the agent's 10 s)
  bool closed_loop = false;      // each agent posts its reports back to back instead: no clock
  int rounds = 6;                // closed loop: reports per agent, stamped on the grid ending now
  uint64_t seed = 1;             // agents' phases and retry jitter
  std::vector<std::string> server_args;  // extra kubemonitor-server flags, for experiments
  // > 0: the server stores into a ClickHouse cluster of this many shards, started by the
  // benchmark on loopback (Debian's clickhouse-server), whose CPU and disk are measured too.
  int clickhouse_shards = 0;
  std::string bin_dir;           // where kubemonitor-server is
};
int runLoadBench(const LoadBenchOptions& options, BenchResult& result);

struct StorageBenchOptions {
  size_t agents = 16;           // ingesting threads, one node (110 pods) each (docs/decisions.md)
  int ticks = 360;              // reports per node in part A (1 h on the 10 s grid)
  size_t latest_pods = 10'000;  // pods of part B (110 per node)
  std::string dir;              // where the data dirs go (the disk to measure)
  std::vector<std::string> parts{"A", "A2", "B", "C"};  // which parts run (a profile of one part)
};
int runStorageBench(const StorageBenchOptions& options, BenchResult& result);

struct FieldsBenchOptions {
  std::string dir;           // where the data dirs go
  int namespace_hours = 24;  // part C's window of a 2,000-pod namespace (0: skip part C)
  int namespace_runs = 5;    // queries of part C (each reads the whole window from the blocks)
};
int runFieldsBench(const FieldsBenchOptions& options, BenchResult& result);

}  // namespace kubemonitor::bench
