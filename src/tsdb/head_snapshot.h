#pragma once
// The head snapshot of the embedded engine: written with each checkpoint, so that a restart loads
// the (small, trimmed) head as it was plus the WAL tail instead of decoding every block back into
// RAM. The head then holds one checkpoint interval of each series and its newest point, so the
// snapshot is about as large as the head, whatever the retention.
//
// Layout of data_dir/head.snapshot: magic "KMSN" · version (1) · checkpoint LSN (varint: the WAL
// is replayed from there) · head floor (zigzag varint, ms) · block count (varint), per block its
// first and last LSN and sample count (varints) · head state length and its zstd frame's length
// (varints), the frame (MemoryStorage::saveState, level 1) · CRC32C of everything before (4 bytes,
// little endian).
// A snapshot that is torn, corrupt, or of another LSN than the blocks and WAL say is not used: the
// engine then restores the old way (blocks decoded into the head).

#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"

namespace kubemonitor::tsdb {

struct SnapshotBlock {
  uint64_t first_lsn = 0;
  uint64_t last_lsn = 0;
  uint64_t samples = 0;  // field values in the block (EngineStats::block_samples) without decoding it
};

struct HeadSnapshot {
  uint64_t checkpoint_lsn = 0;  // WAL records before this are in blocks and in `head`
  int64_t floor_ms = INT64_MIN;  // EmbeddedStorage::headFloorMs() when it was taken
  std::vector<SnapshotBlock> blocks;
  std::vector<uint8_t> head;  // MemoryStorage::saveState
};

std::vector<uint8_t> encodeHeadSnapshot(const HeadSnapshot& snapshot);
// Errors: kParse (magic, version, checksum, lengths), kTruncated.
Result<HeadSnapshot> decodeHeadSnapshot(std::span<const uint8_t> bytes);

}  // namespace kubemonitor::tsdb
