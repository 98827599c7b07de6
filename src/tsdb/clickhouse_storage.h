#pragma once
// Storage over ClickHouse (DESIGN §4, issue 17): the server keeps no state of its own, so several
// replicas over one ClickHouse cluster answer alike.
//
// Reports are written in batches: what arrives while a batch is being written (up to
// kClickHouseMaxBatch reports) goes into the next one, as three inserts per shard (containers,
// pods, then the node rows, which make each copy visible: clickhouse_rows.h) into the owning
// shard's local tables, and every report of the batch is answered after them, so that a 202 means
// ClickHouse has its rows. With `cluster=`, the URL's endpoints are the cluster's shards (one
// server of each); a node's shard is a hash of its name over them, the same on every replica. Few large inserts are what MergeTree wants: each insert is
// a part on disk that background merges must fold again. Reads fetch the rows a question needs — the newest report of
// each node, one object's rows in a window — rebuild the reports they come from and answer them
// with the in-memory engine's own code, so every answer is the embedded engine's, bit for bit.
//
// Tables (per database): nodes, pods, containers; with `cluster=` those are Distributed tables
// (sharded by node: a report's rows stay together) over nodes_local, pods_local, containers_local
// on every server; without it, the MergeTree tables themselves. ReplacingMergeTree(version), daily
// partitions (PARTITION BY day), ordered for one object over a window. Retention drops whole
// partitions (dropExpiredPartitions), which works on every ClickHouse version, 18.16 included.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "tsdb/clickhouse_client.h"
#include "tsdb/clickhouse_rows.h"
#include "tsdb/storage.h"

namespace kubemonitor::tsdb {

class MemoryStorage;

// The schema version this server writes; open() migrates older schemas up to it.
inline constexpr int kClickHouseSchemaVersion = 1;
// Reports per insert at most (110-pod reports: about 4 MB of RowBinary rows).
inline constexpr size_t kClickHouseMaxBatch = 64;

class ClickHouseStorage final : public Storage {
 public:
  // Creates the database and tables on every endpoint when missing (idempotent; replicas may race),
  // drops expired partitions, and starts the thread that drops them every hour after that.
  // kUnavailable when a server cannot be reached or refuses the schema.
  static Result<std::unique_ptr<ClickHouseStorage>> open(const Clock& clock, ClickHouseUrl url,
                                                         std::chrono::seconds retention,
                                                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

  ~ClickHouseStorage() override;
  ClickHouseStorage(const ClickHouseStorage&) = delete;
  ClickHouseStorage& operator=(const ClickHouseStorage&) = delete;

  // IngestOutcome::replaced is always false: telling a replay apart would cost a read per report,
  // and nothing the API answers depends on it (the replay replaces its earlier copy either way).
  Result<IngestOutcome> ingest(const model::Report& report) override;
  // Queued for the next batch; `done` is called from a writer thread once the batch is in.
  void ingestAsync(model::Report report, IngestCallback done) override;
  std::vector<NodeSample> latestNodes() const override;
  std::optional<NodeSample> latestNode(std::string_view node) const override;
  std::vector<NodeSample> nodeSeries(std::string_view node, const SeriesQuery& query) const override;
  std::vector<ObjectSample> latest(ObjectKind kind, const LatestFilter& filter) const override;
  std::optional<ObjectSample> latestObject(const ObjectKey& key, int64_t stale_after_ms) const override;
  std::vector<ObjectSample> series(const ObjectKey& key, const SeriesQuery& query) const override;
  std::vector<NamespaceCandidate> findNamespaces(ObjectKind kind, std::string_view name,
                                                 int64_t stale_after_ms) const override;
  std::vector<ContainerSample> latestContainers(const ObjectKey& pod) const override;
  std::vector<std::vector<ObjectSample>> seriesOf(std::span<const ObjectSeriesQuery> queries) const override;
  std::vector<std::vector<ContainerSample>> latestContainersOf(std::span<const ObjectKey> pods) const override;
  // Of the last hour only (nodes, node reports — a replayed copy counts until merged — and pod,
  // namespace and deployment series): /health asks at every probe.
  StorageStats stats() const override;
  std::optional<Error> takeReadFailure() const override;

  // Drops every daily partition wholly older than the retention, on every server. Returns how many.
  Result<size_t> dropExpiredPartitions();

 private:
  ClickHouseStorage(const Clock& clock, ClickHouseUrl url, std::chrono::seconds retention,
                    std::chrono::milliseconds timeout);
  Status createSchema();

  // Row fetches; `where` is a SQL condition over the table's columns. A failure is recorded for
  // takeReadFailure() and answers nothing.
  std::vector<NodeRow> nodeRows(const std::string& where) const;
  std::vector<PodRow> podRows(const std::string& where) const;
  std::vector<ContainerRow> containerRows(const std::string& where) const;
  template <typename Row, typename Decode>
  std::vector<Row> fetchRows(ClickHouseTable which, const std::string& where, Decode decode) const;
  // The newest visible node row of each node (or of `node`) within the retention.
  std::vector<NodeRow> newestNodeRows(std::string_view node = {}) const;
  // The node rows of the reports `pods` come from.
  std::vector<NodeRow> nodeRowsOf(const std::vector<PodRow>& pods) const;
  // The (node, ts) of the newest visible report holding the pod (or container) `key`.
  std::vector<PodRow> newestPodRows(const ObjectKey& pod_key) const;
  // An engine holding `reports` alone, to answer from.
  std::unique_ptr<MemoryStorage> engineOf(const std::vector<model::Report>& reports) const;

  std::string table(ClickHouseTable which, bool local) const;
  int64_t cutoffMs() const;
  void recordFailure(const Error& error) const;

  void maintain();
  struct Pending {
    model::Report report;
    IngestCallback done;
  };
  void writeBatches();
  Status writeBatch(std::vector<Pending>& batch);
  uint64_t nextVersion();
  size_t shardOf(std::string_view node) const;  // index into the URL's endpoints

  const Clock& clock_;
  const std::chrono::seconds retention_;
  mutable ClickHouseClient client_;
  std::mutex maintenance_mutex_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;  // guarded by maintenance_mutex_
  std::thread maintenance_;
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::vector<Pending> queue_;   // guarded by queue_mutex_
  bool closing_ = false;         // guarded by queue_mutex_: writers finish the queue, then stop
  std::vector<std::thread> writers_;
  std::atomic<uint64_t> last_version_{0};
};

}  // namespace kubemonitor::tsdb
