#pragma once
// Immutable block files of the embedded engine: the reports of one WAL range [first_lsn, last_lsn],
// stored column-wise — one sealed chunk (chunk.h) per field of every node and pod series — so a
// week of a cluster fits on one disk (docs/tsdb-engine.md has the figures).
//
// Layout: magic "KMBK" · version (1) · first_lsn, last_lsn (varints) · min_ts, max_ts (zigzag
// varints, ms) · header CRC32C (4) · entries until the end of the file. An entry is its length
// (varint) · bytes · CRC32C of the bytes (4); the bytes are 0x80 + a zstd frame of the entry when
// that is smaller, else the entry itself: a type (1 node, 2 pod), the node name,
//   node: a kUint64 chunk of interval_ms at each report timestamp, then one chunk per node field;
//   pod:  uid, name, namespace, deployment, one chunk per pod field (its timestamps say which
//         reports listed it), container count, per container its name and two chunks (CPU, memory).
// A corrupt entry is skipped (its length still leads to the next one) and counted; a corrupt length
// ends the read there: what came before is served.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/report.h"

namespace kubemonitor::tsdb {

struct BlockHeader {
  uint64_t first_lsn = 0;  // WAL records [first_lsn, last_lsn] are in the block
  uint64_t last_lsn = 0;
  int64_t min_ts_ms = 0;  // oldest and newest report timestamp, Unix ms
  int64_t max_ts_ms = 0;
};

struct BlockContents {
  BlockHeader header;
  // One per (node, timestamp), sorted by (node, timestamp); pods sorted (see sortPods).
  std::vector<model::Report> reports;
  size_t samples = 0;          // field values decoded (node, pod and container fields)
  size_t corrupt_entries = 0;  // entries skipped for a bad checksum or chunk
  std::string first_error;     // the first corruption met, empty when none
};

// The canonical pod order of a report (namespace, name, uid): what the engine logs and what a block
// gives back, so that sums over pods add in the same order before and after a restart.
void sortPods(model::Report& report);

// Encodes `reports` (each (node, timestamp) at most once, pods sorted); `samples` gets the number
// of field values stored. kTooLarge when a series holds more than kMaxChunkSamples reports.
Result<std::vector<uint8_t>> encodeBlock(const BlockHeader& header, std::span<const model::Report> reports,
                                         size_t* samples = nullptr);
// What decodeBlock keeps (reads of one series): entries of other nodes and pods of other namespaces
// are skipped without decoding their chunks; identity_only keeps pods as identities (all values 0),
// for a node's pod count.
struct BlockFilter {
  std::string node;            // empty: every node
  std::string namespace_name;  // empty: every namespace
  bool identity_only = false;
};
Result<BlockContents> decodeBlock(std::span<const uint8_t> bytes, const BlockFilter* filter = nullptr);
Result<BlockHeader> decodeBlockHeader(std::span<const uint8_t> bytes);

// Durable write: temp file, fdatasync, rename, fsync of the directory. ENOSPC keeps its words.
Status writeFileDurably(const std::filesystem::path& path, std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> readWholeFile(const std::filesystem::path& path);

}  // namespace kubemonitor::tsdb
