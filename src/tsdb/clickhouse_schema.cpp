// ClickHouseStorage's schema and retention (clickhouse_storage.h): the tables created and migrated
// at start, and the daily partitions dropped at start and hourly.

#include <cstdio>
#include <cstdlib>

#include "common/thread_name.h"
#include "tsdb/clickhouse_sql.h"
#include "tsdb/clickhouse_storage.h"

namespace kubemonitor::tsdb {

using internal::dayLiteral;
using internal::quote;

void ClickHouseStorage::maintain() {
  nameThisThread("ch-retention");
  // Partitions are days: dropping them hourly keeps at most a day and an hour past the retention.
  constexpr auto kPeriod = std::chrono::hours(1);
  std::unique_lock lock(maintenance_mutex_);
  while (!maintenance_cv_.wait_for(lock, kPeriod, [this] { return stopping_; })) {
    lock.unlock();
    if (auto dropped = dropExpiredPartitions(); !dropped) {
      // ClickHouse down: the next hour tries again; nothing is lost by waiting.
      std::fprintf(stderr, "ClickHouse retention: %s\n", dropped.error().toString().c_str());
    }
    lock.lock();
  }
}

std::string ClickHouseStorage::table(ClickHouseTable which, bool local) const {
  const char* name = which == ClickHouseTable::kNodes ? "nodes" : which == ClickHouseTable::kPods ? "pods" : "containers";
  const bool sharded = !client_.url().cluster.empty();
  return client_.url().database + "." + name + (local && sharded ? "_local" : "");
}

Status ClickHouseStorage::createSchema() {
  const ClickHouseUrl& url = client_.url();
  const std::string& db = url.database;
  struct TableShape {
    ClickHouseTable table;
    const char* order_by;
  };
  // ORDER BY serves the reads the API makes: one pod (or container) over a window, a namespace or
  // deployment over a window (its pods are contiguous), a node over a window.
  constexpr TableShape kShapes[] = {{ClickHouseTable::kNodes, "(node, ts_ms)"},
                                    {ClickHouseTable::kPods, "(namespace, pod, ts_ms, node)"},
                                    {ClickHouseTable::kContainers, "(namespace, pod, container, ts_ms, node)"}};
  for (size_t endpoint = 0; endpoint < client_.endpointCount(); ++endpoint) {
    std::vector<std::string> statements{
        "CREATE DATABASE IF NOT EXISTS " + db,
        "CREATE TABLE IF NOT EXISTS " + db + ".schema_version (version UInt32, applied_ms Int64) ENGINE = Log"};
    auto current = client_.queryOn(endpoint, statements[0]);
    if (current) current = client_.queryOn(endpoint, statements[1]);
    if (current) current = client_.queryOn(endpoint, "SELECT max(version) FROM " + db + ".schema_version FORMAT TSV");
    if (!current) return current.error();
    const int version = std::atoi(current->c_str());
    if (version > kClickHouseSchemaVersion) {
      return makeError(ErrorCode::kInvalidArgument, "ClickHouse schema version " + std::to_string(version) +
                                                        " is newer than this server's (" +
                                                        std::to_string(kClickHouseSchemaVersion) + "): upgrade the server");
    }
    if (version == kClickHouseSchemaVersion) continue;
    // Version 1: the three tables (and their Distributed fronts).
    std::vector<std::string> v1;
    for (const TableShape& shape : kShapes) {
      v1.push_back("CREATE TABLE IF NOT EXISTS " + table(shape.table, true) + " (" +
                   clickHouseColumnDefinitions(shape.table) +
                   ") ENGINE = ReplacingMergeTree(version) PARTITION BY day ORDER BY " + shape.order_by);
      if (!url.cluster.empty()) {
        const std::string local = table(shape.table, true);
        v1.push_back("CREATE TABLE IF NOT EXISTS " + table(shape.table, false) + " AS " + local +
                     " ENGINE = Distributed(" + url.cluster + ", " + db + ", " +
                     local.substr(local.find('.') + 1) + ", cityHash64(node))");
      }
    }
    v1.push_back("INSERT INTO " + db + ".schema_version VALUES (1, " + std::to_string(toUnixMs(clock_.wallNow())) + ")");
    for (const std::string& statement : v1) {
      if (auto done = client_.queryOn(endpoint, statement); !done) return done.error();
    }
  }
  return {};
}

Result<size_t> ClickHouseStorage::dropExpiredPartitions() {
  size_t dropped = 0;
  const std::string cutoff_day = dayLiteral(cutoffMs());
  for (size_t endpoint = 0; endpoint < client_.endpointCount(); ++endpoint) {
    for (ClickHouseTable which : {ClickHouseTable::kNodes, ClickHouseTable::kPods, ClickHouseTable::kContainers}) {
      const std::string local = table(which, true);
      const std::string bare = local.substr(local.find('.') + 1);
      // A partition whose newest day is before the cutoff's day holds nothing the retention keeps.
      auto parts = client_.queryOn(endpoint, "SELECT DISTINCT partition_id FROM system.parts WHERE active AND database = " +
                                                 quote(client_.url().database) + " AND table = " + quote(bare) +
                                                 " AND max_date < " + cutoff_day + " FORMAT TSVRaw");
      if (!parts) return parts.error();
      std::string_view list = *parts;
      while (!list.empty()) {
        const size_t eol = list.find('\n');
        std::string_view partition = list.substr(0, eol);
        list = eol == std::string_view::npos ? std::string_view{} : list.substr(eol + 1);
        if (partition.empty()) continue;
        if (auto done = client_.queryOn(endpoint, "ALTER TABLE " + local + " DROP PARTITION ID " + quote(partition)); !done)
          return done.error();
        ++dropped;
      }
    }
  }
  return dropped;
}

}  // namespace kubemonitor::tsdb
