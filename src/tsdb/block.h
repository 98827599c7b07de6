#pragma once
// Immutable block files of the embedded engine: the reports of one WAL range [first_lsn, last_lsn],
// stored column-wise — one sealed chunk (chunk.h) per field of every node and pod series — so a
// week of a cluster fits on one disk (docs/tsdb-engine.md has the figures).
//
// Layout: magic "KMBK" · version (2; 1 is still read) · first_lsn, last_lsn (varints) · min_ts, max_ts
// (zigzag varints, ms) · header CRC32C (4) · entries · 0x00 (end of entries) · series index ·
// trailer (version 2; a version-1 block has entries until the end of the file). An entry is its length
// (varint) · bytes · CRC32C of the bytes (4); the bytes are 0x80 + a zstd frame of the entry when
// that is smaller, else the entry itself: a type (1 node, 2 pod), the node name,
//   node: a kUint64 chunk of interval_ms at each report timestamp, then one chunk per node field;
//   pod:  uid, name, namespace, deployment, one chunk per pod field (its timestamps say which
//         reports listed it), container count, per container its name and two chunks (CPU, memory).
// A corrupt entry is skipped (its length still leads to the next one) and counted; a corrupt length
// ends the read there: what came before is served.
//
// Series index (version 2), so that one series is read without inflating every entry; all fields
// fixed little-endian so it is searched in place (mmap), never parsed whole into the heap:
//   string count, node count, pod count, string bytes (4 each) · string offsets (4 × (count + 1))
//   · the strings: every node, namespace, name, uid, deployment once, sorted (so comparing ids is
//   comparing strings) · node records (node id 4, entry offset 8, entry length 4) sorted by node
//   · pod records (namespace, name, uid, deployment, node ids 4 each, entry offset 8, entry length
//   4) sorted by those ids — a pod on all nodes and a namespace are contiguous ranges · deployment
//   order: pod record numbers (4 each) sorted by (namespace, deployment, name, uid, node).
// An entry offset is where its length varint starts; its length covers length, bytes and CRC.
// Trailer (24 bytes): index offset (8) · entry count (4) · index CRC32C (4) · CRC32C of those 16
// bytes (4) · "KMBI". A corrupt index falls back to the full scan; a corrupt trailer too, the scan
// then stopping at the end-of-entries mark (a zero entry length, which no entry has).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/report.h"
#include "tsdb/aggregate_rows.h"

namespace kubemonitor::tsdb {

struct BlockHeader {
  uint64_t first_lsn = 0;  // WAL records [first_lsn, last_lsn] are in the block
  uint64_t last_lsn = 0;
  int64_t min_ts_ms = 0;  // oldest and newest report timestamp, Unix ms
  int64_t max_ts_ms = 0;
  uint8_t version = 0;  // format read (1 or 2); 0 when not read from a file
};

inline constexpr uint8_t kBlockFormatVersion = 2;  // what encodeBlock writes by default

struct BlockContents {
  BlockHeader header;
  // One per (node, timestamp), sorted by (node, timestamp); pods sorted (see sortPods).
  std::vector<model::Report> reports;
  size_t samples = 0;          // field values decoded (node, pod and container fields)
  size_t corrupt_entries = 0;  // entries skipped for a bad checksum or chunk
  std::string first_error;     // the first corruption met, empty when none
  bool index_used = false;     // decodeBlockEntries found the entries through the series index
};

// The canonical pod order of a report (namespace, name, uid): what the engine logs and what a block
// gives back, so that sums over pods add in the same order before and after a restart.
void sortPods(model::Report& report);

// Encodes `reports` (each (node, timestamp) at most once, pods sorted); `samples` gets the number
// of field values stored. kTooLarge when a series holds more than kMaxChunkSamples reports.
// `version` 1 writes the old format without an index (tests of the fallback read it).
// `zstd_level` compresses each entry: kLongLivedBlockZstdLevel for blocks that stay on disk for
// long, kShortLivedBlockZstdLevel for those compaction rewrites within minutes (any level reads
// back the same; the choice is CPU against bytes on disk).
inline constexpr int kLongLivedBlockZstdLevel = 9;
inline constexpr int kShortLivedBlockZstdLevel = 1;
Result<std::vector<uint8_t>> encodeBlock(const BlockHeader& header, std::span<const model::Report> reports,
                                         size_t* samples = nullptr, uint8_t version = kBlockFormatVersion,
                                         int zstd_level = kLongLivedBlockZstdLevel);
// What decodeBlock keeps (reads of one series): entries of other nodes and pods of other namespaces
// are skipped without decoding their chunks; identity_only keeps pods as identities (all values 0),
// for a node's pod count.
struct BlockFilter {
  std::string node;            // empty: every node
  std::string namespace_name;  // empty: every namespace
  std::string pod_name;        // non-empty: only pods of this name (in namespace_name)
  std::string deployment;      // non-empty: only pods of this deployment label (in namespace_name)
  bool identity_only = false;
  // Node entries keep only what pod and aggregate series read of them: interval and the CPU and
  // memory capacities (podValues); the other node columns are skipped undecoded (zero).
  bool node_capacities_only = false;
  // Pod entries keep the pod's own fields; their containers are skipped undecoded (a pod's series
  // and the aggregates read no container).
  bool skip_containers = false;
  // Pod entries decode only these columns (bit i: internal::kPodFields[i]) and leave the others 0;
  // the first column is always decoded: it carries the entry's timestamps.
  uint64_t pod_columns = kAllPodColumns;
  // Non-empty: the aggregate entry listed under this name (aggregateIndexName) is read; aggregate
  // entries are skipped otherwise.
  std::string aggregate;
  int64_t min_ts_ms = INT64_MIN;  // reports outside [min_ts_ms, max_ts_ms] are not kept (Unix ms)
  int64_t max_ts_ms = INT64_MAX;

  // Whether a pod of these labels is kept (namespace, pod name, deployment; not the node).
  bool choosesPod(const model::PodUsage& pod) const {
    return (namespace_name.empty() || pod.namespace_name == namespace_name) &&
           (pod_name.empty() || pod.name == pod_name) && (deployment.empty() || pod.deployment == deployment);
  }
};
Result<BlockContents> decodeBlock(std::span<const uint8_t> bytes, const BlockFilter* filter = nullptr);
Result<BlockHeader> decodeBlockHeader(std::span<const uint8_t> bytes);

// Where a stored entry sits in the block file: offset of its length varint, bytes up to its CRC's end.
struct BlockEntryRef {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// A pod entry as the index lists it; the views point into the block's bytes.
struct IndexedPod {
  std::string_view namespace_name;
  std::string_view name;
  std::string_view uid;
  std::string_view deployment;
  std::string_view node;
  BlockEntryRef entry;
};

// The series index of a version-2 block, searched in place: a view into the file's bytes (which
// must outlive it), nothing copied to the heap. Lookups are binary searches over the sorted records.
class BlockIndex {
 public:
  // kNotFound for a version-1 block (no index); kParse for a bad trailer, checksum or size. The
  // engine parses a block's index once, when it starts serving the block (a CRC32C over the whole
  // index: ~0.2 ms for a 6 h block).
  static Result<BlockIndex> parse(std::span<const uint8_t> file);
  size_t nodeCount() const { return node_count_ - aggregate_count_; }
  // Aggregate entries and the marker of a block that has them (aggregate_rows.h).
  size_t aggregateCount() const { return aggregate_count_; }
  size_t podCount() const { return pod_count_; }
  std::optional<BlockEntryRef> node(std::string_view name) const;
  // Every node with an entry, sorted by name (views into the file).
  std::vector<std::string_view> nodeNames() const;
  // The pods `filter` chooses (namespace, and within it a pod name or a deployment; a node), in
  // file order. An empty namespace_name: every pod (of filter.node when set).
  std::vector<IndexedPod> pods(const BlockFilter& filter) const;

 private:
  std::string_view stringAt(uint32_t id) const;
  std::optional<uint32_t> findString(std::string_view text) const;
  uint32_t podField(size_t record, size_t field) const;
  IndexedPod podAt(size_t record) const;
  std::span<const uint8_t> offsets_, strings_, node_records_, pod_records_, deployment_order_;
  size_t string_count_ = 0;
  size_t node_count_ = 0;  // node records, aggregate entries included
  size_t aggregate_count_ = 0;
  size_t pod_count_ = 0;
};

// Decodes only the entries `filter` chooses, found through `index`: the node entries of `nodes`,
// of filter.node and of every chosen pod's node, then the chosen pod entries. `index` null (a
// version-1 block, a corrupt index): the full scan decodeBlock(file, &filter).
Result<BlockContents> decodeBlockEntries(std::span<const uint8_t> file, const BlockIndex* index,
                                         const BlockFilter& filter, std::span<const std::string> nodes = {});

// A block read as rows, without building reports: what a pod's series reads (one pod entry per
// node it ran on, and those nodes' entries for the intervals and capacities). Rows are in the
// filter's time range; columns the filter skips are zero.
struct NodeRows {
  std::string node;
  std::vector<int64_t> timestamps_ms;   // the node's report timestamps, increasing (Unix ms)
  std::vector<int64_t> intervals_ms;    // the agent's interval of each report (ms)
  std::vector<model::NodeUsage> usage;  // one per timestamp
};
struct PodRows {
  std::string node;
  model::PodUsage identity;             // uid, name, namespace, deployment; no values
  std::vector<int64_t> timestamps_ms;   // the reports that listed the pod, increasing (Unix ms)
  std::vector<model::PodUsage> usage;   // one per timestamp, values (and containers) only; empty
                                        // for identity_only
};
struct BlockRows {
  std::vector<NodeRows> nodes;  // in the order read (index: by node name)
  std::vector<PodRows> pods;    // in file order: by (node, namespace, name, uid, deployment)
  size_t samples = 0;           // field values decoded
  size_t corrupt_entries = 0;   // entries skipped for a bad checksum or chunk
  std::string first_error;      // the first corruption met, empty when none
};
// The entries decodeBlockEntries would decode, as rows.
Result<BlockRows> readBlockRows(std::span<const uint8_t> file, const BlockIndex* index, const BlockFilter& filter,
                                std::span<const std::string> nodes = {});

// The pre-aggregated rows of namespace or deployment `key` in a block with a series index
// (aggregate_rows.h): nullopt when the block has no entry of it (none of its pods is in the
// block); kNotFound when the block has no aggregate entries at all (written before issue 14);
// kParse for a corrupt entry.
Result<std::optional<AggregateRows>> readAggregateRows(std::span<const uint8_t> file, const BlockIndex& index,
                                                       const ObjectKey& key);

// A file mapped read-only: old-range reads search a block's index and inflate a few entries in
// place, in the page cache rather than on the heap. Block files are immutable (replaced by rename).
class MappedFile {
 public:
  static Result<MappedFile> open(const std::filesystem::path& path);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Durable write: temp file, fdatasync, rename, fsync of the directory. ENOSPC keeps its words.
Status writeFileDurably(const std::filesystem::path& path, std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> readWholeFile(const std::filesystem::path& path);

}  // namespace kubemonitor::tsdb
