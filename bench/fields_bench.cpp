// `kubemonitor-bench fields` (issue 14's targets): the API's answers over an embedded engine filled
// by the report generator (every issue-14 field set), through the Router in-process — request
// target parsing, storage reads and JSON, not the socket and HTTP framing (a few ms for the
// 10k-pod list, which is ~14 MB).
//   A: 1,000 pods (10 nodes × 100) for 1 h at 10 s, default checkpoints (most of the hour in
//      blocks) → fleet_window_1h_1000_pods_ms: /api/pods?window=1h&fields=cpu_millicores,memory_working_set_bytes.
//   B: 10,010 pods (91 nodes × 110), two reports each → latest_10k_pods_http_ms: /api/pods.
//   C: a namespace of 2,000 pods (20 nodes × 100, one namespace) for `namespace_hours` at 10 s,
//      default checkpoints → namespace_window_p99_ms: /api/namespaces/{ns}?window=<hours>h, data
//      older than the head.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench_result.h"
#include "common/clock.h"
#include "server/router.h"
#include "tsdb/embedded_storage.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor::bench {
namespace {

using Milliseconds = std::chrono::duration<double, std::milli>;
constexpr int64_t kIntervalMs = 10'000;

struct Timings {
  double p50_ms = 0;
  double p99_ms = 0;  // the largest of the runs when fewer than 100
  size_t bytes = 0;   // of the last answer
};

// Runs GET `target` `runs` times; nullopt when an answer is not 200.
std::optional<Timings> timeGets(const server::Router& router, const std::string& target, int runs) {
  std::vector<double> ms;
  server::HttpRequest request;
  request.method = "GET";
  request.target = target;
  Timings out;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const server::HttpResponse response = router.handle(request);
    ms.push_back(Milliseconds(std::chrono::steady_clock::now() - t0).count());
    if (response.status != 200) {
      spdlog::error("fields bench: GET {} answered {}: {}", target, response.status, response.body.substr(0, 200));
      return std::nullopt;
    }
    out.bytes = response.body.size();
  }
  std::sort(ms.begin(), ms.end());
  out.p50_ms = ms[ms.size() / 2];
  out.p99_ms = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  return out;
}

// An engine in `dir` holding `ticks` reports of `nodes` nodes of `pods_per_node` pods, ending now;
// `one_namespace` puts every pod in namespace "ns-0".
std::unique_ptr<tsdb::EmbeddedStorage> fill(const Clock& clock, const std::filesystem::path& dir, size_t nodes,
                                            size_t pods_per_node, int ticks, bool one_namespace) {
  tsdb::EmbeddedOptions options;
  options.data_dir = dir;
  options.wal.sync_mode = tsdb::WalSyncMode::kNever;  // setup only: durability is the storage bench's
  auto storage = tsdb::EmbeddedStorage::open(clock, options);
  if (!storage) {
    spdlog::error("fields bench: {}", storage.error().toString());
    return nullptr;
  }
  const int64_t now_ms = toUnixMs(clock.wallNow()) / kIntervalMs * kIntervalMs;
  const int64_t start_ms = now_ms - (ticks - 1) * kIntervalMs;
  for (int tick = 0; tick < ticks; ++tick) {
    for (size_t n = 0; n < nodes; ++n) {
      model::Report report = tsdb::testing::generateNodeReport(n, pods_per_node, tick, start_ms, kIntervalMs);
      if (one_namespace) {
        for (auto& pod : report.pods) pod.namespace_name = "ns-0";
      }
      if (auto outcome = (*storage)->ingest(report); !outcome) {
        spdlog::error("fields bench: ingest failed: {}", outcome.error().toString());
        return nullptr;
      }
    }
  }
  return std::move(*storage);
}

}  // namespace

int runFieldsBench(const FieldsBenchOptions& options, BenchResult& result) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(options.dir) / "kubemonitor-fields-bench";
  std::error_code ec;
  fs::remove_all(root, ec);
  SystemClock clock;
  server::ServerOptions server_options;
  server_options.stale_after = std::chrono::hours(24);  // filling takes longer than the pods' grace

  // Fills an engine, then times each GET target: its p50 as its figure, its largest as figure_max.
  using Target = std::pair<std::string, std::string>;  // (target, figure)
  auto measure = [&](const char* part, size_t nodes, size_t pods_per_node, int ticks, const std::vector<Target>& targets) {
    auto storage = fill(clock, root / part, nodes, pods_per_node, ticks, false);
    if (!storage) return false;
    server::Router router(*storage, clock, server_options);
    for (const auto& [target, figure] : targets) {
      auto timed = timeGets(router, target, 21);
      if (!timed) return false;
      result.add(figure, timed->p50_ms);
      result.add(figure + "_max", timed->p99_ms);
      result.add(figure.substr(0, figure.size() - 3) + "_bytes", static_cast<double>(timed->bytes));
    }
    return true;
  };
  // The fleet window at the agents' resolution (360 points a pod), and at a sparkline's 1 min step
  // (60 points a pod, from the 1 min rollups).
  if (!measure("a", 10, 100, 360,
               {{"/api/pods?window=1h&fields=cpu_millicores,memory_working_set_bytes", "fleet_window_1h_1000_pods_ms"},
                {"/api/pods?window=1h&step=1m&fields=cpu_millicores,memory_working_set_bytes",
                 "fleet_window_1h_step_1m_1000_pods_ms"}}))
    return 1;
  if (!measure("b", 91, 110, 2, {{"/api/pods", "latest_10k_pods_http_ms"}})) return 1;
  if (options.namespace_hours > 0) {  // C
    const int ticks = options.namespace_hours * 360;
    auto storage = fill(clock, root / "c", 20, 100, ticks, true);
    if (!storage) return 1;
    if (auto compacted = storage->compact(); !compacted) spdlog::warn("fields bench: {}", compacted.error().toString());
    server::Router router(*storage, clock, server_options);
    const std::string window = std::to_string(options.namespace_hours) + "h";
    auto timed = timeGets(router, "/api/namespaces/ns-0?window=" + window, options.namespace_runs);
    if (!timed) return 1;
    result.add("namespace_window_hours", options.namespace_hours);
    result.add("namespace_window_pods", 2000);
    result.add("namespace_window_p50_ms", timed->p50_ms);
    result.add("namespace_window_p99_ms", timed->p99_ms);
    const tsdb::EngineStats stats = storage->engineStats();
    result.add("namespace_window_blocks", static_cast<double>(stats.blocks));
    result.add("preaggregated_samples", static_cast<double>(stats.preaggregated_samples));
    result.add("aggregate_samples_from_pods", static_cast<double>(stats.aggregate_samples_from_pods));
  }
  fs::remove_all(root, ec);
  return 0;
}

}  // namespace kubemonitor::bench
