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
  int agents = 500;            // simulated nodes, one keep-alive connection each
  int pods_per_agent = 110;
  int containers_per_pod = 3;
  int rounds = 6;              // reports per agent, one 5 s slot apart, ending now
  int client_threads = 4;      // threads that drive the agents' connections
  int query_repeats = 10;      // GETs per query whose p50 is reported
  std::string bin_dir;         // where kubemonitor-server is
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

}  // namespace kubemonitor::bench
