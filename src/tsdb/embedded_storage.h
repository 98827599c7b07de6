#pragma once
// The embedded engine (DESIGN §4): the server's default Storage. Design and figures in
// docs/tsdb-engine.md. In short:
//   ingest  = log the report (report_record.h) in the WAL, apply it to the in-RAM head (a
//             MemoryStorage: latest values, sums, liveness), then acknowledge once the record is
//             durable (group commit): ingestAsync answers from the WAL's flusher, no thread waits;
//   checkpoint = every `checkpoint_records` reports, the WAL range since the last checkpoint
//             becomes an immutable, column-compressed block file (block.h) and the WAL is truncated
//             before it, so a restart replays only the tail;
//             checkpoints and compaction run on the engine's own maintenance thread, never on
//             an ingesting or querying one;
//   compaction = neighbouring blocks merge into one of at most `compact_span_ms`, where chunks
//             are longer and compress better; retention deletes whole expired blocks, the head
//             frees the series of pods gone longer than the retention;
//   restart = load the blocks into the head (corrupt entries are skipped and counted), then replay
//             the WAL from the checkpoint.
// A failed write (ENOSPC, EROFS) is an error value (ingest → 507/503 by the router); the WAL is
// reopened on the next ingest, so the engine recovers by itself once space returns.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "tsdb/block.h"
#include "tsdb/memory_storage.h"
#include "tsdb/row_samples.h"
#include "tsdb/wal.h"

namespace kubemonitor::tsdb {

struct EmbeddedOptions {
  std::filesystem::path data_dir;                 // holds wal/ and blocks/
  std::chrono::seconds retention{7 * 24 * 3600};  // data older than now − retention is dropped
  WalOptions wal;                                 // sync_interval_ms: the group commit window
  // Reports logged since the last checkpoint that trigger one. Checkpoints and merges stream a node
  // at a time, so this bounds only the WAL a restart replays; the 60 s below trigger first up to
  // ~550 reports/s. (At 4,096, 1,000 agents every 2 s checkpointed every 8 s: 2.7× the merge and
  // snapshot CPU of one checkpoint a minute, docs/benchmarks.md.)
  uint64_t checkpoint_records = 32768;
  // A checkpoint also runs once this much wall time passed since the last one, or once the WAL tail
  // spans this much report time (a backlog ingested fast): the head then holds about this much of
  // each series (≤ 13 samples at a 5 s interval) and a restart replays at most this much of the
  // WAL — the replay (~0.4 ms per report of 110 pods) is most of a restart. 0: only
  // checkpoint_records triggers.
  std::chrono::seconds checkpoint_interval{60};
  int64_t compact_span_ms = 6 * 3600 * 1000;      // merged blocks cover at most this much time (ms)
  // Agents replay up to 15 min late. Namespace/deployment points older than their newest point
  // minus this keep only which nodes added (MemoryStorage's replay_window); a later replay into one
  // is still exact, summed again from the pods, just slower. 0: keep every node's share.
  std::chrono::seconds replay_window{20 * 60};
};

// Tiered compaction. Checkpoint blocks (about checkpoint_interval each) merge into ~10 min blocks,
// those into ~1 h, those into compact_span_ms (6 h): a block's tier is the first whose limit is
// more than twice its span. A run of neighbouring blocks of one tier merges once it is closed —
// the next block of the tier would take it past the tier's limit — or holds kCompactionFanIn
// blocks; so each sample is rewritten about once per tier, not at every checkpoint.
inline constexpr int64_t kCompactionTierMs[] = {10 * 60'000, 3'600'000};  // below compact_span_ms
inline constexpr size_t kCompactionFanIn = 6;
// How much lower the maintenance thread's scheduling priority is than the server's other threads.
inline constexpr int kMaintenanceNiceIncrement = 10;
// Runs [first, second) of neighbouring blocks (LSN order) to merge, oldest first. `merge_open_runs`:
// also runs of ≥ 2 blocks still growing at the end of their tier (an explicit compact()).
std::vector<std::pair<size_t, size_t>> pickCompactions(std::span<const BlockHeader> blocks, int64_t top_span_ms,
                                                       bool merge_open_runs);

// Rollup resolutions (min, max, avg, last per field), picked by rollupResolutionFor.
inline constexpr int64_t kRollupMinuteMs = 60'000;
inline constexpr int64_t kRollupHourMs = 3'600'000;
// A rollup bucket is cached once it ended this long ago: later reports for it are replays, which
// drop the cache (ms).
inline constexpr int64_t kRollupSealDelayMs = 5 * 60'000;

// The coarsest rollup whose resolution divides step_ms (the step the API chose from the window and
// max-data-points): kRollupHourMs, kRollupMinuteMs, or 0 for raw samples.
int64_t rollupResolutionFor(int64_t step_ms);
// The zstd level of a block's entries, by how long it stays before compaction rewrites it.
int zstdLevelFor(const BlockHeader& header);

struct RollupPoint {
  int64_t bucket_ms = 0;          // bucket start, Unix ms, a multiple of the resolution
  ObjectBucketAggregator values;  // min(), max(), result() (gauges averaged), last()
  ObjectSample labels;            // the bucket's newest sample (node, deployment, uid, interval)
};

struct EngineStats {
  size_t blocks = 0;              // block files on disk
  uint64_t block_bytes = 0;       // their total size (bytes)
  uint64_t block_samples = 0;     // field values they hold (a replayed report counts once per block)
  size_t corrupt_entries = 0;     // block entries and WAL records skipped at open (bad checksum, chunk, record)
  size_t corrupt_blocks = 0;      // block files unreadable as a whole at open (left on disk, renamed *.corrupt)
  size_t old_range_read_errors = 0;  // blocks missing/unreadable or entries corrupt met serving old ranges (skipped)
  // Counters: namespace/deployment samples below the head's floor answered from the blocks'
  // pre-aggregated entries, and those summed from their pods' rows instead (aggregate_rows.h).
  uint64_t preaggregated_samples = 0;
  uint64_t aggregate_samples_from_pods = 0;
  uint64_t replayed_records = 0;  // WAL records replayed at open
  bool restored_from_snapshot = false;  // open() loaded the head snapshot instead of decoding blocks
  size_t snapshot_fallbacks = 0;  // a head snapshot was there but unusable (torn, corrupt, stale): blocks decoded
  uint64_t checkpoint_lsn = 0;    // WAL records before this are in blocks
  WalStats wal;
  std::string last_error;  // the most recent write failure, empty once writes succeed again
};

class EmbeddedStorage final : public Storage {
 public:
  // Opens (creating when missing) the engine in options.data_dir and restores its state. `clock`
  // must outlive the storage. Errors: the WAL's (kPermission, kParse, kIo) and kIo for the directory.
  static Result<std::unique_ptr<EmbeddedStorage>> open(const Clock& clock, EmbeddedOptions options);
  ~EmbeddedStorage() override;

  // Errors: kIo with "no space left on device" (ENOSPC), kPermission (read-only data dir), kIo.
  // Nothing is acknowledged that is not durable; nothing durable is damaged by a failed write.
  Result<IngestOutcome> ingest(const model::Report& report) override;
  // Appends and applies on the caller's thread (no disk wait: the WAL write is to the page cache),
  // then answers from the WAL's flusher once the record is durable. The report is visible to
  // queries before it is acknowledged (a crash before the sync loses it, unacknowledged).
  void ingestAsync(model::Report report, IngestCallback done) override;
  std::vector<NodeSample> latestNodes() const override { return head_.latestNodes(); }
  std::optional<NodeSample> latestNode(std::string_view node) const override { return head_.latestNode(node); }
  // Ranges older than the head's floor (headFloorMs) are read from the blocks.
  std::vector<NodeSample> nodeSeries(std::string_view node, const SeriesQuery& query) const override;
  std::vector<ObjectSample> latest(ObjectKind kind, const LatestFilter& filter) const override {
    return head_.latest(kind, filter);
  }
  std::optional<ObjectSample> latestObject(const ObjectKey& key, int64_t stale_after_ms) const override {
    return head_.latestObject(key, stale_after_ms);
  }
  // Steps that are whole minutes or hours fold cached rollups instead of every raw sample; the
  // points are the same as from raw samples (gauge sums add exactly across buckets).
  std::vector<ObjectSample> series(const ObjectKey& key, const SeriesQuery& query) const override;
  // The rollup buckets of `resolution_ms` (kRollupMinuteMs or kRollupHourMs) that hold samples in
  // [start_ms, end_ms]; edge buckets only fold the samples inside the range.
  std::vector<RollupPoint> rollups(const ObjectKey& key, int64_t resolution_ms, int64_t start_ms, int64_t end_ms) const;
  size_t cachedRollups() const;
  std::vector<NamespaceCandidate> findNamespaces(ObjectKind kind, std::string_view name,
                                                 int64_t stale_after_ms) const override {
    return head_.findNamespaces(kind, name, stale_after_ms);
  }
  std::vector<ContainerSample> latestContainers(const ObjectKey& pod) const override {
    return head_.latestContainers(pod);
  }
  StorageStats stats() const override;

  // Writes the WAL records since the last checkpoint as a block and truncates the WAL before them.
  Status checkpoint();
  // Every stored report, oldest block first (so a later copy of a (node, timestamp) comes after
  // the one it replaced), after a checkpoint has put the WAL's records into a block: what
  // `kubemonitor-server migrate` replays into ClickHouse. Stops at the first error `visit` returns.
  // A block that cannot be read is skipped and counted in `unreadable_blocks`.
  Status exportReports(const std::function<Status(const model::Report&)>& visit, size_t& unreadable_blocks);
  // Merges every run of ≥ 2 neighbouring blocks of one tier (see pickCompactions; growing runs
  // too) and deletes expired ones. Checkpoints run the tiered compaction without the growing runs.
  Status compact();
  EngineStats engineStats() const;
  // Returns once maintenance request `ticket` (0: every one made so far) has been served.
  void waitForMaintenance(uint64_t ticket = 0);
  // The head holds every sample at or after this (Unix ms); older ones only as the newest point of
  // their series. INT64_MIN until the first checkpoint trims it; then the oldest report timestamp
  // not in a block yet, at most the newest one in a block, so the head holds about one
  // checkpoint_interval of each series.
  int64_t headFloorMs() const { return head_floor_ms_.load(); }

 private:
  struct BlockFile {
    std::filesystem::path path;
    BlockHeader header;
    uint64_t bytes = 0;
    uint64_t samples = 0;
  };
  EmbeddedStorage(const Clock& clock, EmbeddedOptions options);
  Status restore();
  // Loads data_dir/head.snapshot into the (empty) head when it is of checkpoint_lsn_ and lists
  // exactly blocks_ (their sample counts come from it); false, counted, when missing or unusable.
  bool loadSnapshotLocked();
  // Writes the head snapshot of checkpoint_lsn_ and blocks_ durably. Caller holds maintenance_mutex_.
  Status writeSnapshotLocked();
  // A write or a sync of the WAL failed: it must be reopened first. Caller holds ingest_mutex_.
  bool walFailedLocked() const { return wal_failed_ || failed_wal_generation_.load() == wal_generation_; }
  // Reopens the WAL after a failed write. Caller holds ingest_mutex_.
  Status reopenWalLocked();
  Status checkpointLocked();
  // ingest and ingestAsync: log, apply, then `done` once durable, with the maintenance request it
  // made (0: none).
  using LoggedCallback = std::function<void(Result<IngestOutcome>, uint64_t maintenance_ticket)>;
  void logAndApply(model::Report report, LoggedCallback done);
  // Wakes the maintenance thread: a checkpoint (and the compaction after it) is due. Returns the
  // request's ticket for waitForMaintenance (0 once the engine is closing).
  uint64_t requestMaintenance();
  // The maintenance thread's body: checkpoints and compacts when asked, until stopped.
  void maintenanceLoop();
  // Whether a checkpoint_interval has passed since the last checkpoint, by wall time or by the
  // report time the WAL tail spans (`tail_span_ms`).
  bool checkpointDue(int64_t tail_span_ms) const;
  Status compactLocked(bool merge_open_runs);
  // Merges each run [first, second) of blocks_ into one block. Caller holds maintenance_mutex_.
  Status mergeRunsLocked(const std::vector<std::pair<size_t, size_t>>& runs);
  void dropExpiredBlocksLocked();
  Result<BlockFile> writeBlock(const BlockHeader& header, std::span<const model::Report> reports);
  // The merge of blocks_[begin, end) as one block file, streamed a series at a time (block_merge.h);
  // inputs without a usable series index (format 1, a corrupt index) are merged in memory instead.
  // Caller holds maintenance_mutex_.
  Result<BlockFile> writeMergedBlock(size_t begin, size_t end);
  // The WAL records [checkpoint_lsn_, upto) as one block file, a node at a time (the newest copy
  // of each (node, timestamp)). Caller holds maintenance_mutex_.
  Result<BlockFile> writeCheckpointBlock(const Wal& wal, uint64_t upto);
  Result<BlockFile> mergeBlocksInMemory(size_t begin, size_t end);
  void noteError(const Error& error);
  int64_t cutoffMs() const;
  // Publishes blocks_ to readers, forgets late reports and WAL-tail times now in blocks, and trims
  // the head below the new floor. Caller holds maintenance_mutex_ (not ingest_mutex_).
  void publishAndTrimLocked();
  // Forgets late reports and WAL-tail times now in blocks and raises head_floor_ms_ to what the
  // blocks hold: the new floor, or INT64_MIN when it did not move. Caller holds ingest_mutex_ and
  // old_mutex_ (unique).
  int64_t raiseFloorLocked();
  // Raw samples (one per report timestamp) in [lo_ms, hi_ms]: from the blocks and late reports
  // below the head's floor, from the head above it; a pod's block rows decode only `pod_columns`
  // (SeriesQuery). Caller holds old_mutex_ (shared).
  void visitRawSamplesLocked(const ObjectKey& key, int64_t lo_ms, int64_t hi_ms, const SampleVisitor& visit,
                             uint64_t pod_columns = kAllPodColumns) const;
  std::vector<NodeSample> nodeSeriesLocked(std::string_view node, const SeriesQuery& query) const;
  std::vector<NodeSample> rawNodeSamplesLocked(std::string_view node, int64_t lo_ms, int64_t hi_ms) const;
  // Node `node`'s newest copy of each report in [lo_ms, hi_ms] from the blocks, then the late
  // reports (newest LSN wins), pods as identities only (a node series counts them), in a
  // MemoryStorage, so that its answers are the head's. Caller holds old_mutex_ (shared).
  std::unique_ptr<MemoryStorage> oldNodeRangeLocked(std::string_view node, int64_t lo_ms, int64_t hi_ms) const;
  // Visits the raw samples of pod, namespace or deployment `key` in [lo_ms, hi_ms] from the blocks
  // and late reports: the points, bit for bit, that a MemoryStorage fed the newest copy of each
  // (node, timestamp) would answer, built straight from the blocks' rows of the object's pods
  // (row_samples.h) instead of through reports and a throwaway MemoryStorage. Caller holds
  // old_mutex_ (shared).
  void visitOldSamplesLocked(const ObjectKey& key, int64_t lo_ms, int64_t hi_ms, const SampleVisitor& visit,
                             uint64_t pod_columns = kAllPodColumns) const;
  // visitOldSamplesLocked from the pods' (and containers') block rows and the late reports.
  void visitOldRowsLocked(const ObjectKey& key, int64_t lo_ms, int64_t hi_ms, const SampleVisitor& visit,
                          uint64_t pod_columns = kAllPodColumns) const;
  // visitOldSamplesLocked of a namespace or deployment: the blocks' pre-aggregated entries where
  // they answer exactly (aggregate_rows.h), the pods' rows for the other timestamps.
  void visitOldAggregateLocked(const ObjectKey& key, int64_t lo_ms, int64_t hi_ms, const SampleVisitor& visit) const;
  // A served block's file, mapped once when it is served and searched in place by every old-range
  // read (no open, mmap or page faults per query), with its series index checked once (nullopt:
  // version 1 or a corrupt index, read by the full scan). Block files are immutable; a file
  // unlinked while mapped is still read through its mapping until the block stops being served.
  struct MappedBlock {
    MappedFile file;
    std::optional<BlockIndex> index;
  };
  struct ServedBlock {
    BlockFile file;
    std::shared_ptr<const MappedBlock> mapped;  // null: it could not be mapped; each read retries
  };
  // Null when the file cannot be opened or mapped (counted by the read that wanted it).
  static std::shared_ptr<const MappedBlock> mapBlock(const std::filesystem::path& path);
  // blocks_ as readers are to see them, to be swapped in under old_mutex_: the mappings of blocks
  // already served are kept, the others mapped now (without old_mutex_: readers go on meanwhile).
  // Caller holds maintenance_mutex_, which every writer of served_blocks_ holds.
  std::vector<ServedBlock> blocksToServeLocked() const;
  // The served blocks overlapping [lo_ms, hi_ms], oldest LSN first (a newer copy replaces); a block
  // that cannot be mapped is skipped and counted. When `pod_nodes` is given it gets every node the
  // filter's pods sit on in ANY of them (sorted, unique): a newer copy of (node, timestamp) that no
  // longer lists the pod must still replace the older one, so those node entries are read from all.
  std::vector<std::shared_ptr<const MappedBlock>> mapBlocksLocked(const BlockFilter& filter, int64_t lo_ms,
                                                                  int64_t hi_ms,
                                                                  std::vector<std::string>* pod_nodes) const;

  const Clock& clock_;
  const EmbeddedOptions options_;
  const std::filesystem::path block_dir_;
  MemoryStorage head_;  // thread-safe on its own

  // Serialises WAL appends with head applies, so both see reports in the same order.
  mutable std::mutex ingest_mutex_;
  std::shared_ptr<Wal> wal_;  // guarded by ingest_mutex_; a checkpoint keeps its copy alive
  bool wal_failed_ = false;   // guarded by ingest_mutex_: reopen before the next append
  uint64_t wal_generation_ = 1;  // guarded by ingest_mutex_: bumped by each reopen
  // The generation of a WAL whose sync failed (a durability callback sets it without taking
  // ingest_mutex_, which a WAL being closed under it may hold); 0: none.
  std::atomic<uint64_t> failed_wal_generation_{0};

  // The maintenance thread and its requests: checkpoints and compaction never run on an ingesting
  // or a querying thread.
  std::mutex maintenance_request_mutex_;
  std::condition_variable maintenance_cv_;
  uint64_t maintenance_requested_ = 0;  // guarded by maintenance_request_mutex_: requests so far
  uint64_t maintenance_done_ = 0;       // guarded by maintenance_request_mutex_: requests served
  bool maintenance_stopping_ = false;   // guarded by maintenance_request_mutex_
  std::thread maintenance_thread_;

  // Checkpoints, compaction, retention: one at a time.
  mutable std::mutex maintenance_mutex_;
  std::vector<BlockFile> blocks_;  // guarded by maintenance_mutex_, sorted by first_lsn
  uint64_t checkpoint_lsn_ = 0;    // guarded by maintenance_mutex_
  std::atomic<uint64_t> logged_since_checkpoint_{0};
  std::atomic<int64_t> last_checkpoint_wall_ms_{0};  // wall clock of the last checkpoint (or open), Unix ms
  size_t corrupt_entries_ = 0;     // set by restore()
  size_t corrupt_blocks_ = 0;      // set by restore()
  uint64_t replayed_records_ = 0;  // set by restore()
  bool restored_from_snapshot_ = false;  // set by restore()
  size_t snapshot_fallbacks_ = 0;        // set by restore()
  // Sealed rollup buckets by (series, resolution); dropped whole when a report lands in one.
  mutable std::mutex rollup_mutex_;
  mutable std::map<std::pair<ObjectKey, int64_t>, std::map<int64_t, RollupPoint>> rollup_cache_;  // guarded
  mutable int64_t rollup_cached_until_ms_ = INT64_MIN;  // guarded: end of the newest cached bucket
  uint64_t rollup_generation_ = 0;                      // guarded: bumped when the cache is dropped
  // Reads below the head's floor. Lock order: maintenance_mutex_, ingest_mutex_, old_mutex_, the head's.
  mutable std::shared_mutex old_mutex_;
  std::vector<ServedBlock> served_blocks_;  // guarded by old_mutex_: blocks_ as readers see it
  // Reports logged with a timestamp below the floor since the last checkpoint (a replay later than
  // the replay window): their LSN and the report; guarded by old_mutex_.
  std::vector<std::pair<uint64_t, model::Report>> late_reports_;
  std::atomic<int64_t> head_floor_ms_{INT64_MIN};  // written under ingest_mutex_ and old_mutex_
  // (LSN, report timestamp) of the WAL records not yet in a block: the floor stays below them.
  std::vector<std::pair<uint64_t, int64_t>> tail_times_;  // guarded by ingest_mutex_
  mutable std::atomic<size_t> old_range_read_errors_{0};  // see EngineStats::old_range_read_errors
  mutable std::atomic<uint64_t> preaggregated_samples_{0};        // see EngineStats
  mutable std::atomic<uint64_t> aggregate_samples_from_pods_{0};  // see EngineStats
  mutable std::mutex error_mutex_;
  std::string last_error_;  // guarded by error_mutex_
};

}  // namespace kubemonitor::tsdb
