// WAL group commit throughput: N writer threads each append a record and wait until it is
// durable, over and over, for a fixed time. Reports acknowledged appends/s and bytes/s, how many
// records each fdatasync carried, and acknowledgement latency, for every writer count.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "bench_result.h"
#include "tsdb/wal.h"

namespace kubemonitor::bench {
namespace {

double percentileMs(std::vector<double>& latencies_ms, double fraction) {
  if (latencies_ms.empty()) return 0;
  const auto index = static_cast<size_t>(fraction * static_cast<double>(latencies_ms.size() - 1));
  std::nth_element(latencies_ms.begin(), latencies_ms.begin() + static_cast<std::ptrdiff_t>(index), latencies_ms.end());
  return latencies_ms[index];
}

// One run with `writers` threads; false when the WAL failed.
bool runOnce(const WalBenchOptions& options, int writers, BenchResult& result) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(options.dir) / ("kubemonitor-wal-bench-" + std::to_string(writers));
  std::error_code ec;
  fs::remove_all(dir, ec);
  tsdb::WalOptions wal_options;
  wal_options.sync_interval_ms = options.sync_interval_ms;
  wal_options.sync_mode = options.sync ? tsdb::WalSyncMode::kAlways : tsdb::WalSyncMode::kNever;
  auto wal = tsdb::Wal::open(dir, wal_options);
  if (!wal) {
    spdlog::error("wal bench: {}", wal.error().toString());
    return false;
  }
  const std::vector<uint8_t> payload(options.record_bytes, 0x5A);
  std::atomic<bool> failed{false};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(writers));
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(options.seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      auto& mine = latencies[static_cast<size_t>(t)];
      while (!failed.load(std::memory_order_relaxed)) {
        const auto before = std::chrono::steady_clock::now();
        if (before >= deadline) break;
        auto lsn = (*wal)->append(payload);
        if (!lsn || !(*wal)->waitDurable(*lsn)) {
          failed = true;
          break;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - before).count());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const tsdb::WalStats stats = (*wal)->stats();
  wal->reset();
  fs::remove_all(dir, ec);
  if (failed) {
    spdlog::error("wal bench: append failed: {}", stats.last_error);
    return false;
  }
  std::vector<double> all;
  for (auto& mine : latencies) all.insert(all.end(), mine.begin(), mine.end());
  const std::string prefix = "writers_" + std::to_string(writers) + "_";
  const double appends = static_cast<double>(stats.appends);
  result.add(prefix + "appends_per_sec", appends / seconds);
  result.add(prefix + "mib_per_sec", appends * static_cast<double>(options.record_bytes) / seconds / (1 << 20));
  result.add(prefix + "syncs_per_sec", static_cast<double>(stats.syncs) / seconds);
  result.add(prefix + "records_per_sync", stats.records_per_sync);
  result.add(prefix + "ack_p50_ms", percentileMs(all, 0.50));
  result.add(prefix + "ack_p99_ms", percentileMs(all, 0.99));
  return true;
}

}  // namespace

int runWalBench(const WalBenchOptions& options, BenchResult& result) {
  result.add("record_bytes", static_cast<double>(options.record_bytes));
  result.add("sync_interval_ms", options.sync_interval_ms);
  for (int writers : options.writers) {
    if (!runOnce(options, writers, result)) return 1;
  }
  return 0;
}

}  // namespace kubemonitor::bench
