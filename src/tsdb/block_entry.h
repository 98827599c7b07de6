#pragma once
// Internal to tsdb: one stored block entry (block.h has the layout) parsed into rows — a node's or
// a pod's values at each report timestamp it holds, in the filter's time range. block.cpp joins
// rows into reports; a pod's series reads its rows directly (readBlockRows), without reports.

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "common/result.h"
#include "tsdb/aggregate_rows.h"
#include "tsdb/block.h"

namespace kubemonitor::tsdb::internal {

inline constexpr uint8_t kBlockMagic[4] = {'K', 'M', 'B', 'K'};
inline constexpr uint8_t kBlockTrailerMagic[4] = {'K', 'M', 'B', 'I'};
inline constexpr size_t kBlockTrailerBytes = 24;
inline constexpr uint8_t kNodeEntry = 1;
inline constexpr uint8_t kPodEntry = 2;    // written before issue 14: 15 pod fields, container CPU and memory
inline constexpr uint8_t kPodEntryV2 = 3;      // + qos_class, workload_kind, workload_name; every kPodFields and kContainerFields column
inline constexpr uint8_t kAggregateEntry = 4;  // a namespace's or deployment's pre-aggregated rows (aggregate_rows.h)
inline constexpr uint8_t kZstdEntry = 0x80;         // the rest of the entry is a zstd frame of a node or pod entry
inline constexpr size_t kMaxEntryBytes = 64 << 20;  // inflated; bounds what a corrupt frame may allocate
inline constexpr size_t kMaxNameBytes = 4096;

// Rows of an entry the filter does not choose (another node, namespace, pod or deployment).
struct SkippedEntry {};
using EntryRows = std::variant<SkippedEntry, NodeRows, PodRows, AggregateRows>;

// `stored` is an entry's bytes as stored (maybe 0x80 + zstd), `crc` the CRC32C read after them.
// `samples` grows by the field values decoded. kParse for a bad checksum, frame, chunk or layout.
Result<EntryRows> parseEntry(std::span<const uint8_t> stored, uint64_t crc, const BlockFilter* filter, size_t& samples);

// The entry at `ref` (from a BlockIndex) of `file`, parsed as parseEntry does.
Result<EntryRows> readEntryAt(std::span<const uint8_t> file, BlockEntryRef ref, const BlockFilter* filter,
                              size_t& samples);

}  // namespace kubemonitor::tsdb::internal
