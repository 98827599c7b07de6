// Fuzzes the embedded engine's on-disk decoders: the input as a block file (decodeBlock) and as a
// WAL report record (decodeReportRecord), and its series index (BlockIndex::parse, lookups,
// decodeBlockEntries, readBlockRows with and without containers, the aggregate entries). Any input must give a value or an
// error, never a crash; whatever decodes must encode again and decode to the same reports, and the
// re-encoded block's index must list them.

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "tsdb/block.h"
#include "tsdb/report_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemonitor::tsdb;
  const std::span<const uint8_t> input(data, size);
  if (auto record = decodeReportRecord(input); record.ok()) {
    auto again = decodeReportRecord(encodeReportRecord(*record));
    if (!again.ok() || again->pods.size() != record->pods.size()) std::abort();
  }
  auto block = decodeBlock(input);
  if (block.ok() && !block->reports.empty()) {
    auto encoded = encodeBlock(block->header, block->reports);
    if (!encoded.ok()) return 0;  // e.g. a pod listed twice in one report: refused, not a crash
    auto again = decodeBlock(*encoded);
    if (!again.ok() || again->reports.size() != block->reports.size() || again->corrupt_entries != 0) std::abort();
    auto index = BlockIndex::parse(*encoded);
    if (!index.ok()) std::abort();
    const auto& first = block->reports.front();
    BlockFilter filter;
    filter.node = first.node;
    filter.identity_only = true;
    auto node = decodeBlockEntries(*encoded, &*index, filter);
    if (!node.ok() || node->corrupt_entries != 0) std::abort();
    // Rows of the first pod (the pod series' read) are those of its reports.
    if (!first.pods.empty()) {
      BlockFilter pod_filter;
      pod_filter.namespace_name = first.pods.front().namespace_name;
      pod_filter.pod_name = first.pods.front().name;
      pod_filter.skip_containers = true;
      auto rows = readBlockRows(*encoded, &*index, pod_filter);
      if (!rows.ok() || rows->corrupt_entries != 0 || rows->pods.empty() || rows->nodes.empty()) std::abort();
      // The re-encoded block pre-aggregates the pod's namespace (issue 14): its entry reads back.
      if (!first.pods.front().namespace_name.empty()) {
        auto aggregate = readAggregateRows(*encoded, *index, ObjectKey{ObjectKind::kNamespace, "", pod_filter.namespace_name});
        if (!aggregate.ok() || !aggregate->has_value() || (*aggregate)->timestamps_ms.empty()) std::abort();
      }
    }
  }
  // The input's own index, whatever it holds: lookups stay inside the bytes.
  if (auto index = BlockIndex::parse(input); index.ok()) {
    (void)index->node("node-0");
    for (const IndexedPod& pod : index->pods(BlockFilter{})) {
      // The input's aggregate entries, whatever they hold (issue 14).
      (void)readAggregateRows(input, *index, ObjectKey{ObjectKind::kNamespace, "", std::string(pod.namespace_name)});
      (void)readAggregateRows(input, *index,
                              ObjectKey{ObjectKind::kDeployment, std::string(pod.namespace_name), std::string(pod.deployment)});
      BlockFilter filter;
      filter.namespace_name = std::string(pod.namespace_name);
      filter.pod_name = std::string(pod.name);
      (void)decodeBlockEntries(input, &*index, filter);
      filter.skip_containers = true;
      (void)readBlockRows(input, &*index, filter);
      (void)readBlockRows(input, nullptr, filter);  // the full scan, as for a version-1 block
      filter.pod_name.clear();
      filter.deployment = std::string(pod.deployment);
      (void)index->pods(filter);
      break;
    }
  }
  return 0;
}
