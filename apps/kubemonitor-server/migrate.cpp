#include "migrate.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "tsdb/clickhouse_storage.h"
#include "tsdb/embedded_storage.h"

namespace kubemonitor {

int migrateToClickHouse(const std::string& data_dir, const tsdb::ClickHouseUrl& url, std::chrono::seconds retention) {
  SystemClock clock;
  tsdb::EmbeddedOptions options;
  options.data_dir = data_dir;
  options.retention = retention;
  auto embedded = tsdb::EmbeddedStorage::open(clock, options);
  if (!embedded) {
    spdlog::error("migrate: --data-dir {}: {}", data_dir, embedded.error().toString());
    return 1;
  }
  auto clickhouse = tsdb::ClickHouseStorage::open(clock, url, retention);
  if (!clickhouse) {
    spdlog::error("migrate: ClickHouse: {}", clickhouse.error().toString());
    return 1;
  }
  // Reports go in through the storage's batches; at most this many wait for ClickHouse at once.
  constexpr size_t kInFlight = 4 * tsdb::kClickHouseMaxBatch;
  std::mutex mutex;
  std::condition_variable answered;
  size_t in_flight = 0;   // guarded by mutex
  size_t stored = 0;      // guarded by mutex
  size_t expired = 0;     // guarded by mutex: older than the retention, not written
  std::optional<Error> failure;  // guarded by mutex: the first write that failed
  const auto started = std::chrono::steady_clock::now();
  size_t unreadable_blocks = 0;
  const Status exported = (*embedded)->exportReports(
      [&](const model::Report& report) -> Status {
        std::unique_lock lock(mutex);
        answered.wait(lock, [&] { return in_flight < kInFlight || failure; });
        if (failure) return *failure;
        ++in_flight;
        lock.unlock();
        (*clickhouse)->ingestAsync(report, [&](Result<tsdb::IngestOutcome> outcome) {
          std::lock_guard done(mutex);
          --in_flight;
          if (!outcome) {
            if (!failure) failure = outcome.error();
          } else if (outcome->accepted == 0) {
            ++expired;
          } else {
            ++stored;
          }
          answered.notify_all();
        });
        return {};
      },
      unreadable_blocks);
  std::unique_lock lock(mutex);
  answered.wait(lock, [&] { return in_flight == 0; });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!exported || failure) {
    spdlog::error("migrate: stopped after {} reports: {}", stored, (failure ? *failure : exported.error()).toString());
    return 1;
  }
  spdlog::info("migrate: {} reports from {} into ClickHouse database {} in {:.1f} s ({} older than the retention "
               "left out, {} unreadable blocks skipped)",
               stored, data_dir, url.database, seconds, expired, unreadable_blocks);
  return unreadable_blocks == 0 ? 0 : 1;
}

}  // namespace kubemonitor
