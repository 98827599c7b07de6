// Cluster-scale load: N simulated agents, each on its own keep-alive connection, post one zstd
// report per round (a node with P pods of C containers, as the agent sends them) to the real
// kubemonitor-server; then the query latency of the views an operator opens first.

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "agent/http_client.h"
#include "bench_result.h"
#include "bench_servers.h"
#include "common/clock.h"
#include "latency_stats.h"
#include "load_reports.h"
#include "process_usage.h"

namespace kubemonitor::bench {
namespace {

constexpr int64_t kIntervalMs = 5000;

LoadReportShape shapeOf(const LoadBenchOptions& options) {
  return {options.pods_per_agent, options.containers_per_pod, kIntervalMs};
}

// p50 of `repeats` GETs of `target`, in ms; -1 when an answer was not 200.
double queryLatencyMs(const std::string& url, int repeats, size_t* body_bytes) {
  agent::HttpClient client(std::chrono::seconds(60));
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto response = client.get(url);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (!response || response->status != 200) {
      spdlog::error("GET {}: {}", url, response ? std::to_string(response->status) + " " + response->body.substr(0, 200)
                                                : response.error().toString());
      return -1;
    }
    if (body_bytes != nullptr) *body_bytes = response->body.size();
  }
  return percentile(ms, 0.5);
}

}  // namespace

int runLoadBench(const LoadBenchOptions& options, BenchResult& result) {
  RunningServer server;
  // The rounds arrive faster than real time (all of them within seconds, stamped 5 s apart and
  // ending at the slot the run starts in): a long --stale-after keeps them in the latest views.
  if (!startServer(options.bin_dir, server, {"--stale-after", "1h"})) return 1;
  auto idle = readProcessUsage(server.process->pid());
  if (!idle) {
    spdlog::error("server usage: {}", idle.error().toString());
    return 1;
  }
  // Rounds end at the current slot, so everything is inside the retention and the latest views.
  const int64_t now_slot_ms = toUnixMs(std::chrono::system_clock::now()) / kIntervalMs * kIntervalMs;
  const int64_t first_ms = now_slot_ms - int64_t{options.rounds - 1} * kIntervalMs;

  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> body_bytes{0};
  std::vector<std::vector<double>> latencies_ms(static_cast<size_t>(options.client_threads));
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < options.client_threads; ++t) {
    threads.emplace_back([&, t] {
      // One connection per simulated agent, kept alive across rounds as the agent keeps it.
      std::vector<std::unique_ptr<agent::HttpClient>> clients;
      for (int a = t; a < options.agents; a += options.client_threads) {
        clients.push_back(std::make_unique<agent::HttpClient>(std::chrono::seconds(60)));
      }
      const std::vector<std::string> headers{"Content-Type: application/json", "Content-Encoding: zstd", "Expect:"};
      for (int round = 0; round < options.rounds; ++round) {
        size_t k = 0;
        for (int a = t; a < options.agents; a += options.client_threads, ++k) {
          const std::string body = encodeLoadReport(shapeOf(options), a, round, first_ms + round * kIntervalMs);
          body_bytes += body.size();
          const auto start = std::chrono::steady_clock::now();
          auto response = clients[k]->post(server.url + "/api/ingest", body, headers);
          latencies_ms[size_t(t)].push_back(
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
          if (!response || response->status != 202) ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto loaded = readProcessUsage(server.process->pid());
  std::vector<double> all;
  for (auto& l : latencies_ms) all.insert(all.end(), l.begin(), l.end());

  result.add("agents", options.agents);
  result.add("pods_per_agent", options.pods_per_agent);
  result.add("containers_per_pod", options.containers_per_pod);
  result.add("rounds", options.rounds);
  result.add("reports", static_cast<double>(all.size()));
  result.add("failures", static_cast<double>(failures.load()));
  result.add("report_zstd_kib", static_cast<double>(body_bytes.load()) / static_cast<double>(all.size()) / 1024);
  result.add("reports_per_sec", static_cast<double>(all.size()) / seconds);
  result.add("ingest_p50_ms", percentile(all, 0.50));
  result.add("ingest_p99_ms", percentile(all, 0.99));
  if (loaded) {
    result.add("server_cpu_ms_per_report", (loaded->cpu_seconds - idle->cpu_seconds) * 1000 / static_cast<double>(all.size()));
    result.add("server_rss_mib", static_cast<double>(loaded->rss_bytes) / (1 << 20));
  }
  result.add("server_idle_rss_mib", static_cast<double>(idle->rss_bytes) / (1 << 20));

  // The pod names of agent 0's first pod, and its namespace.
  const LoadPodName first_pod = loadPodName(shapeOf(options), 0, 0);
  const std::string& pod = first_pod.name;
  const std::string& ns = first_pod.namespace_name;
  size_t list_bytes = 0;
  const double list_ms = queryLatencyMs(server.url + "/api/pods", options.query_repeats, &list_bytes);
  size_t listed = 0;
  {
    agent::HttpClient client(std::chrono::seconds(60));
    auto response = client.get(server.url + "/api/pods");
    // Every pod object carries one "uid" field: counting them counts the items without a DOM.
    for (size_t at = 0; response && (at = response->body.find("\"uid\":", at)) != std::string::npos; ++at) ++listed;
  }
  const double pod_ms = queryLatencyMs(server.url + "/api/pods/" + pod + "?namespace=" + ns + "&window=1h",
                                       options.query_repeats, nullptr);
  const double ns_ms = queryLatencyMs(server.url + "/api/namespaces/" + ns + "?window=24h", options.query_repeats, nullptr);
  const double ns_list_ms = queryLatencyMs(server.url + "/api/namespaces", options.query_repeats, nullptr);
  result.add("query_pods_list_p50_ms", list_ms);
  result.add("query_pods_list_mib", static_cast<double>(list_bytes) / (1 << 20));
  result.add("query_pod_1h_p50_ms", pod_ms);
  result.add("query_namespace_24h_p50_ms", ns_ms);
  result.add("query_namespaces_list_p50_ms", ns_list_ms);
  result.add("pods_listed", static_cast<double>(listed));
  const bool all_listed = listed == static_cast<size_t>(options.agents) * static_cast<size_t>(options.pods_per_agent);
  if (!all_listed) spdlog::error("/api/pods listed {} pods", listed);
  const bool queries_ok = all_listed && list_ms >= 0 && pod_ms >= 0 && ns_ms >= 0 && ns_list_ms >= 0;
  return failures.load() == 0 && queries_ok ? 0 : 1;
}

}  // namespace kubemonitor::bench
