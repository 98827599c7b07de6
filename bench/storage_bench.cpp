// `kubemonitor-bench storage`: the embedded engine in-process (docs/tsdb-engine.md, issue 4).
//   A: `agents` threads each ingest one node's reports (110 pods) through the WAL with group
//      commit → samples_per_sec; then checkpoint + compaction → bytes_per_sample on disk; then a
//      1 h window of one pod series, raw step → query_1h_p99_ms.
//   A2: the same number of reports from 4 agents → samples_per_sec_4_agents (latency-bound: each
//      agent waits for the 10 ms group commit; docs/decisions.md "Ingest throughput is measured
//      with 16 agents").
//   B: 10k pods (91 nodes × 110) → latest_10k_pods_ms, ram_bytes_per_series (heap growth / series),
//      restart_seconds_per_million_series (reopen: head snapshot + blocks listed + WAL tail).
//   C: the 10k pods for 1 h (360 samples per series, default checkpoints) → query_1h_p99_ms_after_1h
//      (a different pod each query, most of its 60 min from the blocks), query_1h_namespace_p99_ms_after_1h,
//      ram_bytes_per_series_after_1h, restart_seconds_per_million_series_after_1h.
// A sample is one field value of one series at one timestamp (node: 20 fields, pod: 15 + 2 per container).

#include <malloc.h>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_result.h"
#include "common/clock.h"
#include "process_usage.h"
#include "tsdb/embedded_storage.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor::bench {
namespace {

using Seconds = std::chrono::duration<double>;
constexpr int64_t kIntervalMs = 10'000;
constexpr size_t kPods = 110;

size_t samplesOf(const model::Report& r) {
  size_t n = 20;
  for (const auto& p : r.pods) n += 15 + 2 * p.containers.size();
  return n;
}

// Now on the report grid, Unix ms. Read again for each part: data older than the pods' grace
// period would leave the latest views empty.
int64_t gridNowMs(const Clock& clock) { return toUnixMs(clock.wallNow()) / kIntervalMs * kIntervalMs; }

// Heap bytes in use: unlike RSS, not hidden by what part A freed and malloc kept for reuse.
uint64_t heapBytesInUse() { return ::mallinfo2().uordblks; }

struct FilledEngine {
  std::unique_ptr<tsdb::EmbeddedStorage> storage;
  size_t nodes = 0;                 // of 110 pods each
  int64_t start_ms = 0;             // the first report's timestamp
  size_t series = 0;                // node series × 20 fields + pod series × 17
  double ram_bytes_per_series = 0;  // heap growth while opening and filling it / series
};

// Opens an engine and ingests `ticks` reports, up to now_ms, of as many nodes of 110 pods as make
// `pods` pods.
std::optional<FilledEngine> fillEngine(const Clock& clock, const tsdb::EmbeddedOptions& options, size_t pods,
                                       int ticks, int64_t now_ms) {
  const size_t nodes = (pods + kPods - 1) / kPods;
  const int64_t start_ms = now_ms - ticks * kIntervalMs;
  const uint64_t heap_before = heapBytesInUse();
  auto storage = tsdb::EmbeddedStorage::open(clock, options);
  if (!storage) return std::nullopt;
  for (int tick = 0; tick < ticks; ++tick) {
    for (size_t n = 0; n < nodes; ++n) {
      auto outcome = (*storage)->ingest(tsdb::testing::generateNodeReport(n, kPods, tick, start_ms, kIntervalMs));
      if (!outcome) {
        spdlog::error("storage bench: ingest failed: {}", outcome.error().toString());
        return std::nullopt;
      }
    }
  }
  const uint64_t heap_after = heapBytesInUse();
  const tsdb::StorageStats stats = (*storage)->stats();
  FilledEngine filled;
  filled.nodes = nodes;
  filled.start_ms = start_ms;
  filled.series = stats.objects * 17 + stats.nodes * 20;
  filled.ram_bytes_per_series = static_cast<double>(heap_after - heap_before) / static_cast<double>(filled.series);
  filled.storage = std::move(*storage);
  return filled;
}

// Seconds to open the engine in `options` again (blocks + WAL tail); nullopt when it fails.
std::optional<double> restartSeconds(const Clock& clock, const tsdb::EmbeddedOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  auto reopened = tsdb::EmbeddedStorage::open(clock, options);
  if (!reopened) return std::nullopt;
  return Seconds(std::chrono::steady_clock::now() - t0).count();
}

// One thread per agent ingests its node's reports; seconds for all, or a negative value on failure.
double ingestConcurrently(tsdb::EmbeddedStorage& storage, const std::vector<std::vector<model::Report>>& reports) {
  std::atomic<bool> failed{false};
  const auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> agents;
  for (const auto& mine : reports) {
    agents.emplace_back([&] {
      for (const auto& r : mine) {
        if (auto outcome = storage.ingest(r); !outcome) {
          spdlog::error("storage bench: {}", outcome.error().toString());
          failed = true;
          return;
        }
      }
    });
  }
  for (auto& t : agents) t.join();
  return failed ? -1 : Seconds(std::chrono::steady_clock::now() - begin).count();
}

}  // namespace

int runStorageBench(const StorageBenchOptions& options, BenchResult& result) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(options.dir) / "kubemonitor-storage-bench";
  std::error_code ec;
  fs::remove_all(root, ec);
  SystemClock clock;
  const int64_t now_ms = gridNowMs(clock);
  auto runs = [&](std::string_view part) {
    return std::find(options.parts.begin(), options.parts.end(), part) != options.parts.end();
  };

  // A: ingest throughput, on-disk size, query latency.
  if (runs("A")) {
    tsdb::EmbeddedOptions engine_options;
    engine_options.data_dir = root / "a";
    engine_options.wal.sync_interval_ms = 10;
    engine_options.checkpoint_records = 1'000'000;  // one block at the end: ingest alone is timed
    engine_options.checkpoint_interval = std::chrono::seconds(0);
    auto storage = tsdb::EmbeddedStorage::open(clock, engine_options);
    if (!storage) {
      spdlog::error("storage bench: {}", storage.error().toString());
      return 1;
    }
    const int64_t start_ms = now_ms - options.ticks * kIntervalMs;
    std::vector<std::vector<model::Report>> reports(options.agents);
    size_t samples = 0;
    for (size_t a = 0; a < options.agents; ++a) {
      for (int tick = 0; tick < options.ticks; ++tick) {
        reports[a].push_back(tsdb::testing::generateNodeReport(a, kPods, tick, start_ms, kIntervalMs));
        samples += samplesOf(reports[a].back());
      }
    }
    const double ingest_seconds = ingestConcurrently(**storage, reports);
    if (ingest_seconds < 0) return 1;
    reports.clear();
    result.add("samples_per_sec", static_cast<double>(samples) / ingest_seconds);
    result.add("reports_per_sec",
               static_cast<double>(options.agents * static_cast<size_t>(options.ticks)) / ingest_seconds);
    if (auto done = (*storage)->checkpoint(); !done || !(*storage)->compact()) {
      spdlog::error("storage bench: checkpoint or compaction failed");
      return 1;
    }
    const tsdb::EngineStats stats = (*storage)->engineStats();
    result.add("bytes_per_sample", static_cast<double>(stats.block_bytes) / static_cast<double>(stats.block_samples));
    result.add("wal_bytes_per_sample_before_checkpoint",
               static_cast<double>(stats.wal.bytes) / static_cast<double>(std::max<size_t>(samples, 1)));

    const auto pods = (*storage)->latest(tsdb::ObjectKind::kPod, tsdb::LatestFilter{"", "", "", 1LL << 40});
    if (pods.empty()) return 1;
    const tsdb::ObjectKey key = pods[pods.size() / 2].key;
    const tsdb::SeriesQuery hour{now_ms - 3'600'000, now_ms, kIntervalMs};
    std::vector<double> latencies_ms;
    size_t points = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      points = (*storage)->series(key, hour).size();
      latencies_ms.push_back(Seconds(std::chrono::steady_clock::now() - t0).count() * 1000);
    }
    std::sort(latencies_ms.begin(), latencies_ms.end());
    result.add("query_1h_points", static_cast<double>(points));
    result.add("query_1h_p99_ms", latencies_ms[latencies_ms.size() * 99 / 100]);
  }

  // A2: the same number of reports from 4 agents. Each waits for the group commit (one fdatasync
  // per 10 ms window) before its next report, which caps this at about 4 reports per 10 ms
  // whatever the engine costs; a server has many agents' requests in flight, as in part A.
  if (runs("A2")) {
    tsdb::EmbeddedOptions engine_options;
    engine_options.data_dir = root / "a4";
    engine_options.wal.sync_interval_ms = 10;
    engine_options.checkpoint_records = 1'000'000;
    engine_options.checkpoint_interval = std::chrono::seconds(0);  // ingest alone is timed
    auto storage = tsdb::EmbeddedStorage::open(clock, engine_options);
    if (!storage) return 1;
    constexpr size_t kAgents = 4;
    const int ticks = std::max<int>(1, options.ticks * static_cast<int>(options.agents) / static_cast<int>(kAgents));
    const int64_t start_ms = now_ms - ticks * kIntervalMs;
    std::vector<std::vector<model::Report>> reports(kAgents);
    size_t samples = 0;
    for (size_t a = 0; a < kAgents; ++a) {
      for (int tick = 0; tick < ticks; ++tick) {
        reports[a].push_back(tsdb::testing::generateNodeReport(a, kPods, tick, start_ms, kIntervalMs));
        samples += samplesOf(reports[a].back());
      }
    }
    const double seconds = ingestConcurrently(**storage, reports);
    if (seconds < 0) return 1;
    result.add("samples_per_sec_4_agents", static_cast<double>(samples) / seconds);
  }

  // M: maintenance cost per report of agents reporting every 2 s, default engine options (a
  // checkpoint once the WAL tail spans 60 s of reports, as at 1,000 agents), 1 h of reports, so
  // checkpoints and the tiered merges of their blocks run. CPU per thread: the ingesting (main)
  // thread without the report generation, and the engine's maintenance thread. Engine CPU per
  // report does not depend on the node count at a given checkpoint span; --agents sets the nodes.
  if (runs("M")) {
    tsdb::EmbeddedOptions engine_options;
    engine_options.data_dir = root / "m";
    engine_options.wal.sync_mode = tsdb::WalSyncMode::kNever;  // the CPU of maintenance, not the disk's sync
    const size_t nodes = options.agents;
    auto storage = tsdb::EmbeddedStorage::open(clock, engine_options);
    if (!storage) return 1;
    constexpr int64_t kTickMs = 2'000;
    const int ticks = static_cast<int>(3'600'000 / kTickMs);
    const int64_t start_ms = now_ms - ticks * kTickMs;
    double generate_s = 0;
    const double main_before_s = callingThreadCpuSeconds();
    for (int tick = 0; tick < ticks; ++tick) {
      for (size_t n = 0; n < nodes; ++n) {
        const double g0 = callingThreadCpuSeconds();
        model::Report report = tsdb::testing::generateNodeReport(n, kPods, tick, start_ms, kTickMs);
        generate_s += callingThreadCpuSeconds() - g0;
        if (auto outcome = (*storage)->ingest(report); !outcome) {
          spdlog::error("storage bench: ingest failed: {}", outcome.error().toString());
          return 1;
        }
      }
    }
    const double ingest_s = callingThreadCpuSeconds() - main_before_s - generate_s;
    const double maintenance_s = threadCpuSecondsNamed("km-maintenance");
    const double reports = static_cast<double>(nodes) * ticks;
    result.add("maintenance_nodes", static_cast<double>(nodes));
    result.add("maintenance_reports", reports);
    result.add("ingest_cpu_ms_per_report", ingest_s * 1000 / reports);
    result.add("maintenance_cpu_ms_per_report", maintenance_s * 1000 / reports);
    result.add("maintenance_blocks_after_1h", static_cast<double>((*storage)->engineStats().blocks));
    auto peak_rss = readPeakRssBytes(getpid());
    const double peak_rss_mib = peak_rss ? static_cast<double>(*peak_rss) / (1 << 20) : 0;
    result.add("peak_rss_mib_after_1h", peak_rss_mib);
  }

  // B: 10k pods.
  if (runs("B")) {
    tsdb::EmbeddedOptions engine_options;
    engine_options.data_dir = root / "b";
    engine_options.wal.sync_mode = tsdb::WalSyncMode::kNever;  // setup only: durability measured in A
    engine_options.checkpoint_records = 1'000'000;
    engine_options.checkpoint_interval = std::chrono::seconds(0);  // B: one explicit checkpoint
    const int ticks = 12;
    size_t series = 0;
    {
      auto filled = fillEngine(clock, engine_options, options.latest_pods, ticks, gridNowMs(clock));
      if (!filled) return 1;
      auto& storage = filled->storage;
      series = filled->series;
      result.add("series", static_cast<double>(series));
      result.add("ram_bytes_per_series", filled->ram_bytes_per_series);
      result.add("ram_samples_per_series", ticks);
      std::vector<double> ms;
      size_t live = 0;
      for (int i = 0; i < 21; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        live = storage->latest(tsdb::ObjectKind::kPod, tsdb::LatestFilter{}).size();
        ms.push_back(Seconds(std::chrono::steady_clock::now() - t0).count() * 1000);
      }
      std::sort(ms.begin(), ms.end());
      if (live != filled->nodes * kPods) {
        spdlog::error("storage bench: latest() saw {} live pods of {}", live, filled->nodes * kPods);
        return 1;
      }
      result.add("latest_pods", static_cast<double>(live));
      result.add("latest_10k_pods_ms", ms[ms.size() / 2]);
      // Half in blocks, half in the WAL tail, as after a day of checkpoints.
      if (!storage->checkpoint()) return 1;
      for (size_t n = 0; n < filled->nodes; ++n) {
        if (!storage->ingest(tsdb::testing::generateNodeReport(n, kPods, ticks, filled->start_ms, kIntervalMs))) return 1;
      }
    }
    const auto restart_seconds = restartSeconds(clock, engine_options);
    if (!restart_seconds) return 1;
    result.add("restart_seconds", *restart_seconds);
    result.add("restart_seconds_per_million_series", *restart_seconds / static_cast<double>(series) * 1e6);
  }

  // C: the same 10k pods for 1 h (360 samples per series), checkpoints and compaction as the
  // server does them (default options): does RAM per series grow with the history kept?
  if (runs("C")) {
    tsdb::EmbeddedOptions engine_options;
    engine_options.data_dir = root / "c";
    engine_options.wal.sync_mode = tsdb::WalSyncMode::kNever;  // setup only
    size_t series = 0;
    {
      auto filled = fillEngine(clock, engine_options, options.latest_pods, 360, gridNowMs(clock));
      if (!filled) return 1;
      series = filled->series;
      result.add("ram_bytes_per_series_after_1h", filled->ram_bytes_per_series);
      result.add("blocks_after_1h", static_cast<double>(filled->storage->engineStats().blocks));
      // Old ranges come from the blocks (the head keeps what is not in a block yet, ≤ 1 min): a
      // 1 h window, raw step, of a different pod each query (rotating over the pods: no page of one
      // series stays hot), ending at the fill's last report.
      tsdb::EmbeddedStorage& storage = *filled->storage;
      const auto pods = storage.latest(tsdb::ObjectKind::kPod, tsdb::LatestFilter{"", "", "", 1LL << 40});
      if (pods.size() < 500) return 1;
      const int64_t end_ms = filled->start_ms + 359 * kIntervalMs;
      const tsdb::SeriesQuery hour{end_ms - 3'600'000, end_ms, kIntervalMs};
      auto p99 = [](std::vector<double> ms) {
        std::sort(ms.begin(), ms.end());
        return ms[ms.size() * 99 / 100];
      };
      std::vector<double> latencies_ms;
      size_t points = 0;
      for (size_t i = 0; i < 1000; ++i) {
        const tsdb::ObjectKey& key = pods[(i * 7919) % pods.size()].key;  // 1000 distinct pods
        const auto t0 = std::chrono::steady_clock::now();
        points += storage.series(key, hour).size();
        latencies_ms.push_back(Seconds(std::chrono::steady_clock::now() - t0).count() * 1000);
      }
      result.add("query_1h_points_after_1h", static_cast<double>(points) / 1000.0);
      result.add("query_1h_p99_ms_after_1h", p99(latencies_ms));
      const auto namespaces =
          storage.latest(tsdb::ObjectKind::kNamespace, tsdb::LatestFilter{"", "", "", 1LL << 40});
      if (namespaces.empty()) return 1;
      latencies_ms.clear();
      for (size_t i = 0; i < 100; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        (void)storage.series(namespaces[i % namespaces.size()].key, hour);
        latencies_ms.push_back(Seconds(std::chrono::steady_clock::now() - t0).count() * 1000);
      }
      result.add("query_1h_namespace_p99_ms_after_1h", p99(latencies_ms));
      result.add("query_1h_namespace_pods_after_1h",
                 static_cast<double>(pods.size()) / static_cast<double>(namespaces.size()));
      result.add("old_range_read_errors_after_1h", static_cast<double>(storage.engineStats().old_range_read_errors));
    }
    const auto restart_seconds = restartSeconds(clock, engine_options);
    if (!restart_seconds) return 1;
    result.add("restart_seconds_per_million_series_after_1h", *restart_seconds / static_cast<double>(series) * 1e6);
  }
  fs::remove_all(root, ec);
  return 0;
}

}  // namespace kubemonitor::bench
