#include "tsdb/pod_rows.h"

#include <algorithm>
#include <string_view>
#include <tuple>
#include <vector>

#include "tsdb/object_values.h"

namespace kubemonitor::tsdb {

BlockRows reportRows(const model::Report& report, const BlockFilter& filter) {
  BlockRows out;
  if (report.timestamp_ms < filter.min_ts_ms || report.timestamp_ms > filter.max_ts_ms) return out;
  if (!filter.node.empty() && report.node != filter.node) return out;
  out.nodes.push_back(NodeRows{report.node, {report.timestamp_ms}, {report.interval_ms}, {report.node_usage}});
  for (const model::PodUsage& pod : report.pods) {
    if (!filter.namespace_name.empty() && pod.namespace_name != filter.namespace_name) continue;
    if (!filter.pod_name.empty() && pod.name != filter.pod_name) continue;
    if (!filter.deployment.empty() && pod.deployment != filter.deployment) continue;
    model::PodUsage identity;
    identity.uid = pod.uid;
    identity.name = pod.name;
    identity.namespace_name = pod.namespace_name;
    identity.deployment = pod.deployment;
    out.pods.push_back(PodRows{report.node, std::move(identity), {report.timestamp_ms}, {pod}});
  }
  return out;
}

namespace {

// One copy of a node's report (node, timestamp) in one source, and its listing of the pod.
struct Copy {
  size_t node = 0;  // index into the node names met
  int64_t ts_ms = 0;
  size_t seq = 0;  // arrival order: sources in order, within one by (node name, timestamp)
  const NodeRows* node_rows = nullptr;
  size_t node_row = 0;
  const PodRows* pod_rows = nullptr;  // null: this copy does not list the pod
  size_t pod_row = 0;
};

}  // namespace

void visitPodSamples(const ObjectKey& key, std::span<const BlockRows> sources, const SampleVisitor& visit) {
  std::vector<std::string_view> node_names;
  auto nodeId = [&](std::string_view name) {
    const auto it = std::find(node_names.begin(), node_names.end(), name);
    if (it != node_names.end()) return static_cast<size_t>(it - node_names.begin());
    node_names.push_back(name);
    return node_names.size() - 1;
  };
  std::vector<Copy> copies;
  size_t seq = 0;
  for (const BlockRows& source : sources) {
    // A block's reports come by node name, then time (decodeBlock's order).
    std::vector<const NodeRows*> nodes;
    for (const NodeRows& rows : source.nodes) {
      if (!rows.node.empty()) nodes.push_back(&rows);  // MemoryStorage refuses a report without a node
    }
    std::stable_sort(nodes.begin(), nodes.end(),
                     [](const NodeRows* a, const NodeRows* b) { return a->node < b->node; });
    struct Span {
      std::string_view node;
      size_t begin, end;  // this node's copies in `copies`, by timestamp
    };
    std::vector<Span> spans;
    for (const NodeRows* rows : nodes) {
      const size_t id = nodeId(rows->node);
      const size_t begin = copies.size();
      for (size_t k = 0; k < rows->timestamps_ms.size(); ++k)
        copies.push_back(Copy{id, rows->timestamps_ms[k], seq++, rows, k, nullptr, 0});
      spans.push_back(Span{rows->node, begin, copies.size()});
    }
    // Each listing joins its node's copy of the same timestamp; a later listing replaces.
    for (const PodRows& pod : source.pods) {
      const auto span = std::find_if(spans.begin(), spans.end(), [&](const Span& s) { return s.node == pod.node; });
      if (span == spans.end() || pod.usage.size() != pod.timestamps_ms.size()) continue;
      for (size_t k = 0; k < pod.timestamps_ms.size(); ++k) {
        const auto first = copies.begin() + static_cast<std::ptrdiff_t>(span->begin);
        const auto last = copies.begin() + static_cast<std::ptrdiff_t>(span->end);
        const auto copy =
            std::lower_bound(first, last, pod.timestamps_ms[k], [](const Copy& c, int64_t ts) { return c.ts_ms < ts; });
        if (copy == last || copy->ts_ms != pod.timestamps_ms[k]) continue;
        copy->pod_rows = &pod;
        copy->pod_row = k;
      }
    }
  }
  // The newest copy of each (node, timestamp), in the order its first copy came.
  std::stable_sort(copies.begin(), copies.end(),
                   [](const Copy& a, const Copy& b) { return std::tie(a.node, a.ts_ms) < std::tie(b.node, b.ts_ms); });
  std::vector<std::pair<size_t, const Copy*>> listed;  // (first copy's seq, newest copy) listing the pod
  for (size_t i = 0; i < copies.size();) {
    size_t j = i + 1;
    while (j < copies.size() && copies[j].node == copies[i].node && copies[j].ts_ms == copies[i].ts_ms) ++j;
    if (copies[j - 1].pod_rows != nullptr) listed.emplace_back(copies[i].seq, &copies[j - 1]);
    i = j;
  }
  // Per timestamp the copy that came last wins (MemoryStorage overwrites the pod's point).
  std::sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second->ts_ms, a.first) < std::tie(b.second->ts_ms, b.first);
  });
  ObjectSample sample{key, {}, {}, {}, 0, 0, {}};  // reused: labels are assigned, rarely reallocated
  for (size_t i = 0; i < listed.size(); ++i) {
    const Copy& copy = *listed[i].second;
    if (i + 1 < listed.size() && listed[i + 1].second->ts_ms == copy.ts_ms) continue;
    const model::PodUsage& pod = copy.pod_rows->usage[copy.pod_row];
    sample.node = copy.node_rows->node;
    sample.deployment = copy.pod_rows->identity.deployment;
    sample.uid = copy.pod_rows->identity.uid;
    sample.timestamp_ms = copy.ts_ms;
    sample.interval_ms = copy.node_rows->intervals_ms[copy.node_row];
    sample.values = podValues(pod, copy.node_rows->usage[copy.node_row]);
    visit(sample);
  }
}

}  // namespace kubemonitor::tsdb
