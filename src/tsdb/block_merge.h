#pragma once
// Merging neighbouring block files into one, a series at a time: for each node (by name) its
// entries in every input, then each of its pod series, are read through the inputs' series indexes
// and written (BlockWriter) before the next is read. Memory is one node's rows plus one pod series,
// not the inputs' reports (a 6 h merge of 1,000 nodes would be tens of GB of model::Report).
//
// The answer is what decoding every input into reports, keeping the newest copy of each
// (node, timestamp) and encoding them gives: an input later in the list (a higher LSN range)
// replaces an earlier one's whole report of that node and timestamp, its pods included.

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/result.h"
#include "tsdb/block.h"
#include "tsdb/block_writer.h"

namespace kubemonitor::tsdb {

struct MergeInput {
  std::span<const uint8_t> file;  // the whole block file (mapped)
  const BlockIndex* index = nullptr;  // its series index; required
};

struct MergeOutcome {
  size_t corrupt_entries = 0;  // input entries skipped (bad checksum or chunk): their rows are not merged
  std::string first_error;     // the first of them, empty when none
};

// The newest and oldest report timestamps the inputs hold (Unix ms), for the merged block's
// header; inputs without any node entry are skipped. {0, 0} when none holds one.
std::pair<int64_t, int64_t> mergedTimeRange(std::span<const MergeInput> inputs,
                                            std::span<const BlockHeader> headers);

// Writes the merge of `inputs` (oldest LSN first) to `writer`; the caller finishes it.
// kInvalidArgument when an input has no index (the caller merges those in memory).
Result<MergeOutcome> mergeBlocks(std::span<const MergeInput> inputs, BlockWriter& writer);

}  // namespace kubemonitor::tsdb
