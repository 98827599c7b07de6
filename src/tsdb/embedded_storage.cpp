#include "tsdb/embedded_storage.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <optional>

#include "common/thread_name.h"
#include "tsdb/block_merge.h"
#include "tsdb/block_writer.h"
#include "tsdb/bucket_aggregator.h"
#include "tsdb/head_snapshot.h"
#include "tsdb/aggregate_rows.h"
#include "tsdb/report_record.h"
#include "tsdb/row_samples.h"
#include "tsdb/series_folder.h"

namespace kubemonitor::tsdb {
namespace {

constexpr std::string_view kBlockSuffix = ".kmb";
constexpr std::string_view kSnapshotName = "head.snapshot";
// A block header is magic, version, four varints and a CRC: at most 4 + 1 + 4 × 10 + 4 bytes.
constexpr size_t kBlockHeaderMaxBytes = 64;

// The first `max_bytes` of a file (fewer when it is shorter).
Result<std::vector<uint8_t>> readFilePrefix(const std::filesystem::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kIo, "cannot open", path.string());
  std::vector<uint8_t> out(max_bytes);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(max_bytes));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

std::string blockName(uint64_t first_lsn, uint64_t last_lsn) {
  char name[64];
  std::snprintf(name, sizeof name, "block-%020" PRIu64 "-%020" PRIu64 ".kmb", first_lsn, last_lsn);
  return name;
}

// Keeps the newest copy of each (node, timestamp): `reports` in log order, a replay replaces.
std::vector<model::Report> newestCopies(std::vector<model::Report> reports) {
  std::map<std::pair<std::string, int64_t>, size_t> index;
  std::vector<model::Report> out;
  for (model::Report& r : reports) {
    auto [it, inserted] = index.try_emplace({r.node, r.timestamp_ms}, out.size());
    if (inserted)
      out.push_back(std::move(r));
    else
      out[it->second] = std::move(r);
  }
  return out;
}

// Reads each mapped block (oldest LSN first) with `read` (decodeBlockEntries or readBlockRows);
// a block that cannot be read and its corrupt entries are skipped and counted in `errors`.
template <typename Contents, typename MappedBlocks, typename Read>
std::vector<Contents> readEachBlock(const MappedBlocks& mapped, std::atomic<size_t>& errors, Read read) {
  std::vector<Contents> out;
  out.reserve(mapped.size());
  for (const auto& m : mapped) {
    Result<Contents> contents = read(m->file.bytes(), m->index ? &*m->index : nullptr);
    if (!contents) {
      ++errors;
      continue;
    }
    errors += contents->corrupt_entries;
    out.push_back(std::move(*contents));
  }
  return out;
}


}  // namespace

std::vector<std::pair<size_t, size_t>> pickCompactions(std::span<const BlockHeader> blocks, int64_t top_span_ms,
                                                       bool merge_open_runs) {
  std::vector<int64_t> limits;
  for (int64_t limit : kCompactionTierMs) {
    if (limit < top_span_ms) limits.push_back(limit);
  }
  limits.push_back(top_span_ms);
  // A block's tier: the first whose limit is more than twice its span; past the last, it is final.
  auto tierOf = [&](const BlockHeader& b) {
    const int64_t span = b.max_ts_ms - b.min_ts_ms;
    for (size_t t = 0; t < limits.size(); ++t) {
      if (span < limits[t] / 2) return t;
    }
    return limits.size();
  };
  std::vector<std::pair<size_t, size_t>> runs;
  size_t begin = 0;
  while (begin < blocks.size()) {
    const size_t tier = tierOf(blocks[begin]);
    if (tier == limits.size()) {
      ++begin;
      continue;
    }
    size_t end = begin + 1;
    int64_t lo = blocks[begin].min_ts_ms;
    int64_t hi = blocks[begin].max_ts_ms;
    bool closed = false;
    while (end < blocks.size() && tierOf(blocks[end]) == tier && (merge_open_runs || end - begin < kCompactionFanIn)) {
      const int64_t next_lo = std::min(lo, blocks[end].min_ts_ms);
      const int64_t next_hi = std::max(hi, blocks[end].max_ts_ms);
      if (next_hi - next_lo >= limits[tier]) {
        closed = true;
        break;
      }
      lo = next_lo;
      hi = next_hi;
      ++end;
    }
    const bool full = end - begin >= kCompactionFanIn;
    // Followed by younger blocks of a lower tier, a run still grows (they merge up next to it);
    // followed by a higher tier (a block holding a very late report), it never will.
    const bool stuck = end < blocks.size() && tierOf(blocks[end]) > tier;
    if (end - begin >= 2 && (closed || full || stuck || merge_open_runs)) runs.emplace_back(begin, end);
    begin = end;
  }
  return runs;
}

int zstdLevelFor(const BlockHeader& header) {
  // Blocks of the two lowest tiers (spans under 30 min: checkpoints and their first merges) are
  // rewritten by compaction within the hour; zstd's level 9 costs them ~4× the CPU of level 1
  // for bytes that soon go. Only the blocks that stay are compressed hard.
  const bool long_lived = header.max_ts_ms - header.min_ts_ms >= kCompactionTierMs[1] / 2;
  return long_lived ? kLongLivedBlockZstdLevel : kShortLivedBlockZstdLevel;
}

int64_t rollupResolutionFor(int64_t step_ms) {
  if (step_ms >= kRollupHourMs && step_ms % kRollupHourMs == 0) return kRollupHourMs;
  if (step_ms >= kRollupMinuteMs && step_ms % kRollupMinuteMs == 0) return kRollupMinuteMs;
  return 0;
}

EmbeddedStorage::EmbeddedStorage(const Clock& clock, EmbeddedOptions options)
    : clock_(clock),
      options_(std::move(options)),
      block_dir_(options_.data_dir / "blocks"),
      head_(clock, options_.retention, options_.replay_window) {}

EmbeddedStorage::~EmbeddedStorage() {
  {
    std::lock_guard request(maintenance_request_mutex_);
    maintenance_stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_thread_.joinable()) maintenance_thread_.join();
  // Closing the WAL syncs it and answers the ingests still waiting, while every member their
  // callbacks touch is alive (members declared after wal_ are destroyed before it).
  std::shared_ptr<Wal> wal;
  {
    std::lock_guard lock(ingest_mutex_);
    wal = std::move(wal_);
  }
  wal.reset();
}

Result<std::unique_ptr<EmbeddedStorage>> EmbeddedStorage::open(const Clock& clock, EmbeddedOptions options) {
  if (options.data_dir.empty()) return makeError(ErrorCode::kInvalidArgument, "the embedded engine needs a data dir");
  if (options.checkpoint_records == 0) options.checkpoint_records = 1;
  std::unique_ptr<EmbeddedStorage> storage(new EmbeddedStorage(clock, std::move(options)));
  std::error_code ec;
  std::filesystem::create_directories(storage->block_dir_, ec);
  if (ec) return makeError(ErrorCode::kIo, "cannot create the block directory: " + ec.message(), storage->block_dir_);
  auto wal = Wal::open(storage->options_.data_dir / "wal", storage->options_.wal);
  if (!wal) return wal.error();
  storage->wal_ = std::move(*wal);
  storage->last_checkpoint_wall_ms_ = toUnixMs(clock.wallNow());
  if (auto restored = storage->restore(); !restored) return restored.error();
  storage->maintenance_thread_ = std::thread([raw = storage.get()] {
    nameThisThread("km-maintenance");
    // Checkpoints and merges are CPU bursts of seconds; ingest acknowledgements and queries must
    // not queue behind them (nice 10: about a tenth of a contended CPU's share, the rest when idle).
    (void)lowerThisThreadPriority(kMaintenanceNiceIncrement);
    raw->maintenanceLoop();
  });
  return storage;
}

int64_t EmbeddedStorage::cutoffMs() const {
  return toUnixMs(clock_.wallNow()) - std::chrono::duration_cast<std::chrono::milliseconds>(options_.retention).count();
}

Status EmbeddedStorage::restore() {
  std::lock_guard lock(maintenance_mutex_);
  std::vector<BlockFile> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(block_dir_, ec)) {
    const auto& path = entry.path();
    if (path.extension() != kBlockSuffix) {
      // A temp file of a checkpoint or compaction cut short by a crash: its source is still there.
      if (path.string().ends_with(".kmb.tmp")) std::filesystem::remove(path, ec);
      continue;
    }
    // Only the header is read: with a snapshot the blocks are not decoded at all.
    auto bytes = readFilePrefix(path, kBlockHeaderMaxBytes);
    auto header = bytes ? decodeBlockHeader(*bytes) : Result<BlockHeader>(bytes.error());
    if (!header) {
      ++corrupt_blocks_;
      noteError(header.error());
      std::filesystem::rename(path, path.string() + ".corrupt", ec);  // kept for inspection, not read again
      continue;
    }
    std::error_code size_ec;
    const uint64_t size = std::filesystem::file_size(path, size_ec);
    found.push_back(BlockFile{path, *header, size_ec ? 0 : size, 0});
  }
  if (ec) return makeError(ErrorCode::kIo, "cannot list the block directory: " + ec.message(), block_dir_);
  std::sort(found.begin(), found.end(), [](const BlockFile& a, const BlockFile& b) {
    return std::pair(a.header.first_lsn, b.header.last_lsn) < std::pair(b.header.first_lsn, a.header.last_lsn);
  });
  // A compaction cut short leaves its inputs beside its output: the inputs are covered, drop them.
  for (const BlockFile& block : found) {
    if (!blocks_.empty() && block.header.last_lsn <= blocks_.back().header.last_lsn) {
      std::filesystem::remove(block.path, ec);
      continue;
    }
    blocks_.push_back(block);
  }
  dropExpiredBlocksLocked();
  for (const BlockFile& block : blocks_) checkpoint_lsn_ = std::max(checkpoint_lsn_, block.header.last_lsn + 1);
  const WalStats wal = wal_->stats();
  checkpoint_lsn_ = std::max(checkpoint_lsn_, std::min(wal.first_lsn, wal.next_lsn));
  if (!loadSnapshotLocked()) {
    // No usable snapshot: every block back into the head (oldest LSN first), trimmed below.
    for (BlockFile& block : blocks_) {
      auto bytes = readWholeFile(block.path);
      if (!bytes) return bytes.error();
      auto contents = decodeBlock(*bytes);
      if (!contents) return contents.error();
      block.samples = contents->samples;
      corrupt_entries_ += contents->corrupt_entries;
      if (!contents->first_error.empty()) noteError(makeError(ErrorCode::kParse, contents->first_error, block.path));
      for (const model::Report& report : contents->reports) {
        if (auto applied = head_.ingest(report); !applied) {
          ++corrupt_entries_;
          noteError(applied.error());
        }
      }
    }
  }
  const int64_t floor_ms = head_floor_ms_.load();
  Status replayed = wal_->replay(checkpoint_lsn_, [&](uint64_t lsn, std::span<const uint8_t> payload) -> Status {
    // The WAL checked the record's CRC: a record we cannot use is skipped and counted, so one bad
    // record never keeps the server from starting with everything else.
    auto report = decodeReportRecord(payload);
    auto applied = report ? head_.ingest(*report) : Result<IngestOutcome>(report.error());
    if (!applied) {
      ++corrupt_entries_;
      noteError(makeError(applied.error().code, applied.error().message, "WAL record " + std::to_string(lsn)));
      return {};
    }
    ++replayed_records_;
    tail_times_.emplace_back(lsn, report->timestamp_ms);
    // Below the snapshot's floor: served from late_reports_, as when it was first ingested.
    if (report->timestamp_ms < floor_ms) late_reports_.emplace_back(lsn, std::move(*report));
    return {};
  });
  if (!replayed) return replayed;
  logged_since_checkpoint_ = replayed_records_;
  publishAndTrimLocked();
  // Decoded the slow way: the next restart need not again.
  if (!restored_from_snapshot_ && !blocks_.empty()) (void)writeSnapshotLocked();
  return {};
}

bool EmbeddedStorage::loadSnapshotLocked() {
  const auto path = options_.data_dir / kSnapshotName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  auto bytes = readWholeFile(path);
  auto snapshot = bytes ? decodeHeadSnapshot(*bytes) : Result<HeadSnapshot>(bytes.error());
  auto reject = [&](const std::string& why) {
    ++snapshot_fallbacks_;
    noteError(makeError(ErrorCode::kParse, "head snapshot not used, blocks decoded instead: " + why, path));
    return false;
  };
  if (!snapshot) return reject(snapshot.error().toString());
  // Of this very checkpoint, with exactly these blocks: else a crash came between writes.
  if (snapshot->checkpoint_lsn != checkpoint_lsn_) return reject("it is of another checkpoint");
  for (BlockFile& block : blocks_) {
    auto listed = std::find_if(snapshot->blocks.begin(), snapshot->blocks.end(), [&](const SnapshotBlock& b) {
      return b.first_lsn == block.header.first_lsn && b.last_lsn == block.header.last_lsn;
    });
    if (listed == snapshot->blocks.end()) return reject("it does not list " + block.path.filename().string());
    block.samples = listed->samples;
  }
  if (auto loaded = head_.loadState(snapshot->head); !loaded) return reject(loaded.error().toString());
  head_floor_ms_ = snapshot->floor_ms;
  restored_from_snapshot_ = true;
  return true;
}

Status EmbeddedStorage::writeSnapshotLocked() {
  HeadSnapshot snapshot;
  snapshot.checkpoint_lsn = checkpoint_lsn_;
  snapshot.floor_ms = head_floor_ms_.load();
  for (const BlockFile& block : blocks_) {
    snapshot.blocks.push_back(SnapshotBlock{block.header.first_lsn, block.header.last_lsn, block.samples});
  }
  // Taken after the checkpoint LSN: it may already hold records of the WAL tail, which the replay
  // at open applies again — a report applied twice replaces itself, so the head ends the same.
  head_.saveState(snapshot.head);
  auto written = writeFileDurably(options_.data_dir / kSnapshotName, encodeHeadSnapshot(snapshot));
  if (!written) noteError(written.error());
  return written;
}

Result<IngestOutcome> EmbeddedStorage::ingest(const model::Report& report) {
  // A caller that blocks may as well wait for the checkpoint its report triggered: tests count
  // blocks after an ingest, and a bulk loader should not outrun the maintenance thread.
  std::promise<std::pair<Result<IngestOutcome>, uint64_t>> answered;
  auto answer = answered.get_future();
  logAndApply(report, [&answered](Result<IngestOutcome> outcome, uint64_t maintenance_ticket) {
    answered.set_value({std::move(outcome), maintenance_ticket});
  });
  auto [outcome, maintenance_ticket] = answer.get();
  if (maintenance_ticket != 0) waitForMaintenance(maintenance_ticket);
  return std::move(outcome);
}

void EmbeddedStorage::ingestAsync(model::Report report, IngestCallback done) {
  logAndApply(std::move(report), [done = std::move(done)](Result<IngestOutcome> outcome, uint64_t /*ticket*/) {
    done(std::move(outcome));
  });
}

void EmbeddedStorage::logAndApply(model::Report report, LoggedCallback done) {
  if (report.node.empty()) return done(makeError(ErrorCode::kInvalidArgument, "report without a node name"), 0);
  sortPods(report);  // the order a block gives back, so sums add alike before and after a restart
  const std::vector<uint8_t> record = encodeReportRecord(report);
  std::shared_ptr<Wal> wal;
  uint64_t lsn = 0;
  uint64_t generation = 0;
  int64_t tail_span_ms = 0;
  IngestOutcome outcome;
  {
    std::lock_guard lock(ingest_mutex_);
    if (walFailedLocked()) {
      if (auto reopened = reopenWalLocked(); !reopened) {
        noteError(reopened.error());
        return done(reopened.error(), 0);
      }
    }
    auto appended = wal_->append(record);
    if (!appended) {
      // A rejected write may have left the WAL unwilling to go on (failed sync): start afresh next time.
      if (appended.error().code != ErrorCode::kTooLarge) wal_failed_ = true;
      noteError(appended.error());
      return done(appended.error(), 0);
    }
    lsn = *appended;
    wal = wal_;
    generation = wal_generation_;
    tail_times_.emplace_back(lsn, report.timestamp_ms);
    // The tail in LSN order: its first record is about its oldest report.
    tail_span_ms = report.timestamp_ms - tail_times_.front().second;
    if (report.timestamp_ms < head_floor_ms_.load()) {
      // Later than the replay window: the head no longer holds the other reports of this time, so
      // old-range reads take the report itself until a checkpoint puts it in a block.
      std::unique_lock old(old_mutex_);
      late_reports_.emplace_back(lsn, report);
    }
    {
      std::lock_guard rollup_lock(rollup_mutex_);
      if (report.timestamp_ms < rollup_cached_until_ms_) {
        // A replay into a sealed bucket (rare: an agent back from an outage): recompute lazily.
        rollup_cache_.clear();
        rollup_cached_until_ms_ = INT64_MIN;
        ++rollup_generation_;
      }
    }
    // Applied under the same lock as the append: the head sees reports in log order, as a replay will.
    auto applied = head_.ingest(report);
    if (!applied) return done(applied.error(), 0);
    outcome = *applied;
  }
  // Concurrent ingests share one fdatasync (group commit); nobody waits for it here. The callback
  // captures no Wal: it may run while that WAL is being closed (its last reference dropped).
  wal->whenDurable(lsn, [this, generation, tail_span_ms, outcome, done = std::move(done)](Status durable) {
    if (!durable) {
      failed_wal_generation_.store(generation);  // reopened before the next append
      noteError(durable.error());
      return done(durable.error(), 0);
    }
    {
      std::lock_guard lock(error_mutex_);
      last_error_.clear();
    }
    uint64_t ticket = 0;
    if (++logged_since_checkpoint_ >= options_.checkpoint_records || checkpointDue(tail_span_ms)) {
      ticket = requestMaintenance();
    }
    done(outcome, ticket);
  });
}

uint64_t EmbeddedStorage::requestMaintenance() {
  uint64_t ticket = 0;
  {
    std::lock_guard request(maintenance_request_mutex_);
    if (maintenance_stopping_) return 0;
    ticket = ++maintenance_requested_;
  }
  maintenance_cv_.notify_all();
  return ticket;
}

void EmbeddedStorage::waitForMaintenance(uint64_t ticket) {
  std::unique_lock request(maintenance_request_mutex_);
  if (ticket == 0) ticket = maintenance_requested_;
  maintenance_cv_.wait(request, [&] { return maintenance_done_ >= ticket || maintenance_stopping_; });
}

void EmbeddedStorage::maintenanceLoop() {
  std::unique_lock request(maintenance_request_mutex_);
  while (true) {
    maintenance_cv_.wait(request, [&] { return maintenance_stopping_ || maintenance_requested_ > maintenance_done_; });
    if (maintenance_stopping_) return;
    // Requests made while this one runs wait for the next round (they may be due to reports logged
    // after the checkpoint took its range).
    const uint64_t serving = maintenance_requested_;
    request.unlock();
    {
      std::lock_guard maintenance(maintenance_mutex_);
      // A failed checkpoint leaves everything in the WAL: the reports are durable, so they stay
      // acknowledged, and the next request tries again.
      if (auto done = checkpointLocked(); done) (void)compactLocked(false);
    }
    request.lock();
    maintenance_done_ = serving;
    maintenance_cv_.notify_all();
  }
}

bool EmbeddedStorage::checkpointDue(int64_t tail_span_ms) const {
  const int64_t interval_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.checkpoint_interval).count();
  if (interval_ms <= 0) return false;
  return tail_span_ms >= interval_ms || toUnixMs(clock_.wallNow()) - last_checkpoint_wall_ms_.load() >= interval_ms;
}

Status EmbeddedStorage::reopenWalLocked() {
  wal_.reset();  // closing it answers the ingests still waiting for it (with ok or the sync's error)
  auto wal = Wal::open(options_.data_dir / "wal", options_.wal);
  if (!wal) return wal.error();
  wal_ = std::move(*wal);
  wal_failed_ = false;
  ++wal_generation_;
  return {};
}

void EmbeddedStorage::noteError(const Error& error) {
  std::lock_guard lock(error_mutex_);
  last_error_ = error.toString();
}

Status EmbeddedStorage::checkpoint() {
  std::lock_guard lock(maintenance_mutex_);
  return checkpointLocked();
}

Status EmbeddedStorage::compact() {
  std::lock_guard lock(maintenance_mutex_);
  return compactLocked(true);
}

Result<EmbeddedStorage::BlockFile> EmbeddedStorage::writeBlock(const BlockHeader& header,
                                                               std::span<const model::Report> reports) {
  size_t samples = 0;
  auto bytes = encodeBlock(header, reports, &samples, kBlockFormatVersion, zstdLevelFor(header));
  if (!bytes) return bytes.error();
  const auto path = block_dir_ / blockName(header.first_lsn, header.last_lsn);
  if (auto written = writeFileDurably(path, *bytes); !written) return written.error();
  return BlockFile{path, header, bytes->size(), samples};
}

Result<EmbeddedStorage::BlockFile> EmbeddedStorage::writeMergedBlock(size_t begin, size_t end) {
  std::vector<std::shared_ptr<const MappedBlock>> mapped;
  std::vector<MergeInput> inputs;
  std::vector<BlockHeader> headers;
  for (size_t i = begin; i < end; ++i) {
    mapped.push_back(mapBlock(blocks_[i].path));
    if (mapped.back() == nullptr || !mapped.back()->index) return mergeBlocksInMemory(begin, end);
    inputs.push_back(MergeInput{mapped.back()->file.bytes(), &*mapped.back()->index});
    headers.push_back(blocks_[i].header);
  }
  const auto [min_ts_ms, max_ts_ms] = mergedTimeRange(inputs, headers);
  const BlockHeader header{blocks_[begin].header.first_lsn, blocks_[end - 1].header.last_lsn, min_ts_ms, max_ts_ms};
  const auto path = block_dir_ / blockName(header.first_lsn, header.last_lsn);
  auto file = DurableFileWriter::create(path);
  if (!file) return file.error();
  BlockWriter writer(header, zstdLevelFor(header), std::make_unique<DurableFileWriter>(std::move(*file)));
  auto merged = mergeBlocks(inputs, writer);
  if (!merged) return merged.error();
  if (merged->corrupt_entries > 0) {
    // Rows of corrupt input entries are not in the merged block, as a read would have skipped them.
    old_range_read_errors_ += merged->corrupt_entries;
    noteError(makeError(ErrorCode::kParse, "merge skipped corrupt entries: " + merged->first_error));
  }
  if (auto finished = writer.finish(); !finished) return finished.error();
  return BlockFile{path, header, writer.bytes(), writer.samples()};
}

Result<EmbeddedStorage::BlockFile> EmbeddedStorage::mergeBlocksInMemory(size_t begin, size_t end) {
  std::vector<model::Report> reports;
  for (size_t i = begin; i < end; ++i) {
    auto bytes = readWholeFile(blocks_[i].path);
    if (!bytes) return bytes.error();
    auto contents = decodeBlock(*bytes);
    if (!contents) return contents.error();
    for (auto& r : contents->reports) reports.push_back(std::move(r));
  }
  reports = newestCopies(std::move(reports));
  return writeBlock(blockHeaderFor(blocks_[begin].header.first_lsn, blocks_[end - 1].header.last_lsn, reports), reports);
}

Result<EmbeddedStorage::BlockFile> EmbeddedStorage::writeCheckpointBlock(const Wal& wal, uint64_t upto) {
  // Pass 1, headers only: where each node's records are and their timestamps.
  std::map<std::string, std::vector<std::pair<int64_t, WalRecordRef>>, std::less<>> by_node;
  int64_t min_ts_ms = INT64_MAX;
  int64_t max_ts_ms = INT64_MIN;
  const Error kDone = makeError(ErrorCode::kInternal, "checkpoint range read");
  Status read = wal.replayLocated(checkpoint_lsn_, [&](const WalRecordRef& where, std::span<const uint8_t> payload) -> Status {
    if (where.lsn >= upto) return kDone;
    auto key = peekReportRecord(payload);
    if (!key) return key.error();
    auto node = by_node.find(key->node);
    if (node == by_node.end()) node = by_node.emplace(std::string(key->node), std::vector<std::pair<int64_t, WalRecordRef>>{}).first;
    node->second.emplace_back(key->timestamp_ms, where);
    min_ts_ms = std::min(min_ts_ms, key->timestamp_ms);
    max_ts_ms = std::max(max_ts_ms, key->timestamp_ms);
    return {};
  });
  if (!read && read.error().message != kDone.message) return read.error();
  if (by_node.empty()) min_ts_ms = max_ts_ms = 0;
  const BlockHeader header{checkpoint_lsn_, upto - 1, min_ts_ms, max_ts_ms};
  const auto path = block_dir_ / blockName(header.first_lsn, header.last_lsn);
  auto file = DurableFileWriter::create(path);
  if (!file) return file.error();
  BlockWriter writer(header, zstdLevelFor(header), std::make_unique<DurableFileWriter>(std::move(*file)));
  // Pass 2, a node at a time: only its records are decoded and held (a minute of one agent's
  // reports, not the whole range's).
  std::vector<WalRecordRef> newest;
  std::vector<model::Report> reports;
  std::vector<const model::Report*> order;
  for (auto& [node, records] : by_node) {
    // The newest copy of each timestamp: the last of its equals in log order (a replay replaces).
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    newest.clear();
    for (size_t k = 0; k < records.size(); ++k) {
      if (k + 1 < records.size() && records[k + 1].first == records[k].first) continue;
      newest.push_back(records[k].second);
    }
    reports.clear();
    Status decoded = wal.readRecords(newest, [&](uint64_t, std::span<const uint8_t> payload) -> Status {
      auto report = decodeReportRecord(payload);
      if (!report) return report.error();
      reports.push_back(std::move(*report));
      return {};
    });
    if (!decoded) return decoded.error();
    order.clear();
    for (const model::Report& r : reports) order.push_back(&r);
    if (auto added = writer.addNode(order); !added) return added.error();
  }
  if (auto finished = writer.finish(); !finished) return finished.error();
  return BlockFile{path, header, writer.bytes(), writer.samples()};
}

Status EmbeddedStorage::checkpointLocked() {
  std::shared_ptr<Wal> wal;
  {
    std::lock_guard lock(ingest_mutex_);
    if (walFailedLocked()) return makeError(ErrorCode::kUnavailable, "the WAL awaits reopening after a failed write");
    wal = wal_;
  }
  const uint64_t upto = wal->stats().next_lsn;
  if (upto <= checkpoint_lsn_) return {};
  auto block = writeCheckpointBlock(*wal, upto);
  if (!block) {
    noteError(block.error());
    return block.error();
  }
  blocks_.push_back(*block);
  checkpoint_lsn_ = upto;
  logged_since_checkpoint_ = 0;
  last_checkpoint_wall_ms_ = toUnixMs(clock_.wallNow());
  publishAndTrimLocked();
  if (auto truncated = wal->truncateBefore(upto); !truncated) return truncated;
  // After the WAL is truncated, so that its space is free first. A crash in between leaves the old
  // snapshot, of another checkpoint LSN, which open() does not use: it decodes the blocks instead.
  (void)writeSnapshotLocked();
  return {};
}

void EmbeddedStorage::publishAndTrimLocked() {
  std::vector<ServedBlock> served = blocksToServeLocked();
  int64_t floor_ms = INT64_MIN;
  {
    std::lock_guard ingest(ingest_mutex_);
    std::unique_lock old(old_mutex_);
    served_blocks_ = std::move(served);
    floor_ms = raiseFloorLocked();
  }
  // Readers take ranges below the new floor from the blocks already; the head's copies go now,
  // outside both locks (the head locks itself per batch of series), so that neither ingest nor
  // queries wait for the whole trim (a few hundred ms for ~100,000 series).
  if (floor_ms != INT64_MIN) head_.trimBefore(floor_ms);
}

int64_t EmbeddedStorage::raiseFloorLocked() {
  std::erase_if(late_reports_, [&](const auto& late) { return late.first < checkpoint_lsn_; });
  std::erase_if(tail_times_, [&](const auto& tail) { return tail.first < checkpoint_lsn_; });
  // Samples of WAL records not in a block yet stay in the head (late ones are in late_reports_);
  // so does the newest block timestamp, which the other nodes' reports of that tick still reach.
  const int64_t floor_now = head_floor_ms_.load();
  int64_t floor_ms = INT64_MIN;
  for (const BlockFile& block : blocks_) floor_ms = std::max(floor_ms, block.header.max_ts_ms);
  floor_ms = std::min(floor_ms, toUnixMs(clock_.wallNow()));  // a report from an agent's future stays in RAM too
  for (const auto& [lsn, ts] : tail_times_) {
    if (ts >= floor_now) floor_ms = std::min(floor_ms, ts);
  }
  if (floor_ms <= floor_now) return INT64_MIN;
  head_floor_ms_ = floor_ms;
  return floor_ms;
}

void EmbeddedStorage::dropExpiredBlocksLocked() {
  const int64_t cutoff_ms = cutoffMs();
  std::vector<std::filesystem::path> expired;
  std::erase_if(blocks_, [&](const BlockFile& block) {
    if (block.header.max_ts_ms >= cutoff_ms) return false;
    expired.push_back(block.path);
    return true;
  });
  if (expired.empty()) return;
  std::vector<ServedBlock> served = blocksToServeLocked();
  {
    // Readers stop seeing the blocks before they go.
    std::unique_lock old(old_mutex_);
    served_blocks_ = std::move(served);
  }
  std::error_code ec;
  for (const auto& path : expired) std::filesystem::remove(path, ec);
}

Status EmbeddedStorage::compactLocked(bool merge_open_runs) {
  dropExpiredBlocksLocked();
  {
    // Rollups of expired buckets and of series gone with them.
    const int64_t cutoff_ms = cutoffMs();
    std::lock_guard lock(rollup_mutex_);
    for (auto it = rollup_cache_.begin(); it != rollup_cache_.end();) {
      it->second.erase(it->second.begin(), it->second.lower_bound(cutoff_ms));
      it = it->second.empty() ? rollup_cache_.erase(it) : std::next(it);
    }
  }
  bool merged_any = false;
  // Until nothing is left to merge: merged blocks may close a run of the next tier.
  for (;;) {
    std::vector<BlockHeader> headers;
    for (const BlockFile& block : blocks_) headers.push_back(block.header);
    const auto runs = pickCompactions(headers, options_.compact_span_ms, merge_open_runs);
    if (runs.empty()) break;
    merged_any = true;
    if (auto done = mergeRunsLocked(runs); !done) return done;
  }
  // The snapshot lists the blocks (open() uses it only with exactly those on disk).
  if (merged_any) return writeSnapshotLocked();
  return {};
}

Status EmbeddedStorage::mergeRunsLocked(const std::vector<std::pair<size_t, size_t>>& runs) {
  // Newest run first, so the indices of the older runs stay valid.
  for (auto run = runs.rbegin(); run != runs.rend(); ++run) {
    const auto [begin, end] = *run;
    // Crash-safe order: the merged block is durable before its inputs go; open() drops inputs
    // whose LSN range a merged block covers.
    auto merged = writeMergedBlock(begin, end);
    if (!merged) {
      noteError(merged.error());
      return merged.error();
    }
    std::vector<std::filesystem::path> inputs;
    for (size_t i = begin; i < end; ++i) inputs.push_back(blocks_[i].path);
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(begin),
                  blocks_.begin() + static_cast<std::ptrdiff_t>(end));
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(begin), *merged);
    std::vector<ServedBlock> served = blocksToServeLocked();
    {
      // Readers move to the merged block before its inputs go.
      std::unique_lock old(old_mutex_);
      served_blocks_ = std::move(served);
    }
    std::error_code ec;
    for (const auto& path : inputs) std::filesystem::remove(path, ec);
  }
  return {};
}

std::vector<RollupPoint> EmbeddedStorage::rollups(const ObjectKey& key, int64_t resolution_ms, int64_t start_ms,
                                                  int64_t end_ms) const {
  std::vector<RollupPoint> out;
  if (resolution_ms <= 0 || end_ms < start_ms) return out;
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const int64_t first_bucket = start_ms - ((start_ms % resolution_ms) + resolution_ms) % resolution_ms;
  uint64_t generation = 0;
  std::map<int64_t, RollupPoint> cached;
  {
    std::lock_guard lock(rollup_mutex_);
    generation = rollup_generation_;
    if (auto it = rollup_cache_.find({key, resolution_ms}); it != rollup_cache_.end()) {
      cached.insert(it->second.lower_bound(first_bucket), it->second.upper_bound(end_ms));
    }
  }
  // Raw samples for the buckets not cached, folded into rollup buckets.
  std::map<int64_t, RollupPoint> computed;
  std::shared_lock old(old_mutex_);
  int64_t lo = std::max(start_ms, cutoffMs());
  while (lo <= end_ms) {
    // Skip over runs of cached buckets; fetch raw samples for the next uncached stretch.
    const int64_t bucket = lo - ((lo % resolution_ms) + resolution_ms) % resolution_ms;
    if (cached.contains(bucket) && bucket >= start_ms && bucket + resolution_ms - 1 <= end_ms) {
      lo = bucket + resolution_ms;
      continue;
    }
    int64_t hi = bucket + resolution_ms - 1;
    while (hi < end_ms && !cached.contains(hi + 1)) hi += resolution_ms;
    hi = std::min(hi, end_ms);
    visitRawSamplesLocked(key, lo, hi, [&](const ObjectSample& raw) {
      const int64_t b = raw.timestamp_ms - ((raw.timestamp_ms % resolution_ms) + resolution_ms) % resolution_ms;
      RollupPoint& point = computed[b];
      point.bucket_ms = b;
      point.values.add(raw.values);
      point.labels = raw;
    });
    lo = hi + 1;
  }
  old.unlock();
  {
    std::lock_guard lock(rollup_mutex_);
    if (generation == rollup_generation_) {
      auto& series_cache = rollup_cache_[{key, resolution_ms}];
      for (const auto& [b, point] : computed) {
        // Only whole, sealed buckets: an edge bucket holds part of its samples.
        if (b < start_ms || b + resolution_ms - 1 > end_ms || b + resolution_ms > now_ms - kRollupSealDelayMs) continue;
        series_cache.insert_or_assign(b, point);
        rollup_cached_until_ms_ = std::max(rollup_cached_until_ms_, b + resolution_ms);
      }
    }
  }
  for (auto& [b, point] : cached) {
    if (b >= start_ms && b + resolution_ms - 1 <= end_ms) computed.try_emplace(b, std::move(point));
  }
  out.reserve(computed.size());
  for (auto& [b, point] : computed) out.push_back(std::move(point));
  return out;
}

size_t EmbeddedStorage::cachedRollups() const {
  std::lock_guard lock(rollup_mutex_);
  size_t n = 0;
  for (const auto& [key, buckets] : rollup_cache_) n += buckets.size();
  return n;
}

std::vector<ObjectSample> EmbeddedStorage::series(const ObjectKey& key, const SeriesQuery& query) const {
  const int64_t resolution_ms = rollupResolutionFor(query.step_ms);
  if (query.step_ms <= 0 || query.end_ms < query.start_ms) return {};
  // Nodes keep folding their raw samples (few series; nodeSeries folds whole NodeUsage alike).
  if (resolution_ms == 0 || key.kind == ObjectKind::kNode) {
    std::shared_lock old(old_mutex_);
    if (query.start_ms >= head_floor_ms_.load()) return head_.series(key, query);
    std::vector<ObjectSample> out;
    if (key.kind == ObjectKind::kNode) {
      for (const NodeSample& point : nodeSeriesLocked(key.name, query)) out.push_back(nodeObjectSample(key, point));
      return out;
    }
    ObjectSeriesFolder folder(out);
    visitRawSamplesLocked(
        key, query.start_ms, query.end_ms,
        [&](const ObjectSample& raw) { folder.add(bucketStart(raw.timestamp_ms, query.step_ms), raw, raw.values); },
        query.pod_columns);
    folder.finish();
    return out;
  }
  std::vector<ObjectSample> out;
  ObjectSeriesFolder folder(out);
  for (const RollupPoint& point : rollups(key, resolution_ms, query.start_ms, query.end_ms)) {
    const int64_t step_bucket = point.bucket_ms - ((point.bucket_ms % query.step_ms) + query.step_ms) % query.step_ms;
    folder.merge(step_bucket, point.labels, point.values);
  }
  folder.finish();
  return out;
}

std::vector<NodeSample> EmbeddedStorage::nodeSeries(std::string_view node, const SeriesQuery& query) const {
  if (query.step_ms <= 0 || query.end_ms < query.start_ms) return {};
  std::shared_lock old(old_mutex_);
  if (query.start_ms >= head_floor_ms_.load()) return head_.nodeSeries(node, query);
  return nodeSeriesLocked(node, query);
}

std::vector<NodeSample> EmbeddedStorage::nodeSeriesLocked(std::string_view node, const SeriesQuery& query) const {
  // Folded as MemoryStorage::nodeSeries folds, over the merged raw samples.
  std::vector<NodeSample> out;
  NodeSeriesFolder folder(node, query.step_ms, out);
  for (const NodeSample& raw : rawNodeSamplesLocked(node, query.start_ms, query.end_ms)) {
    folder.add(raw.timestamp_ms, raw.usage, raw.interval_ms, raw.pod_count);
  }
  folder.finish();
  return out;
}

std::unique_ptr<MemoryStorage> EmbeddedStorage::oldNodeRangeLocked(std::string_view node, int64_t lo_ms,
                                                                   int64_t hi_ms) const {
  std::vector<model::Report> reports;
  auto take = [&](const model::Report& report) {
    if (report.timestamp_ms < lo_ms || report.timestamp_ms > hi_ms || report.node != node) return;
    reports.push_back(report);
  };
  BlockFilter filter;
  filter.node = std::string(node);
  filter.min_ts_ms = lo_ms;
  filter.max_ts_ms = hi_ms;
  filter.identity_only = true;  // a node series only counts its pods
  // Blocks are mapped, their indexes searched in place, and only the chosen entries inflated.
  const auto mapped = mapBlocksLocked(filter, lo_ms, hi_ms, nullptr);
  const auto decoded =
      readEachBlock<BlockContents>(mapped, old_range_read_errors_, [&](std::span<const uint8_t> file, const BlockIndex* index) {
        return decodeBlockEntries(file, index, filter);
      });
  for (const BlockContents& contents : decoded) {
    for (const model::Report& report : contents.reports) take(report);
  }
  for (const auto& [lsn, report] : late_reports_) take(report);
  reports = newestCopies(std::move(reports));
  auto storage = std::make_unique<MemoryStorage>(clock_, options_.retention);
  for (const model::Report& report : reports) (void)storage->ingest(report);
  return storage;
}

Status EmbeddedStorage::exportReports(const std::function<Status(const model::Report&)>& visit,
                                     size_t& unreadable_blocks) {
  if (auto done = checkpoint(); !done) return done;
  std::shared_lock old(old_mutex_);
  const auto mapped = mapBlocksLocked(BlockFilter{}, INT64_MIN, INT64_MAX, nullptr);
  for (const auto& block : mapped) {
    auto contents = decodeBlock(block->file.bytes());
    if (!contents) {
      ++unreadable_blocks;
      continue;
    }
    for (const model::Report& report : contents->reports) {
      if (auto visited = visit(report); !visited) return visited;
    }
  }
  return {};
}

std::shared_ptr<const EmbeddedStorage::MappedBlock> EmbeddedStorage::mapBlock(const std::filesystem::path& path) {
  auto file = MappedFile::open(path);
  if (!file) return nullptr;
  auto mapped = std::make_shared<MappedBlock>(MappedBlock{std::move(*file), std::nullopt});
  // The index is a view into the mapping, whose address a move keeps.
  if (auto index = BlockIndex::parse(mapped->file.bytes())) mapped->index = *index;
  return mapped;
}

std::vector<EmbeddedStorage::ServedBlock> EmbeddedStorage::blocksToServeLocked() const {
  std::vector<ServedBlock> out;
  out.reserve(blocks_.size());
  for (const BlockFile& block : blocks_) {
    // Same path and WAL range: the same immutable file (a merge writes a block of a wider range).
    auto served = std::find_if(served_blocks_.begin(), served_blocks_.end(), [&](const ServedBlock& s) {
      return s.file.path == block.path && s.file.header.first_lsn == block.header.first_lsn &&
             s.file.header.last_lsn == block.header.last_lsn && s.mapped != nullptr;
    });
    out.push_back(ServedBlock{block, served != served_blocks_.end() ? served->mapped : mapBlock(block.path)});
  }
  return out;
}

std::vector<std::shared_ptr<const EmbeddedStorage::MappedBlock>> EmbeddedStorage::mapBlocksLocked(
    const BlockFilter& filter, int64_t lo_ms, int64_t hi_ms, std::vector<std::string>* pod_nodes) const {
  std::vector<std::shared_ptr<const MappedBlock>> mapped;
  for (const ServedBlock& block : served_blocks_) {  // oldest LSN first: a newer copy replaces
    if (block.file.header.max_ts_ms < lo_ms || block.file.header.min_ts_ms > hi_ms) continue;
    std::shared_ptr<const MappedBlock> m = block.mapped != nullptr ? block.mapped : mapBlock(block.file.path);
    if (m == nullptr) {
      ++old_range_read_errors_;
      continue;
    }
    if (pod_nodes != nullptr && m->index) {
      for (const IndexedPod& pod : m->index->pods(filter)) pod_nodes->emplace_back(pod.node);
    }
    mapped.push_back(std::move(m));
  }
  if (pod_nodes != nullptr) {
    std::sort(pod_nodes->begin(), pod_nodes->end());
    pod_nodes->erase(std::unique(pod_nodes->begin(), pod_nodes->end()), pod_nodes->end());
  }
  return mapped;
}

void EmbeddedStorage::visitOldSamplesLocked(const ObjectKey& key, int64_t lo_ms, int64_t hi_ms,
                                            const SampleVisitor& visit, uint64_t pod_columns) const {
  // As MemoryStorage: reports older than the retention are not kept; a pod reported without a name
  // is filed under its UID, which the blocks are not searched by; pods without a namespace add to none.
  lo_ms = std::max(lo_ms, cutoffMs());
  if (key.name.empty() || hi_ms < lo_ms) return;
  if (hasPodLabels(key.kind))
    visitOldRowsLocked(key, lo_ms, hi_ms, visit, pod_columns);
  else
    visitOldAggregateLocked(key, lo_ms, hi_ms, visit);
}

void EmbeddedStorage::visitOldAggregateLocked(const ObjectKey& key, int64_t lo_ms, int64_t hi_ms,
                                              const SampleVisitor& visit) const {
  std::vector<std::optional<AggregateRows>> rows;  // kept while `sources` points into it
  std::vector<SourceSpan> sources;
  rows.reserve(served_blocks_.size());
  for (const ServedBlock& block : served_blocks_) {  // oldest LSN first, as the pod path reads them
    const BlockHeader& header = block.file.header;
    if (header.max_ts_ms < lo_ms || header.min_ts_ms > hi_ms) continue;
    std::shared_ptr<const MappedBlock> m = block.mapped != nullptr ? block.mapped : mapBlock(block.file.path);
    std::optional<AggregateRows>& found = rows.emplace_back();
    bool preaggregated = false;
    if (m != nullptr && m->index) {
      auto read = readAggregateRows(m->file.bytes(), *m->index, key);
      if (read) {
        preaggregated = true;
        // No entry: none of the object's pods is in the block, which then adds nothing — but its
        // reports may still replace older copies, which only its pods' rows can tell.
        found = std::move(*read);
      } else if (read.error().code != ErrorCode::kNotFound) {
        ++old_range_read_errors_;
      }
    }
    sources.push_back(SourceSpan{header.min_ts_ms, header.max_ts_ms, preaggregated && found ? &*found : nullptr});
  }
  for (const auto& [lsn, report] : late_reports_) sources.push_back(SourceSpan{report.timestamp_ms, report.timestamp_ms, nullptr});
  std::vector<ObjectSample> samples;
  std::vector<std::pair<int64_t, int64_t>> unanswered;
  visitPreaggregatedSamples(key, sources, lo_ms, hi_ms, [&](const ObjectSample& s) { samples.push_back(s); }, unanswered);
  preaggregated_samples_ += samples.size();
  if (unanswered.empty()) {
    for (const ObjectSample& s : samples) visit(s);
    return;
  }
  const size_t answered = samples.size();
  for (const auto& [first_ms, last_ms] : unanswered) {
    visitOldRowsLocked(key, first_ms, last_ms, [&](const ObjectSample& s) { samples.push_back(s); });
  }
  aggregate_samples_from_pods_ += samples.size() - answered;
  std::stable_sort(samples.begin(), samples.end(),
                   [](const ObjectSample& a, const ObjectSample& b) { return a.timestamp_ms < b.timestamp_ms; });
  for (const ObjectSample& s : samples) visit(s);
}

void EmbeddedStorage::visitOldRowsLocked(const ObjectKey& key, int64_t lo_ms, int64_t hi_ms,
                                         const SampleVisitor& visit, uint64_t pod_columns) const {
  BlockFilter filter;
  filter.min_ts_ms = lo_ms;
  filter.max_ts_ms = hi_ms;
  filter.namespace_name = key.kind == ObjectKind::kNamespace ? key.name : key.namespace_name;
  if (key.kind == ObjectKind::kPod) filter.pod_name = key.name;
  // A container's series name is "<pod>/<container>": its pod's entries hold its columns.
  if (key.kind == ObjectKind::kContainer) filter.pod_name = key.name.substr(0, key.name.find('/'));
  if (key.kind == ObjectKind::kDeployment) filter.deployment = key.name;
  filter.node_capacities_only = true;  // podValues and containerValues read only the node's capacities
  filter.skip_containers = key.kind != ObjectKind::kContainer;  // only a container's own series reads them
  if (key.kind == ObjectKind::kPod) filter.pod_columns = pod_columns;  // a container's series reads its own
  std::vector<std::string> pod_nodes;
  const auto mapped = mapBlocksLocked(filter, lo_ms, hi_ms, &pod_nodes);
  // Read as rows, not reports: no report, pod labels or containers are built per timestamp.
  std::vector<BlockRows> sources =
      readEachBlock<BlockRows>(mapped, old_range_read_errors_, [&](std::span<const uint8_t> file, const BlockIndex* index) {
        return readBlockRows(file, index, filter, pod_nodes);
      });
  for (const auto& [lsn, report] : late_reports_) sources.push_back(reportRows(report, filter));
  if (hasPodLabels(key.kind))
    visitPodSamples(key, sources, visit);
  else
    visitAggregateSamples(key, sources, visit);
}

void EmbeddedStorage::visitRawSamplesLocked(const ObjectKey& key, int64_t lo_ms, int64_t hi_ms,
                                            const SampleVisitor& visit, uint64_t pod_columns) const {
  if (key.kind == ObjectKind::kNode) {
    for (const NodeSample& s : rawNodeSamplesLocked(key.name, lo_ms, hi_ms)) visit(nodeObjectSample(key, s));
    return;
  }
  const int64_t floor_ms = head_floor_ms_.load();
  if (lo_ms < floor_ms) {
    visitOldSamplesLocked(key, lo_ms, std::min(hi_ms, floor_ms - 1), visit, pod_columns);
  }
  if (hi_ms >= floor_ms) {
    for (const ObjectSample& s : head_.series(key, SeriesQuery{std::max(lo_ms, floor_ms), hi_ms, 1})) visit(s);
  }
}

std::vector<NodeSample> EmbeddedStorage::rawNodeSamplesLocked(std::string_view node, int64_t lo_ms,
                                                              int64_t hi_ms) const {
  if (node.empty()) return {};
  const int64_t floor_ms = head_floor_ms_.load();
  std::vector<NodeSample> out;
  if (lo_ms < floor_ms) {
    const int64_t old_hi_ms = std::min(hi_ms, floor_ms - 1);
    out = oldNodeRangeLocked(node, lo_ms, old_hi_ms)->nodeSeries(node, SeriesQuery{lo_ms, old_hi_ms, 1});
  }
  if (hi_ms >= floor_ms) {
    auto recent = head_.nodeSeries(node, SeriesQuery{std::max(lo_ms, floor_ms), hi_ms, 1});
    out.insert(out.end(), std::make_move_iterator(recent.begin()), std::make_move_iterator(recent.end()));
  }
  return out;
}

StorageStats EmbeddedStorage::stats() const {
  StorageStats out = head_.stats();
  out.engine = "embedded";
  return out;
}

EngineStats EmbeddedStorage::engineStats() const {
  EngineStats out;
  {
    std::lock_guard lock(maintenance_mutex_);
    out.blocks = blocks_.size();
    for (const auto& b : blocks_) {
      out.block_bytes += b.bytes;
      out.block_samples += b.samples;
    }
    out.checkpoint_lsn = checkpoint_lsn_;
  }
  out.corrupt_entries = corrupt_entries_;
  out.corrupt_blocks = corrupt_blocks_;
  out.old_range_read_errors = old_range_read_errors_.load();
  out.preaggregated_samples = preaggregated_samples_.load();
  out.aggregate_samples_from_pods = aggregate_samples_from_pods_.load();
  out.replayed_records = replayed_records_;
  out.restored_from_snapshot = restored_from_snapshot_;
  out.snapshot_fallbacks = snapshot_fallbacks_;
  {
    std::lock_guard lock(ingest_mutex_);
    if (wal_) out.wal = wal_->stats();
  }
  std::lock_guard lock(error_mutex_);
  out.last_error = last_error_;
  return out;
}

}  // namespace kubemonitor::tsdb
