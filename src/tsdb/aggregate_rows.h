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
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/report.h"
#include "tsdb/object_values.h"
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

// One node's share of an aggregate in one report: its pods of the aggregate summed in the report's
// pod order, then the node's capacities, counted once per node — what visitAggregateSamples and the
// blocks' pre-aggregated entries (aggregate_rows.h) fold, so that both add alike.
class NodeShare {
 public:
  void add(const model::PodUsage& usage, const model::NodeUsage& node) {
    addValues(values_, podValues(usage, node));
    any_ = true;
  }
  bool any() const { return any_; }
  // The share with the node's capacities; requires any().
  ObjectValues result(const model::NodeUsage& node) const {
    ObjectValues out = values_;
    out.cpu_capacity_millicores = node.cpu_capacity_millicores;
    out.memory_capacity_bytes = node.memory_capacity_bytes;
    return out;
  }

 private:
  ObjectValues values_;
  bool any_ = false;
};

// The aggregate rows of a block built a node at a time, so that a checkpoint or a merge streaming
// nodes (block_writer.h, block_merge.h) never holds every node's reports. Feed each node (in name
// order) with beginNode, then its pods' values with addPod — for any one timestamp in the block's
// pod order (namespace, name, uid, deployment), as a pod series at a time gives them — and take the
// rows with finish(). A timestamp's sample is then the in-order sum over node names of each node's
// share, the interval that of the last contributing node by name: what visitAggregateSamples gives
// for one source (test PreaggregatedVersusPods checks it bit for bit).
class AggregateRowsBuilder {
 public:
  // One node's reports: `usage[k]` at `timestamps_ms[k]` (increasing), interval `intervals_ms[k]`.
  // Ends the node fed before. The node's usages are copied.
  void beginNode(std::string_view node, std::span<const int64_t> timestamps_ms, std::span<const int64_t> intervals_ms,
                 std::span<const model::NodeUsage* const> usage);
  // A pod of the current node at one of its timestamps (others are ignored): `labels` names its
  // aggregates (namespace, deployment), `values` holds its usage (the same object, or block rows).
  void addPod(int64_t timestamp_ms, const model::PodUsage& labels, const model::PodUsage& values);
  // The rows of every namespace and deployment fed, keys in order; the builder starts afresh.
  std::vector<AggregateRows> finish();

 private:
  struct Report {  // one report of the current node
    int64_t timestamp_ms = 0;
    int64_t interval_ms = 0;
    model::NodeUsage usage;
  };
  struct Sum {
    ObjectValues values;
    int64_t interval_ms = 0;
  };
  // A node's report at its first or last timestamp: the block's boundary when no node reports
  // earlier (later), known only once every node was fed.
  struct EdgeReport {
    std::string node;
    int64_t timestamp_ms = 0;
    int64_t interval_ms = 0;
    std::map<ObjectKey, ObjectValues> shares;  // the aggregates it listed pods of
  };
  void endNode();

  std::string node_;
  std::vector<Report> reports_;                                     // the current node's
  std::map<std::pair<int64_t, ObjectKey>, NodeShare> node_shares_;  // the current node's
  std::map<ObjectKey, std::map<int64_t, Sum>> sums_;
  std::vector<EdgeReport> edges_;  // in node-name order
};

// The aggregate rows of every namespace and deployment of `reports` (a block's: sorted by (node,
// timestamp), each (node, timestamp) once, pods sorted), keys in order: AggregateRowsBuilder fed
// report by report.
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
