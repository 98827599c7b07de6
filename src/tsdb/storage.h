#pragma once
// The storage interface the API layer talks to. MemoryStorage implements it today; the embedded
// engine of DESIGN §4 replaces it without the server noticing.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/report.h"

namespace kubemonitor::tsdb {

struct NodeSample {
  std::string node;
  int64_t timestamp_ms = 0;  // Unix ms; for a series point, the start of its step bucket
  int64_t interval_ms = 0;   // the reporting agent's collection interval; 0 when unknown
  model::NodeUsage usage;
};

// Inclusive range [start_ms, end_ms] in Unix ms, cut into buckets of step_ms (> 0).
struct SeriesQuery {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t step_ms = 0;
};

struct IngestOutcome {
  size_t accepted = 0;    // samples stored (0 when the report is already older than the retention)
  bool replaced = false;  // (node, timestamp) was already stored: a replay, which replaced it
};

struct StorageStats {
  std::string engine;  // "memory", later "embedded" or "clickhouse"
  size_t nodes = 0;    // nodes with at least one sample
  size_t samples = 0;  // node samples held
};

// Thread-safe: any number of concurrent readers and writers.
class Storage {
 public:
  virtual ~Storage() = default;
  // Idempotent on (node, timestamp): a replayed report replaces the stored one, never duplicates.
  virtual Result<IngestOutcome> ingest(const model::Report& report) = 0;
  // The newest sample of each node, sorted by node name.
  virtual std::vector<NodeSample> latestNodes() const = 0;
  virtual std::optional<NodeSample> latestNode(std::string_view node) const = 0;
  // One point per step bucket [t, t+step) aligned to multiples of step_ms, for the buckets that
  // hold samples within [start_ms, end_ms]; gauges are averaged over the bucket, counters and
  // capacities take the bucket's last value (see bucket_aggregator.h). Timestamp = bucket start.
  virtual std::vector<NodeSample> nodeSeries(std::string_view node, const SeriesQuery& query) const = 0;
  virtual StorageStats stats() const = 0;
};

}  // namespace kubemonitor::tsdb
