// Server ingest throughput: N keep-alive connections on loopback post zstd node reports (as the
// agent sends them) back to back for a fixed time; the server's idle RSS is read before.

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/http_client.h"
#include "bench_result.h"
#include "bench_servers.h"
#include "common/compression.h"
#include "latency_stats.h"
#include "model/report_json.h"
#include "process_usage.h"

namespace kubemonitor::bench {
namespace {

constexpr int kBodiesPerConnection = 2000;

// Distinct (node, timestamp) reports with realistic values, compressed like the agent's.
std::vector<std::string> makeBodies(int connection) {
  std::vector<std::string> bodies;
  for (int i = 0; i < kBodiesPerConnection; ++i) {
    model::Report r;
    r.node = "bench-node-" + std::to_string(connection);
    r.interval_ms = 5000;
    r.timestamp_ms = 1'795'000'000'000 + int64_t{i} * 5000;
    model::NodeUsage& u = r.node_usage;
    u.cpu_count = 16;
    u.cpu_capacity_millicores = 16000;
    u.cpu_millicores = 3000 + (i * 37) % 2000;
    u.memory_capacity_bytes = 64ULL << 30;
    u.memory_working_set_bytes = (20ULL << 30) + uint64_t(i) * 4096;
    u.memory_used_bytes = u.memory_working_set_bytes - (1ULL << 30);
    u.memory_cache_bytes = 30ULL << 30;
    u.network_rx_bytes = 1'000'000'000ULL + uint64_t(i) * 1'250'000;
    u.network_rx_bytes_per_sec = 250'000;
    u.disk_write_bytes = 5'000'000'000ULL + uint64_t(i) * 400'000;
    u.disk_write_bytes_per_sec = 80'000;
    u.filesystem_capacity_bytes = 200ULL << 30;
    u.filesystem_used_bytes = 50ULL << 30;
    u.uptime_seconds = 86400 + i * 5.0;
    bodies.push_back(compressZstd(model::encodeReport(r)));
  }
  return bodies;
}

}  // namespace

int runIngestBench(const IngestBenchOptions& options, BenchResult& result) {
  RunningServer server;
  if (!startServer(options.bin_dir, server)) return 1;
  auto idle = readProcessUsage(server.process->pid());
  if (!idle) {
    spdlog::error("server usage: {}", idle.error().toString());
    return 1;
  }
  std::vector<std::vector<std::string>> bodies;
  for (int c = 0; c < options.connections; ++c) bodies.push_back(makeBodies(c));

  std::atomic<uint64_t> failures{0};
  std::vector<std::vector<double>> latencies_ms(static_cast<size_t>(options.connections));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(options.seconds);
  std::vector<std::thread> clients;
  for (int c = 0; c < options.connections; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client;
      const std::vector<std::string> headers{"Content-Type: application/json", "Content-Encoding: zstd", "Expect:"};
      const std::string url = server.url + "/api/ingest";
      for (size_t i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
        const auto start = std::chrono::steady_clock::now();
        auto response = client.post(url, bodies[size_t(c)][i % kBodiesPerConnection], headers);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (!response || response->status != 202) ++failures;
        latencies_ms[size_t(c)].push_back(ms);
      }
    });
  }
  for (auto& t : clients) t.join();
  std::vector<double> all;
  for (auto& l : latencies_ms) all.insert(all.end(), l.begin(), l.end());
  auto loaded = readProcessUsage(server.process->pid());
  result.add("connections", options.connections);
  result.add("requests", static_cast<double>(all.size()));
  result.add("failures", static_cast<double>(failures.load()));
  result.add("requests_per_sec", static_cast<double>(all.size()) / options.seconds);
  result.add("latency_p50_ms", percentile(all, 0.50));
  result.add("latency_p99_ms", percentile(all, 0.99));
  result.add("server_idle_rss_mib", static_cast<double>(idle->rss_bytes) / (1 << 20));
  if (loaded) {
    result.add("server_rss_after_mib", static_cast<double>(loaded->rss_bytes) / (1 << 20));
    result.add("server_cpu_seconds", loaded->cpu_seconds - idle->cpu_seconds);
  }
  return failures.load() == 0 ? 0 : 1;
}

bool startServer(const std::string& bin_dir, RunningServer& server, const std::vector<std::string>& extra_args) {
  const std::string port_file = server.dir.path() + "/port";
  std::vector<std::string> argv{bin_dir + "/kubemonitor-server", "--listen", "127.0.0.1:0", "--data-dir",
                                server.dir.path() + "/data", "--port-file", port_file};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  server.process.emplace(testing::ChildProcess::spawn(argv, "", server.dir.path() + "/server.log"));
  auto port = testing::waitForPortFile(port_file, std::chrono::seconds(20));
  if (!port) {
    spdlog::error("kubemonitor-server did not start (log: {}/server.log)", server.dir.path());
    return false;
  }
  server.url = "http://127.0.0.1:" + std::to_string(*port);
  return true;
}

}  // namespace kubemonitor::bench
