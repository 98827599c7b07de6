#pragma once
// Internal to tsdb: pre-aggregated namespace and deployment samples in the blocks (issue 14), so
// that a window older than the head reads one entry per block instead of every pod of the object.
//
// A block holds, per namespace and deployment of its reports, an aggregate entry: the raw samples
// visitAggregateSamples computes from the block alone (its values at each timestamp, bit for bit,
// and the interval), plus, for the block's first and last timestamps — the ones a neighbouring
// block may hold reports of too (a checkpoint cuts the WAL between two nodes' reports of one tick)
// — each node's share, so that shares from several blocks fold again in node-name order.

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/report.h"
#include "tsdb/storage.h"

namespace kubemonitor::tsdb {

// One node's report at a boundary timestamp: whether and what it added to the aggregate.
struct AggregateShare {
  std::string node;
  int64_t interval_ms = 0;
  bool contributes = false;  // the report listed pods of the aggregate
  ObjectValues values;       // its share (pods summed in pod order, the node's capacities once)
};

struct AggregateBoundary {
  int64_t timestamp_ms = 0;
  std::vector<AggregateShare> shares;  // every node with a report at the timestamp, by name
};

struct AggregateRows {
  ObjectKey key;                       // kNamespace or kDeployment
  std::vector<int64_t> timestamps_ms;  // where the aggregate has a sample, increasing
  std::vector<int64_t> intervals_ms;   // the sample's interval (visitAggregateSamples' rule)
  std::vector<ObjectValues> values;    // the sample
  std::vector<AggregateBoundary> boundaries;  // the block's first and last timestamps (one when equal)
};

// The aggregate rows of every namespace and deployment of `reports` (a block's: sorted by (node,
// timestamp), each (node, timestamp) once, pods sorted), keys in order. Samples are exactly those
// of visitAggregateSamples over the reports, computed a few timestamps at a time.
std::vector<AggregateRows> aggregateRowsOf(std::span<const model::Report* const> reports);

// The index name of the empty entry every block with aggregate entries holds: a block without it
// (written before issue 14) has none, and its aggregates are read from its pods.
inline constexpr std::string_view kPreaggregatedMarker = "\x01";

// The name the block index lists an aggregate's entry under, among the node names: "\x01" then
// the kind's letter ('n' namespace, 'd' deployment), the namespace, '/', the name. No node name
// starts with a control character (RFC 1123; the report decoder checks it).
std::string aggregateIndexName(const ObjectKey& key);

// A time range [first_ms, last_ms] of one source of old samples (a block, a late report).
struct SourceSpan {
  int64_t first_ms = 0;
  int64_t last_ms = 0;
  const AggregateRows* rows = nullptr;  // the source's aggregate entry; null: none (read its pods)
};

// The samples of aggregate `key` in [lo_ms, hi_ms] from `sources` (oldest first, as the engine
// reads them) where the pre-aggregated rows give them exactly: a timestamp inside one source's
// span alone, from its rows; one at the edges of several blocks, folded from their boundary shares
// (each node's newest copy, in node-name order) — as visitAggregateSamples over all sources would.
// The timestamps they cannot answer (a late report's, a span inside another's, a node's report in
// two sources) go to `unanswered` as ranges [first, last], increasing, for the pod path.
void visitPreaggregatedSamples(const ObjectKey& key, std::span<const SourceSpan> sources, int64_t lo_ms,
                               int64_t hi_ms, const std::function<void(const ObjectSample&)>& visit,
                               std::vector<std::pair<int64_t, int64_t>>& unanswered);

}  // namespace kubemonitor::tsdb
