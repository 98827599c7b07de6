#include "tsdb/row_samples.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "tsdb/object_values.h"

namespace kubemonitor::tsdb {

model::PodUsage podIdentity(const model::PodUsage& pod) {
  model::PodUsage identity;
  identity.uid = pod.uid;
  identity.name = pod.name;
  identity.namespace_name = pod.namespace_name;
  identity.deployment = pod.deployment;
  identity.qos_class = pod.qos_class;
  identity.workload_kind = pod.workload_kind;
  identity.workload_name = pod.workload_name;
  return identity;
}

BlockRows reportRows(const model::Report& report, const BlockFilter& filter) {
  BlockRows out;
  if (report.timestamp_ms < filter.min_ts_ms || report.timestamp_ms > filter.max_ts_ms) return out;
  if (!filter.node.empty() && report.node != filter.node) return out;
  out.nodes.push_back(NodeRows{report.node, {report.timestamp_ms}, {report.interval_ms}, {report.node_usage}});
  for (const model::PodUsage& pod : report.pods) {
    if (!filter.choosesPod(pod)) continue;
    out.pods.push_back(PodRows{report.node, podIdentity(pod), {report.timestamp_ms}, {pod}});
  }
  return out;
}

namespace {


// One pod row of a copy of a node's report.
struct Listing {
  const PodRows* rows = nullptr;
  size_t row = 0;
};

// The newest copy of a node's report (node, timestamp) over all sources, and its pod listings.
struct Copy {
  int64_t ts_ms = 0;
  size_t node_rank = 0;  // of the node's name among all the nodes met (names sort as ranks do)
  size_t first_seq = 0;  // when the first copy of (node, timestamp) came: sources in order, within
                         // one by (node name, timestamp), as decodeBlock's reports
  const NodeRows* node_rows = nullptr;
  size_t node_row = 0;
  size_t listings_begin = 0;  // its listings in NewestCopies::listings, in the report's pod order
  size_t listings_end = 0;
};

struct NewestCopies {
  std::vector<Copy> copies;  // sorted by (timestamp, node name)
  std::vector<Listing> listings;
};

NewestCopies newestCopiesOf(std::span<const BlockRows> sources) {
  // Nodes by rank of name (a few per object), so that copies are ordered by integers.
  std::vector<std::string_view> names;
  for (const BlockRows& source : sources) {
    for (const NodeRows& rows : source.nodes) {
      if (!rows.node.empty()) names.push_back(rows.node);  // MemoryStorage refuses a report without a node
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  auto rankOf = [&](std::string_view node) -> std::optional<size_t> {
    const auto it = std::lower_bound(names.begin(), names.end(), node);
    if (it == names.end() || *it != node) return std::nullopt;
    return static_cast<size_t>(it - names.begin());
  };
  struct Arrival {
    size_t node_rank;
    int64_t ts_ms;
    const NodeRows* node_rows;
    size_t node_row;
  };
  std::vector<Arrival> arrivals;                   // in arrival order: index = seq
  std::vector<std::pair<size_t, Listing>> listed;  // (arrival, listing)
  for (const BlockRows& source : sources) {
    // A source's reports come by node name, then time (decodeBlock's order).
    std::vector<std::pair<size_t, const NodeRows*>> nodes;
    for (const NodeRows& rows : source.nodes) {
      if (auto rank = rankOf(rows.node)) nodes.emplace_back(*rank, &rows);
    }
    std::stable_sort(nodes.begin(), nodes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const size_t source_begin = arrivals.size();
    for (const auto& [rank, rows] : nodes) {
      for (size_t k = 0; k < rows->timestamps_ms.size(); ++k)
        arrivals.push_back(Arrival{rank, rows->timestamps_ms[k], rows, k});
    }
    // This source's arrivals are sorted by (node, timestamp): each pod row finds its node's.
    const auto first = arrivals.begin() + static_cast<std::ptrdiff_t>(source_begin);
    for (const PodRows& pod : source.pods) {
      const auto rank = rankOf(pod.node);
      if (!rank || pod.usage.size() != pod.timestamps_ms.size()) continue;  // identity-only rows carry no values
      for (size_t k = 0; k < pod.timestamps_ms.size(); ++k) {
        const std::pair key{*rank, pod.timestamps_ms[k]};
        const auto at = std::lower_bound(first, arrivals.end(), key, [](const Arrival& a, const auto& wanted) {
          return std::pair{a.node_rank, a.ts_ms} < wanted;
        });
        if (at == arrivals.end() || at->node_rank != key.first || at->ts_ms != key.second) continue;
        listed.emplace_back(static_cast<size_t>(at - arrivals.begin()), Listing{&pod, k});
      }
    }
  }
  // Listings grouped by arrival, each group in pod order (pod rows come in the reports' pod order).
  std::stable_sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  // Each (node, timestamp): its newest arrival, at its first arrival's place.
  std::vector<size_t> order(arrivals.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::pair{arrivals[a].node_rank, arrivals[a].ts_ms} < std::pair{arrivals[b].node_rank, arrivals[b].ts_ms};
  });
  NewestCopies out;
  for (size_t i = 0; i < order.size();) {
    size_t j = i + 1;
    while (j < order.size() && arrivals[order[j]].node_rank == arrivals[order[i]].node_rank &&
           arrivals[order[j]].ts_ms == arrivals[order[i]].ts_ms)
      ++j;
    const size_t newest_seq = order[j - 1];
    const Arrival& newest = arrivals[newest_seq];
    Copy copy;
    copy.ts_ms = newest.ts_ms;
    copy.node_rank = newest.node_rank;
    copy.first_seq = order[i];
    copy.node_rows = newest.node_rows;
    copy.node_row = newest.node_row;
    const auto from = std::lower_bound(listed.begin(), listed.end(), newest_seq,
                                       [](const auto& l, size_t seq) { return l.first < seq; });
    copy.listings_begin = out.listings.size();
    for (auto it = from; it != listed.end() && it->first == newest_seq; ++it) out.listings.push_back(it->second);
    copy.listings_end = out.listings.size();
    out.copies.push_back(copy);
    i = j;
  }
  std::sort(out.copies.begin(), out.copies.end(), [](const Copy& a, const Copy& b) {
    return std::tie(a.ts_ms, a.node_rank) < std::tie(b.ts_ms, b.node_rank);
  });
  return out;
}

}  // namespace

bool podAddsToAggregate(const model::PodUsage& pod, const ObjectKey& key) {
  if (pod.namespace_name.empty()) return false;
  if (key.kind == ObjectKind::kNamespace) return pod.namespace_name == key.name;
  return key.kind == ObjectKind::kDeployment && pod.namespace_name == key.namespace_name && pod.deployment == key.name;
}

namespace {

// The values `key` takes from one listing of its pod: podValues for a pod; for a container, its
// containerValues when the listing holds it (the row's containers are in report order, a name once).
std::optional<ObjectValues> valuesOf(const ObjectKey& key, std::string_view container, const Listing& listing,
                                     const model::NodeUsage& node) {
  const model::PodUsage& pod = listing.rows->usage[listing.row];
  if (key.kind != ObjectKind::kContainer) return podValues(pod, node);
  for (const model::ContainerUsage& c : pod.containers) {
    if (c.name == container) return containerValues(c, node);
  }
  return std::nullopt;
}

}  // namespace

void visitPodSamples(const ObjectKey& key, std::span<const BlockRows> sources, const SampleVisitor& visit) {
  const NewestCopies newest = newestCopiesOf(sources);
  ObjectSample sample{key, {}, {}, {}, 0, 0, {}};  // reused: labels are assigned, rarely reallocated
  const std::string_view container =
      key.kind == ObjectKind::kContainer ? std::string_view(key.name).substr(key.name.find('/') + 1) : "";
  const auto& copies = newest.copies;
  for (size_t i = 0; i < copies.size();) {
    // Per timestamp, the copy listing the pod (a container: the pod with it) whose first copy came
    // last (MemoryStorage overwrites the point with each), and in it the last such listing.
    const Copy* winner = nullptr;
    const Listing* winning = nullptr;
    std::optional<ObjectValues> values;
    size_t j = i;
    for (; j < copies.size() && copies[j].ts_ms == copies[i].ts_ms; ++j) {
      const Copy& copy = copies[j];
      if (winner != nullptr && copy.first_seq <= winner->first_seq) continue;
      const model::NodeUsage& node = copy.node_rows->usage[copy.node_row];
      for (size_t l = copy.listings_end; l > copy.listings_begin; --l) {
        auto found = valuesOf(key, container, newest.listings[l - 1], node);
        if (!found) continue;
        winner = &copy;
        winning = &newest.listings[l - 1];
        values = found;
        break;
      }
    }
    i = j;
    if (winner == nullptr) continue;
    const model::PodUsage& identity = winning->rows->identity;
    sample.node = winner->node_rows->node;
    sample.deployment = identity.deployment;
    sample.uid = identity.uid;
    sample.qos_class = identity.qos_class;
    sample.workload_kind = identity.workload_kind;
    sample.workload_name = identity.workload_name;
    sample.timestamp_ms = winner->ts_ms;
    sample.interval_ms = winner->node_rows->intervals_ms[winner->node_row];
    sample.values = *values;
    visit(sample);
  }
}

void visitAggregateSamples(const ObjectKey& key, std::span<const BlockRows> sources, const SampleVisitor& visit) {
  const NewestCopies newest = newestCopiesOf(sources);
  ObjectSample sample{key, {}, {}, {}, 0, 0, {}};
  const auto& copies = newest.copies;
  for (size_t i = 0; i < copies.size();) {
    // The in-order sum over node names of each node's share: its pods of the object summed in the
    // report's pod order, with the node's capacities (counted once per node).
    ObjectValues point;
    const Copy* last = nullptr;  // the contributing copy ingested last sets the interval
    size_t j = i;
    for (; j < copies.size() && copies[j].ts_ms == copies[i].ts_ms; ++j) {
      const Copy& copy = copies[j];
      const model::NodeUsage& node = copy.node_rows->usage[copy.node_row];
      NodeShare share;
      for (size_t l = copy.listings_begin; l < copy.listings_end; ++l) {
        const Listing& listing = newest.listings[l];
        if (podAddsToAggregate(listing.rows->identity, key)) share.add(listing.rows->usage[listing.row], node);
      }
      if (!share.any()) continue;
      addValues(point, share.result(node));
      if (last == nullptr || copy.first_seq > last->first_seq) last = &copy;
    }
    if (last != nullptr) {
      sample.timestamp_ms = copies[i].ts_ms;
      sample.interval_ms = last->node_rows->intervals_ms[last->node_row];
      sample.values = point;
      visit(sample);
    }
    i = j;
  }
}

}  // namespace kubemonitor::tsdb
