#pragma once
// A pod's, namespace's or deployment's raw samples from block rows (block.h readBlockRows), without
// building reports or a MemoryStorage: what the embedded engine answers for a range older than its head.

#include <functional>
#include <span>

#include "model/report.h"
#include "tsdb/block.h"
#include "tsdb/storage.h"

namespace kubemonitor::tsdb {

// A report (one kept outside the blocks: a late replay) as the rows readBlockRows would give of a
// block holding it alone: its node's row and the rows of the pods `filter` chooses, when its
// timestamp is in the filter's range.
BlockRows reportRows(const model::Report& report, const BlockFilter& filter);

// Calls `visit` with each raw sample of pod `key` in `sources`, oldest first (blocks by LSN, then
// late reports), in time order, one per timestamp, each labelled by the copy it is from. The points
// MemoryStorage::series(key, step 1 ms) answers, bit for bit, after ingesting the newest copy of
// each (node, timestamp) where its first copy came: a newest copy counts even when it no longer lists the pod;
// when the pod is listed on two nodes at one timestamp, the node whose (node, timestamp) was first
// seen last wins; within one copy, the pod's last listing. `visit`'s sample lives for the call only.
// A container `key` (kContainer, "<pod>/<container>") is read from its pod's rows alike: the copy and
// listing that hold the container win, and the sample is its containerValues().
using SampleVisitor = std::function<void(const ObjectSample&)>;
void visitPodSamples(const ObjectKey& key, std::span<const BlockRows> sources, const SampleVisitor& visit);

// The same for namespace or deployment `key` (the sources hold rows of its pods): per timestamp
// the sum over nodes, in node-name order, of each node's share (its pods of the object summed in
// pod order, with the node's capacities once), as MemoryStorage sums it, bit for bit; the interval
// is that of the contributing copy whose first copy came last.
void visitAggregateSamples(const ObjectKey& key, std::span<const BlockRows> sources, const SampleVisitor& visit);

// The labels of `pod` (uid, name, namespace, deployment, qos_class, workload), no values: what
// block rows keep as a pod's identity.
model::PodUsage podIdentity(const model::PodUsage& pod);

// Whether `pod` (an identity: namespace, name, deployment) adds to aggregate `key` (a namespace or
// deployment). Pods the agent could not name have no namespace: they add to none.
bool podAddsToAggregate(const model::PodUsage& pod, const ObjectKey& key);

}  // namespace kubemonitor::tsdb
