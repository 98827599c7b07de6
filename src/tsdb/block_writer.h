#pragma once
// Writing block files (layout in block.h) one node at a time, so that a checkpoint or a merge holds
// one node's reports in memory rather than the whole range (a merged 6 h block of 1,000 nodes is
// gigabytes): entries stream into a temp file, the series index and trailer follow, and commit()
// makes the file durable under its name. encodeBlock (block.h) is the in-memory form of the same.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/report.h"
#include "tsdb/aggregate_rows.h"
#include "tsdb/block.h"

namespace kubemonitor::tsdb {

namespace internal {
struct IndexRecord;
}

// One report's values of a pod series: at timestamp_ms (Unix ms), `usage` (its labels are the
// series'; the pointee outlives the write).
struct PodAppearance {
  int64_t timestamp_ms = 0;
  const model::PodUsage* usage = nullptr;
};

// The header of a block of WAL records [first_lsn, last_lsn] holding `reports`: their oldest and
// newest timestamps ({0, 0} for none).
BlockHeader blockHeaderFor(uint64_t first_lsn, uint64_t last_lsn, std::span<const model::Report> reports);

// A file written in pieces, then made durable: temp file, fdatasync, rename, fsync of the
// directory. Destroyed without commit(), the temp file is removed. ENOSPC keeps its words.
class DurableFileWriter {
 public:
  static Result<DurableFileWriter> create(std::filesystem::path path);
  DurableFileWriter(DurableFileWriter&& other) noexcept;
  DurableFileWriter& operator=(DurableFileWriter&&) = delete;
  DurableFileWriter(const DurableFileWriter&) = delete;
  ~DurableFileWriter();
  Status append(std::span<const uint8_t> bytes);
  Status commit();

 private:
  DurableFileWriter(std::filesystem::path path, int fd);
  std::filesystem::path path_;
  std::filesystem::path temp_;
  int fd_ = -1;
};

// Encodes a block node by node. addNode takes one node's reports, sorted by timestamp, each
// timestamp once, pods sorted (sortPods); nodes in name order. Thread-compatible.
class BlockWriter {
 public:
  // To `file` (streamed; null: in memory, see finish()). `zstd_level`, `version`: as encodeBlock.
  BlockWriter(const BlockHeader& header, int zstd_level, std::unique_ptr<DurableFileWriter> file = nullptr,
              uint8_t version = kBlockFormatVersion);
  ~BlockWriter();
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;

  // kTooLarge when the node has more than kMaxChunkSamples reports.
  Status addNode(std::span<const model::Report* const> reports);
  // The same in pieces, for a merge that reads one series at a time: a node's entry (`usage[k]` at
  // `timestamps_ms[k]`, increasing), then each of its pod series in (namespace, name, uid,
  // deployment) order, labels from `identity` (the pod's newest appearance).
  Status addNodeEntry(std::string_view node, std::span<const int64_t> timestamps_ms,
                      std::span<const int64_t> intervals_ms, std::span<const model::NodeUsage* const> usage);
  Status addPodEntry(std::string_view node, const model::PodUsage& identity, std::span<const PodAppearance> appearances);
  // Appends the index and trailer. In memory: the block's bytes; to a file: commits it and
  // answers nothing (empty).
  Result<std::vector<uint8_t>> finish();
  size_t samples() const { return samples_; }  // field values stored so far
  uint64_t bytes() const { return flushed_bytes_ + pending_.size(); }

 private:
  Status flushIfLarge(size_t threshold_bytes);

  std::unique_ptr<DurableFileWriter> file_;
  uint8_t version_;
  int zstd_level_;
  std::vector<uint8_t> pending_;  // encoded, not yet written to file_
  uint64_t flushed_bytes_ = 0;    // written to file_ before pending_
  size_t samples_ = 0;
  std::vector<internal::IndexRecord> index_;
  AggregateRowsBuilder aggregates_;  // version 2: fed by every node and pod entry
};

}  // namespace kubemonitor::tsdb
