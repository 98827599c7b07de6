#include "tsdb/block_merge.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <vector>

#include "tsdb/block_entry.h"

namespace kubemonitor::tsdb {
namespace {

using internal::EntryRows;
using internal::readEntryAt;

// Which input holds the kept copy of each of a node's report timestamps, and where in its rows.
struct Owner {
  size_t input = 0;
  size_t row = 0;
};

struct PodSources {
  std::vector<std::pair<size_t, BlockEntryRef>> entries;  // (input, entry), in input order
};
using PodKey = std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>;  // ns, name, uid, deployment

// Notes a corrupt entry; the merge goes on without its rows.
void noteCorrupt(MergeOutcome& outcome, const Error& error) {
  ++outcome.corrupt_entries;
  if (outcome.first_error.empty()) outcome.first_error = error.toString();
}

Status mergeNode(std::span<const MergeInput> inputs, std::string_view node, BlockWriter& writer,
                 MergeOutcome& outcome) {
  size_t samples = 0;  // the writer counts what it stores; what is read is not needed here
  std::vector<NodeRows> node_rows(inputs.size());
  std::map<int64_t, Owner> owners;  // by timestamp; a later input replaces
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto ref = inputs[i].index->node(node);
    if (!ref) continue;
    auto rows = readEntryAt(inputs[i].file, *ref, nullptr, samples);
    if (!rows) {
      noteCorrupt(outcome, rows.error());
      continue;
    }
    if (auto* n = std::get_if<NodeRows>(&*rows)) node_rows[i] = std::move(*n);
    for (size_t k = 0; k < node_rows[i].timestamps_ms.size(); ++k) owners[node_rows[i].timestamps_ms[k]] = Owner{i, k};
  }
  if (owners.empty()) return {};
  std::vector<int64_t> timestamps_ms, intervals_ms;
  std::vector<const model::NodeUsage*> usage;
  for (const auto& [ts, owner] : owners) {
    timestamps_ms.push_back(ts);
    intervals_ms.push_back(node_rows[owner.input].intervals_ms[owner.row]);
    usage.push_back(&node_rows[owner.input].usage[owner.row]);
  }
  if (auto s = writer.addNodeEntry(node, timestamps_ms, intervals_ms, usage); !s) return s;

  BlockFilter on_node;
  on_node.node = std::string(node);
  std::map<PodKey, PodSources> pods;
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (const IndexedPod& pod : inputs[i].index->pods(on_node)) {
      pods[PodKey{pod.namespace_name, pod.name, pod.uid, pod.deployment}].entries.emplace_back(i, pod.entry);
    }
  }
  std::vector<PodRows> rows_of_inputs;
  std::vector<PodAppearance> appearances;
  for (const auto& [key, sources] : pods) {
    rows_of_inputs.clear();
    rows_of_inputs.reserve(sources.entries.size());
    appearances.clear();
    const PodRows* newest = nullptr;  // the rows holding the pod's newest kept appearance (reserved: stable)
    int64_t newest_ms = 0;
    for (const auto& [input, ref] : sources.entries) {
      auto rows = readEntryAt(inputs[input].file, ref, nullptr, samples);
      if (!rows) {
        noteCorrupt(outcome, rows.error());
        continue;
      }
      auto* pod = std::get_if<PodRows>(&*rows);
      if (pod == nullptr) continue;
      PodRows& kept = rows_of_inputs.emplace_back(std::move(*pod));
      for (size_t k = 0; k < kept.timestamps_ms.size(); ++k) {
        // Kept only where this input holds the node's kept copy of that report.
        auto owner = owners.find(kept.timestamps_ms[k]);
        if (owner == owners.end() || owner->second.input != input) continue;
        appearances.push_back(PodAppearance{kept.timestamps_ms[k], &kept.usage[k]});
        if (newest == nullptr || kept.timestamps_ms[k] > newest_ms) {
          newest = &kept;
          newest_ms = kept.timestamps_ms[k];
        }
      }
    }
    if (appearances.empty()) continue;
    std::sort(appearances.begin(), appearances.end(),
              [](const PodAppearance& a, const PodAppearance& b) { return a.timestamp_ms < b.timestamp_ms; });
    // The labels of the newest appearance, as a block encoded from the merged reports keeps them.
    if (auto s = writer.addPodEntry(node, newest->identity, appearances); !s) return s;
  }
  return {};
}

}  // namespace

std::pair<int64_t, int64_t> mergedTimeRange(std::span<const MergeInput> inputs, std::span<const BlockHeader> headers) {
  int64_t lo = INT64_MAX;
  int64_t hi = INT64_MIN;
  for (size_t i = 0; i < inputs.size() && i < headers.size(); ++i) {
    if (inputs[i].index == nullptr || inputs[i].index->nodeCount() == 0) continue;
    lo = std::min(lo, headers[i].min_ts_ms);
    hi = std::max(hi, headers[i].max_ts_ms);
  }
  if (lo > hi) return {0, 0};
  return {lo, hi};
}

Result<MergeOutcome> mergeBlocks(std::span<const MergeInput> inputs, BlockWriter& writer) {
  std::vector<std::string_view> nodes;
  for (const MergeInput& input : inputs) {
    if (input.index == nullptr) return makeError(ErrorCode::kInvalidArgument, "a merge input has no series index");
    const auto names = input.index->nodeNames();
    nodes.insert(nodes.end(), names.begin(), names.end());
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  MergeOutcome outcome;
  for (std::string_view node : nodes) {
    if (auto s = mergeNode(inputs, node, writer, outcome); !s) return s.error();
  }
  return outcome;
}

}  // namespace kubemonitor::tsdb
