#include "tsdb/memory_storage.h"

#include <algorithm>
#include <mutex>

#include "tsdb/bucket_aggregator.h"
#include "tsdb/node_liveness.h"
#include "tsdb/series_folder.h"

namespace kubemonitor::tsdb {

MemoryStorage::MemoryStorage(const Clock& clock, std::chrono::seconds retention, std::chrono::seconds replay_window)
    : clock_(clock),
      retention_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(retention).count()),
      replay_window_ms_(std::chrono::duration_cast<std::chrono::milliseconds>(replay_window).count()),
      // A hundredth of the retention, between 1 s and 1 min: cheap, and stale nodes go soon enough.
      sweep_period_ms_(std::clamp<int64_t>(retention_ms_ / 100, 1000, 60'000)) {}

int64_t MemoryStorage::cutoffMs() const { return toUnixMs(clock_.wallNow()) - retention_ms_; }

Result<IngestOutcome> MemoryStorage::ingest(const model::Report& report) {
  if (report.node.empty()) return makeError(ErrorCode::kInvalidArgument, "report without a node name");
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const int64_t cutoff_ms = now_ms - retention_ms_;
  const int64_t ts = report.timestamp_ms;
  IngestOutcome outcome;
  std::unique_lock lock(mutex_);
  if (now_ms >= next_sweep_ms_) {
    sweepLocked(cutoff_ms);
    next_sweep_ms_ = now_ms + sweep_period_ms_;
  }
  // A replay from a long outage may be older than what we keep: acknowledged, not stored.
  if (ts < cutoff_ms) return outcome;

  auto node_it = nodes_.find(report.node);
  if (node_it == nodes_.end()) node_it = nodes_.emplace(report.node, Series{}).first;
  Series& series = node_it->second;
  // This node's own expired samples: amortised O(1) per ingest, as each sample expires once.
  while (!series.empty() && series.begin()->first < cutoff_ms) {
    series.erase(series.begin());
    --sample_count_;
  }
  // A sample trimmed from RAM (its report is in a block) replayed late: a replay, not a new sample.
  bool was_trimmed = false;
  if (auto trimmed_it = trimmed_times_.find(report.node); trimmed_it != trimmed_times_.end()) {
    TimeRuns& times = trimmed_it->second;
    sample_count_ -= times.eraseBelow(cutoff_ms);
    was_trimmed = times.erase(ts);
    if (times.empty()) trimmed_times_.erase(trimmed_it);
  }
  // A replay: take back everything the earlier copy of this report wrote, then write it anew.
  // Sealed aggregate points it reaches are summed again from their pods once its pods are in.
  std::vector<ObjectKey> resum;
  if (series.contains(ts) || was_trimmed) removeReportLocked(report.node, ts, resum);

  // This node's contribution to each namespace/deployment, keyed by views into the report; pods
  // usually come grouped by namespace, so the last share touched is tried first.
  std::vector<std::pair<KeyView, ObjectValues>> shares;
  auto shareOf = [&](const KeyView& key) -> ObjectValues& {
    for (auto it = shares.rbegin(); it != shares.rend(); ++it) {
      if (it->first.kind == key.kind && it->first.name == key.name && it->first.namespace_name == key.namespace_name)
        return it->second;
    }
    return shares.emplace_back(key, ObjectValues{}).second;
  };
  std::string container_name;
  for (const model::PodUsage& pod : report.pods) {
    // Without API access an agent knows a pod only by its UID, which then names it.
    const KeyView key{ObjectKind::kPod, pod.namespace_name, pod.name.empty() ? pod.uid : pod.name};
    const ObjectValues values = podValues(pod, report.node_usage);
    ObjectSeries& pod_series = seriesLocked(key);
    dropExpired(pod_series, cutoff_ms);
    const PodLabelsView pod_labels{report.node,   pod.deployment,    pod.uid,
                                   pod.qos_class, pod.workload_kind, pod.workload_name};
    ObjectPoint& point = pointAt(pod_series.points, ts);
    point.interval_ms = report.interval_ms;
    point.values = values;
    point.labels = labelIndexLocked(pod_series, pod_labels);
    point.shares.reset();
    const bool newest_containers = ts >= pod_series.containers_ms;
    if (newest_containers) {
      pod_series.containers_ms = ts;
      pod_series.containers.clear();
    }
    for (const auto& c : pod.containers) {
      const ObjectValues container_values = containerValues(c, report.node_usage);
      if (newest_containers) pod_series.containers.push_back({c.name, container_values});
      ObjectSeries& container_series = containerSeriesLocked(pod_series, key, c.name, container_name);
      dropExpired(container_series, cutoff_ms);
      ObjectPoint& container_point = pointAt(container_series.points, ts);
      container_point.interval_ms = report.interval_ms;
      container_point.values = container_values;
      container_point.labels = labelIndexLocked(container_series, pod_labels);
    }
    // Pods the agent could not name have no namespace: they count on their node only.
    if (pod.namespace_name.empty()) continue;
    addValues(shareOf(KeyView{ObjectKind::kNamespace, "", pod.namespace_name}), values);
    if (!pod.deployment.empty()) {
      addValues(shareOf(KeyView{ObjectKind::kDeployment, pod.namespace_name, pod.deployment}), values);
    }
  }
  for (auto& [key, share] : shares) {
    // The node's capacity counts once per node, however many of the object's pods run there.
    share.cpu_capacity_millicores = report.node_usage.cpu_capacity_millicores;
    share.memory_capacity_bytes = report.node_usage.memory_capacity_bytes;
    ObjectSeries& aggregate = seriesLocked(key);
    dropExpired(aggregate, cutoff_ms);
    ObjectPoint& point = pointAt(aggregate.points, ts);
    point.interval_ms = report.interval_ms;
    if (!point.shares) point.shares = std::make_unique<AggregateShares>();
    AggregateShares& shares_of_point = *point.shares;
    if (!shares_of_point.sealed_nodes.empty()) {
      // Sealed: a node whose name sorts after all that added extends the in-order sum; any other
      // (a replay, or a late node in the middle) has the point summed again from its pods.
      if (node_names_[shares_of_point.sealed_nodes.back()] < report.node) {
        shares_of_point.sealed_nodes.push_back(nodeIdLocked(report.node));
        addValues(point.values, share);
      } else {
        resum.push_back(ObjectKey{key.kind, std::string(key.namespace_name), std::string(key.name)});
      }
      continue;
    }
    auto& contributions = shares_of_point.contributions;
    auto at = std::lower_bound(contributions.begin(), contributions.end(), report.node,
                               [](const Contribution& c, const std::string& node) { return c.node < node; });
    if (at == contributions.end()) {
      // The newest node name so far (always so when a restart replays a block, node by node):
      // the in-order fold simply goes one step further, the same bits as re-summing all.
      contributions.push_back(Contribution{report.node, share});
      addValues(point.values, share);
    } else {
      if (at->node == report.node) {
        at->values = share;
      } else {
        contributions.insert(at, Contribution{report.node, share});
      }
      // Re-summed from the contributions (node order) rather than patched by subtraction, so a
      // point is the same exact sum however many replays came before.
      point.values = {};
      for (const Contribution& c : contributions) addValues(point.values, c.values);
    }
    sealLocked(aggregate);
  }

  auto [it, inserted] =
      series.insert_or_assign(ts, StoredSample{report.interval_ms, report.node_usage, report.pods.size()});
  (void)it;
  // After the node sample: the sums take this node's capacities from it.
  std::sort(resum.begin(), resum.end());
  resum.erase(std::unique(resum.begin(), resum.end()), resum.end());
  for (const ObjectKey& key : resum) resumFromPodsLocked(key, ts);
  if (inserted && !was_trimmed) ++sample_count_;
  outcome.accepted = 1;
  outcome.replaced = !inserted || was_trimmed;
  return outcome;
}

uint32_t MemoryStorage::labelIndexLocked(ObjectSeries& series, const PodLabelsView& pod_labels) {
  // Labels change rarely (a pod moving node would be a new pod with a new UID): try the newest.
  auto& labels = series.labels;
  if (!labels.empty() && pod_labels.matches(labels.back())) return static_cast<uint32_t>(labels.size() - 1);
  auto found = std::find_if(labels.begin(), labels.end(), [&](const PodLabels& l) { return pod_labels.matches(l); });
  if (found == labels.end()) found = labels.insert(labels.end(), pod_labels.copy());
  return static_cast<uint32_t>(found - labels.begin());
}

MemoryStorage::ObjectSeries& MemoryStorage::seriesLocked(const KeyView& key) {
  if (auto found = index_.find(key); found != index_.end()) return found->second->second;
  auto it =
      objects_.emplace(ObjectKey{key.kind, std::string(key.namespace_name), std::string(key.name)}, ObjectSeries{})
          .first;
  index_.emplace(KeyLess::view(it->first), it);
  return it->second;
}

MemoryStorage::ObjectSeries& MemoryStorage::containerSeriesLocked(ObjectSeries& pod_series, const KeyView& pod_key,
                                                                   std::string_view container, std::string& scratch) {
  if (pod_series.container_series_epoch != series_erasures_) {
    pod_series.container_series.clear();
    pod_series.container_series_epoch = series_erasures_;
  }
  for (const auto& [name, series] : pod_series.container_series) {
    if (name == container) return *series;
  }
  assignContainerSeriesName(scratch, pod_key.name, container);
  ObjectSeries& series = seriesLocked(KeyView{ObjectKind::kContainer, pod_key.namespace_name, scratch});
  pod_series.container_series.emplace_back(std::string(container), &series);  // std::map nodes do not move
  return series;
}

MemoryStorage::ObjectMap::iterator MemoryStorage::eraseSeriesLocked(ObjectMap::iterator it) {
  ++series_erasures_;
  index_.erase(KeyLess::view(it->first));
  return objects_.erase(it);
}

std::vector<MemoryStorage::ObjectPoint>::const_iterator MemoryStorage::pointAtOrAfter(
    const std::vector<ObjectPoint>& points, int64_t timestamp_ms) {
  return std::lower_bound(points.begin(), points.end(), timestamp_ms,
                          [](const ObjectPoint& p, int64_t ts) { return p.timestamp_ms < ts; });
}

std::vector<MemoryStorage::ObjectPoint>::iterator MemoryStorage::pointAtOrAfter(std::vector<ObjectPoint>& points,
                                                                                int64_t timestamp_ms) {
  return std::lower_bound(points.begin(), points.end(), timestamp_ms,
                          [](const ObjectPoint& p, int64_t ts) { return p.timestamp_ms < ts; });
}

MemoryStorage::ObjectPoint& MemoryStorage::pointAt(std::vector<ObjectPoint>& points, int64_t timestamp_ms) {
  // Reports arrive in time order: the common case is an append.
  if (points.empty() || points.back().timestamp_ms < timestamp_ms) {
    // Grown by a quarter, not doubled: a series grows one point per report for as long as it
    // lives, and doubling leaves a quarter of the head unused on average (points move cheaply).
    if (points.size() == points.capacity()) points.reserve(points.size() + points.size() / 4 + 4);
    points.emplace_back().timestamp_ms = timestamp_ms;
    return points.back();
  }
  auto it = pointAtOrAfter(points, timestamp_ms);
  if (it != points.end() && it->timestamp_ms == timestamp_ms) return *it;
  it = points.emplace(it);
  it->timestamp_ms = timestamp_ms;
  return *it;
}

void MemoryStorage::removeReportLocked(const std::string& node, int64_t timestamp_ms, std::vector<ObjectKey>& resum) {
  for (auto series_it = objects_.begin(); series_it != objects_.end();) {
    auto& points = series_it->second.points;
    auto point_it = pointAtOrAfter(points, timestamp_ms);
    if (point_it != points.end() && point_it->timestamp_ms == timestamp_ms) {
      if (hasPodLabels(series_it->first.kind)) {
        if (series_it->second.labels[point_it->labels].node == node) points.erase(point_it);
      } else if (point_it->shares && point_it->shares->sealed()) {
        const auto& ids = point_it->shares->sealed_nodes;
        if (std::any_of(ids.begin(), ids.end(), [&](uint32_t id) { return node_names_[id] == node; })) {
          resum.push_back(series_it->first);  // after the replay's pods are in
        }
      } else if (point_it->shares) {
        auto& contributions = point_it->shares->contributions;
        auto share = std::find_if(contributions.begin(), contributions.end(),
                                  [&](const Contribution& c) { return c.node == node; });
        if (share != contributions.end()) {
          contributions.erase(share);
          if (contributions.empty()) {
            points.erase(point_it);
          } else {
            point_it->values = {};
            for (const Contribution& c : contributions) addValues(point_it->values, c.values);
          }
        }
      }
    }
    series_it = points.empty() ? eraseSeriesLocked(series_it) : std::next(series_it);
  }
}

uint32_t MemoryStorage::nodeIdLocked(const std::string& node) {
  auto [it, inserted] = node_ids_.try_emplace(node, static_cast<uint32_t>(node_names_.size()));
  if (inserted) node_names_.push_back(node);
  return it->second;
}

void MemoryStorage::sealLocked(ObjectSeries& aggregate) {
  if (replay_window_ms_ <= 0 || aggregate.points.empty()) return;
  const int64_t seal_before_ms = aggregate.points.back().timestamp_ms - replay_window_ms_;
  // Newest first from the boundary, until a point sealed before: amortised O(1) per ingest.
  auto it = pointAtOrAfter(aggregate.points, seal_before_ms);
  while (it != aggregate.points.begin()) {
    --it;
    if (!it->shares || it->shares->sealed()) break;
    AggregateShares& shares = *it->shares;
    shares.sealed_nodes.reserve(shares.contributions.size());
    for (const Contribution& c : shares.contributions) shares.sealed_nodes.push_back(nodeIdLocked(c.node));
    std::vector<Contribution>().swap(shares.contributions);  // frees them
  }
}

template <typename Visit>
void MemoryStorage::forEachPodPointLocked(const ObjectKey& key, int64_t timestamp_ms, Visit&& visit) const {
  const std::string_view pod_namespace = key.kind == ObjectKind::kNamespace ? key.name : key.namespace_name;
  // The namespace's pods are one range of objects_, in key order: the order sortPods() gave the
  // report, so a sum over them adds its pods as the ingest did.
  for (auto it = objects_.lower_bound(KeyView{ObjectKind::kPod, pod_namespace, ""});
       it != objects_.end() && it->first.kind == ObjectKind::kPod && it->first.namespace_name == pod_namespace; ++it) {
    auto point = pointAtOrAfter(it->second.points, timestamp_ms);
    if (point == it->second.points.end() || point->timestamp_ms != timestamp_ms) continue;
    const PodLabels& labels = it->second.labels[point->labels];
    if (key.kind == ObjectKind::kDeployment && labels.deployment != key.name) continue;
    visit(labels, point->values);
  }
}

std::optional<ObjectValues> MemoryStorage::shareFromPodsLocked(const ObjectKey& key, int64_t timestamp_ms,
                                                               std::string_view node) const {
  std::optional<ObjectValues> share;
  forEachPodPointLocked(key, timestamp_ms, [&](const PodLabels& labels, const ObjectValues& values) {
    if (labels.node != node) return;
    if (!share) share.emplace();
    addValues(*share, values);
  });
  if (!share) return share;
  // The node's capacity counts once per node, as at ingest.
  share->cpu_capacity_millicores = 0;
  share->memory_capacity_bytes = 0;
  if (auto n = nodes_.find(node); n != nodes_.end()) {
    if (auto sample = n->second.find(timestamp_ms); sample != n->second.end()) {
      share->cpu_capacity_millicores = sample->second.usage.cpu_capacity_millicores;
      share->memory_capacity_bytes = sample->second.usage.memory_capacity_bytes;
    }
  }
  return share;
}

void MemoryStorage::resumFromPodsLocked(const ObjectKey& key, int64_t timestamp_ms) {
  auto found = index_.find(KeyLess::view(key));
  if (found == index_.end()) return;
  const auto series_it = found->second;
  auto& points = series_it->second.points;
  auto point = pointAtOrAfter(points, timestamp_ms);
  if (point == points.end() || point->timestamp_ms != timestamp_ms) return;
  // The nodes whose pods are at this point, by name.
  std::vector<std::string_view> nodes;
  forEachPodPointLocked(key, timestamp_ms,
                        [&](const PodLabels& labels, const ObjectValues&) { nodes.push_back(labels.node); });
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  if (nodes.empty()) {
    points.erase(point);
    if (points.empty()) eraseSeriesLocked(series_it);
    return;
  }
  auto shares = std::make_unique<AggregateShares>();
  point->values = {};
  for (std::string_view node : nodes) {
    addValues(point->values, *shareFromPodsLocked(key, timestamp_ms, node));
    shares->sealed_nodes.push_back(nodeIdLocked(std::string(node)));
  }
  point->shares = std::move(shares);
}

void MemoryStorage::dropExpired(ObjectSeries& series, int64_t cutoff_ms) {
  auto& points = series.points;
  if (points.empty() || points.front().timestamp_ms >= cutoff_ms) return;
  const auto keep = pointAtOrAfter(points, cutoff_ms);
  const auto dead = static_cast<size_t>(keep - points.begin());
  // In batches of an eighth of the series: erasing one point off the front of a vector per
  // ingest would move the whole series every time.
  if (dead == points.size() || dead >= std::max<size_t>(16, points.size() / 8)) points.erase(points.begin(), keep);
}

void MemoryStorage::sweepLocked(int64_t cutoff_ms) {
  for (auto node_it = nodes_.begin(); node_it != nodes_.end();) {
    Series& series = node_it->second;
    const auto keep_from = series.lower_bound(cutoff_ms);
    sample_count_ -= static_cast<size_t>(std::distance(series.begin(), keep_from));
    series.erase(series.begin(), keep_from);
    node_it = series.empty() ? nodes_.erase(node_it) : std::next(node_it);
  }
  for (auto trimmed_it = trimmed_times_.begin(); trimmed_it != trimmed_times_.end();) {
    sample_count_ -= trimmed_it->second.eraseBelow(cutoff_ms);
    trimmed_it = trimmed_it->second.empty() ? trimmed_times_.erase(trimmed_it) : std::next(trimmed_it);
  }
  for (auto object_it = objects_.begin(); object_it != objects_.end();) {
    dropExpired(object_it->second, cutoff_ms);
    object_it = object_it->second.points.empty() ? eraseSeriesLocked(object_it) : std::next(object_it);
  }
}

size_t MemoryStorage::trimBefore(int64_t floor_ms) {
  std::unique_lock lock(mutex_);
  size_t dropped = 0;
  for (auto& [name, series] : nodes_) {
    auto end = series.lower_bound(floor_ms);
    if (end == series.end() && !series.empty()) --end;  // the newest stays
    if (end == series.begin()) continue;
    TimeRuns& times = trimmed_times_[name];
    for (auto it = series.begin(); it != end; ++it) dropped += times.insert(it->first) ? 1 : 0;
    series.erase(series.begin(), end);
  }
  // The object series a batch at a time, the lock released in between: a whole head (~100,000
  // series) took a few hundred ms, which ingest and queries would have waited for. A series added
  // meanwhile is trimmed when the next batch reaches it, or by the next trim.
  visitInBatches(objects_, lock, [&](const ObjectKey&, ObjectSeries& series) {
    auto& points = series.points;
    if (points.size() <= 1 || points.front().timestamp_ms >= floor_ms) return;
    auto keep = pointAtOrAfter(points, floor_ms);
    if (keep == points.end()) --keep;  // the newest stays
    dropped += static_cast<size_t>(keep - points.begin());
    points.erase(points.begin(), keep);
    points.shrink_to_fit();  // the point of trimming is the RAM
  });
  return dropped;
}

NodeSample MemoryStorage::toSample(const std::string& node, const Series::value_type& entry) {
  return NodeSample{node, entry.first, entry.second.interval_ms, entry.second.usage, entry.second.pod_count};
}

std::vector<NodeSample> MemoryStorage::latestNodes() const {
  // Expired samples may still be held until the next ingest sweeps them; readers skip them.
  const int64_t cutoff_ms = cutoffMs();
  std::shared_lock lock(mutex_);
  std::vector<NodeSample> out;
  out.reserve(nodes_.size());
  for (const auto& [name, series] : nodes_) {  // std::map: already sorted by name
    if (series.empty() || series.rbegin()->first < cutoff_ms) continue;
    out.push_back(toSample(name, *series.rbegin()));
  }
  return out;
}

std::optional<NodeSample> MemoryStorage::latestNode(std::string_view node) const {
  const int64_t cutoff_ms = cutoffMs();
  std::shared_lock lock(mutex_);
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.empty() || it->second.rbegin()->first < cutoff_ms) return std::nullopt;
  return toSample(it->first, *it->second.rbegin());
}

std::vector<NodeSample> MemoryStorage::nodeSeries(std::string_view node, const SeriesQuery& query) const {
  std::vector<NodeSample> out;
  if (query.step_ms <= 0 || query.end_ms < query.start_ms) return out;
  const int64_t start_ms = std::max(query.start_ms, cutoffMs());
  std::shared_lock lock(mutex_);
  auto node_it = nodes_.find(node);
  if (node_it == nodes_.end()) return out;
  const Series& series = node_it->second;

  NodeSeriesFolder folder(node_it->first, query.step_ms, out);
  for (auto it = series.lower_bound(start_ms); it != series.end() && it->first <= query.end_ms; ++it) {
    folder.add(it->first, it->second.usage, it->second.interval_ms, it->second.pod_count);
  }
  folder.finish();
  return out;
}

StorageStats MemoryStorage::stats() const {
  std::shared_lock lock(mutex_);
  return StorageStats{"memory", nodes_.size(), sample_count_, objects_.size()};
}

MemoryStorage::NodeTimes MemoryStorage::liveNodesLocked(int64_t now_ms, int64_t stale_after_ms) const {
  const int64_t cutoff_ms = now_ms - retention_ms_;
  NodeTimes live;
  for (const auto& [name, series] : nodes_) {
    if (series.empty()) continue;
    const auto& [newest_ms, sample] = *series.rbegin();
    if (nodeIsLive(newest_ms, sample.interval_ms, now_ms, cutoff_ms, stale_after_ms)) live.emplace(name, newest_ms);
  }
  return live;
}

bool MemoryStorage::podLiveLocked(const ObjectSeries& series, const NodeTimes& live) const {
  if (series.points.empty()) return false;
  const ObjectPoint& point = series.points.back();
  // Live while its node reports, and only while the node's newest report still lists it: a
  // deleted pod leaves with the next report, not after a grace period.
  auto node_it = live.find(series.labels[point.labels].node);
  return node_it != live.end() && node_it->second == point.timestamp_ms;
}

ObjectSample MemoryStorage::toObjectSample(const ObjectKey& key, const ObjectSeries& series, const ObjectPoint& point) {
  if (!hasPodLabels(key.kind))
    return ObjectSample{key, {}, {}, {}, point.timestamp_ms, point.interval_ms, point.values};
  const PodLabels& labels = series.labels[point.labels];
  return ObjectSample{key,
                      labels.node,
                      labels.deployment,
                      labels.uid,
                      point.timestamp_ms,
                      point.interval_ms,
                      point.values,
                      labels.qos_class,
                      labels.workload_kind,
                      labels.workload_name};
}

std::optional<ObjectSample> MemoryStorage::liveAggregateLocked(const ObjectKey& key, const ObjectSeries& series,
                                                               const NodeTimes& live) const {
  // Each live node's newest report counts, so an object spread over nodes whose reports for the
  // newest slot have not all arrived yet is not shown with only part of its pods.
  std::optional<ObjectSample> out;
  for (const auto& [node, newest_ms] : live) {
    auto point_it = pointAtOrAfter(series.points, newest_ms);
    if (point_it == series.points.end() || point_it->timestamp_ms != newest_ms) continue;
    if (!point_it->shares) continue;
    std::optional<ObjectValues> sealed_share;
    const ObjectValues* share = nullptr;
    if (point_it->shares->sealed()) {
      // A node silent for longer than the replay window but still live under a long staleness.
      const auto& ids = point_it->shares->sealed_nodes;
      const std::string& name = node;  // a structured binding is not capturable before C++20 P1091 (clang)
      if (std::none_of(ids.begin(), ids.end(), [&](uint32_t id) { return node_names_[id] == name; })) continue;
      sealed_share = shareFromPodsLocked(key, newest_ms, node);
      if (!sealed_share) continue;
      share = &*sealed_share;
    } else {
      const auto& contributions = point_it->shares->contributions;
      auto it = std::lower_bound(contributions.begin(), contributions.end(), node,
                                 [](const Contribution& c, const std::string& n) { return c.node < n; });
      if (it == contributions.end() || it->node != node) continue;
      share = &it->values;
    }
    if (!out) out = ObjectSample{key, {}, {}, {}, newest_ms, point_it->interval_ms, {}};
    addValues(out->values, *share);
    if (newest_ms > out->timestamp_ms) {
      out->timestamp_ms = newest_ms;
      out->interval_ms = point_it->interval_ms;
    }
  }
  return out;
}

std::vector<ObjectSample> MemoryStorage::latest(ObjectKind kind, const LatestFilter& filter) const {
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  std::vector<ObjectSample> out;
  std::shared_lock lock(mutex_);
  const NodeTimes live = liveNodesLocked(now_ms, filter.stale_after_ms);
  if (kind == ObjectKind::kNode) {
    for (const auto& [name, newest_ms] : live) {
      if (!filter.node.empty() && filter.node != name) continue;
      const StoredSample& sample = nodes_.find(name)->second.rbegin()->second;
      out.push_back(ObjectSample{ObjectKey{ObjectKind::kNode, "", name},
                                 name,
                                 {},
                                 {},
                                 newest_ms,
                                 sample.interval_ms,
                                 nodeValues(sample.usage, sample.pod_count)});
    }
    return out;
  }
  // Namespaced kinds start at the namespace's range when one is asked for.
  const bool by_namespace = !filter.namespace_name.empty() && kind != ObjectKind::kNamespace;
  auto it = objects_.lower_bound(ObjectKey{kind, by_namespace ? filter.namespace_name : "", ""});
  for (; it != objects_.end() && it->first.kind == kind; ++it) {
    const ObjectKey& key = it->first;
    if (by_namespace && key.namespace_name != filter.namespace_name) break;
    if (kind == ObjectKind::kNamespace && !filter.namespace_name.empty() && key.name != filter.namespace_name) continue;
    if (hasPodLabels(kind)) {
      if (!podLiveLocked(it->second, live)) continue;
      const ObjectPoint& point = it->second.points.back();
      const PodLabels& labels = it->second.labels[point.labels];
      if (!filter.node.empty() && labels.node != filter.node) continue;
      if (!filter.deployment.empty() && labels.deployment != filter.deployment) continue;
      out.push_back(toObjectSample(key, it->second, point));
    } else {
      if (kind == ObjectKind::kDeployment && !filter.deployment.empty() && key.name != filter.deployment) continue;
      if (auto sum = liveAggregateLocked(key, it->second, live)) out.push_back(std::move(*sum));
    }
  }
  return out;
}

std::optional<ObjectSample> MemoryStorage::latestObject(const ObjectKey& key, int64_t stale_after_ms) const {
  if (key.kind == ObjectKind::kNode) {
    auto node = latestNode(key.name);
    if (!node) return std::nullopt;
    return nodeObjectSample(key, *node);
  }
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const int64_t cutoff_ms = now_ms - retention_ms_;
  std::shared_lock lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end() || it->second.points.empty() || it->second.points.back().timestamp_ms < cutoff_ms) {
    return std::nullopt;
  }
  if (!hasPodLabels(key.kind)) {
    if (auto sum = liveAggregateLocked(key, it->second, liveNodesLocked(now_ms, stale_after_ms))) return sum;
  }
  return toObjectSample(key, it->second, it->second.points.back());
}

std::vector<ObjectSample> MemoryStorage::series(const ObjectKey& key, const SeriesQuery& query) const {
  std::vector<ObjectSample> out;
  if (key.kind == ObjectKind::kNode) {
    for (const NodeSample& point : nodeSeries(key.name, query)) out.push_back(nodeObjectSample(key, point));
    return out;
  }
  if (query.step_ms <= 0 || query.end_ms < query.start_ms) return out;
  const int64_t start_ms = std::max(query.start_ms, cutoffMs());
  std::shared_lock lock(mutex_);
  auto series_it = objects_.find(key);
  if (series_it == objects_.end()) return out;
  const auto& points = series_it->second.points;

  ObjectSeriesFolder folder(out);
  for (auto it = pointAtOrAfter(points, start_ms); it != points.end() && it->timestamp_ms <= query.end_ms; ++it) {
    folder.add(bucketStart(it->timestamp_ms, query.step_ms), toObjectSample(key, series_it->second, *it), it->values);
  }
  folder.finish();
  return out;
}

std::vector<NamespaceCandidate> MemoryStorage::findNamespaces(ObjectKind kind, std::string_view name,
                                                              int64_t stale_after_ms) const {
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const int64_t cutoff_ms = now_ms - retention_ms_;
  std::vector<NamespaceCandidate> out;
  if (kind != ObjectKind::kPod && kind != ObjectKind::kDeployment) return out;
  std::shared_lock lock(mutex_);
  const NodeTimes live = liveNodesLocked(now_ms, stale_after_ms);
  for (auto it = objects_.lower_bound(ObjectKey{kind, "", ""}); it != objects_.end() && it->first.kind == kind; ++it) {
    if (it->first.name != name || it->second.points.empty() || it->second.points.back().timestamp_ms < cutoff_ms)
      continue;
    const bool is_live = kind == ObjectKind::kPod ? podLiveLocked(it->second, live)
                                                  : liveAggregateLocked(it->first, it->second, live).has_value();
    out.push_back(NamespaceCandidate{it->first.namespace_name, is_live});
  }
  return out;
}

std::vector<ContainerSample> MemoryStorage::latestContainers(const ObjectKey& pod) const {
  std::shared_lock lock(mutex_);
  auto it = objects_.find(pod);
  if (it == objects_.end()) return {};
  return it->second.containers;
}

}  // namespace kubemonitor::tsdb
