#pragma once
// A benchmark's figures: printed as one JSON line (--json) or as aligned text.

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

}  // namespace kubemonitor::bench
