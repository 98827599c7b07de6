#include "tsdb/clickhouse_storage.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <set>
#include <tuple>

#include "tsdb/clickhouse_sql.h"
#include "tsdb/memory_storage.h"
#include "tsdb/node_liveness.h"

namespace kubemonitor::tsdb {
namespace {

using internal::dayLiteral;
using internal::quote;
using internal::timeRange;

// A read failure of this thread's last storage call (Storage::takeReadFailure).
thread_local std::optional<Error> t_read_failure;

// "(node, ts_ms) IN ((…), …)" for these reports; "0" when there are none.
template <typename Rows>
std::string reportKeysIn(const Rows& rows, bool negate = false) {
  std::set<std::pair<std::string_view, int64_t>> keys;
  for (const auto& row : rows) keys.emplace(row.node, row.timestamp_ms);
  if (keys.empty()) return negate ? "1" : "0";
  std::string out = negate ? "(node, ts_ms) NOT IN (" : "(node, ts_ms) IN (";
  bool first = true;
  for (const auto& [node, ts] : keys) {
    if (!first) out += ", ";
    first = false;
    out += "(" + quote(node) + ", " + std::to_string(ts) + ")";
  }
  return out + ")";
}

// The pod rows a series or latest value of `key` is made of: kPod and kContainer (its pod),
// kNamespace, kDeployment. kNode has none.
std::string podsOf(const ObjectKey& key) {
  switch (key.kind) {
    case ObjectKind::kPod:
      return "namespace = " + quote(key.namespace_name) + " AND pod = " + quote(key.name);
    case ObjectKind::kContainer:
      return "namespace = " + quote(key.namespace_name) + " AND pod = " +
             quote(std::string_view(key.name).substr(0, key.name.find('/')));
    case ObjectKind::kNamespace:
      return "namespace = " + quote(key.name);
    case ObjectKind::kDeployment:
      return "namespace = " + quote(key.namespace_name) + " AND deployment = " + quote(key.name);
    case ObjectKind::kNode:
      break;
  }
  return "0";
}

// The pod rows of any of `keys` (pods, containers, namespaces, deployments): one IN list per kind.
template <typename Keys, typename KeyOf>
std::string podsOfAny(const Keys& keys, KeyOf&& key_of) {
  std::set<std::pair<std::string, std::string>> pods, deployments;
  std::set<std::string> namespaces;
  for (const auto& item : keys) {
    const ObjectKey& key = key_of(item);
    switch (key.kind) {
      case ObjectKind::kPod:
        pods.emplace(key.namespace_name, key.name);
        break;
      case ObjectKind::kContainer:
        pods.emplace(key.namespace_name, key.name.substr(0, key.name.find('/')));
        break;
      case ObjectKind::kNamespace:
        namespaces.insert(key.name);
        break;
      case ObjectKind::kDeployment:
        deployments.emplace(key.namespace_name, key.name);
        break;
      case ObjectKind::kNode:
        break;
    }
  }
  std::vector<std::string> terms;
  auto pairsIn = [&](const char* columns, const std::set<std::pair<std::string, std::string>>& set) {
    if (set.empty()) return;
    std::string list;
    for (const auto& [a, b] : set) list += (list.empty() ? "(" : ", (") + quote(a) + ", " + quote(b) + ")";
    terms.push_back(std::string(columns) + " IN (" + list + ")");
  };
  pairsIn("(namespace, pod)", pods);
  pairsIn("(namespace, deployment)", deployments);
  if (!namespaces.empty()) {
    std::string list;
    for (const std::string& ns : namespaces) list += (list.empty() ? "" : ", ") + quote(ns);
    terms.push_back("namespace IN (" + list + ")");
  }
  if (terms.empty()) return "0";
  std::string out = "(" + terms[0];
  for (size_t i = 1; i < terms.size(); ++i) out += " OR " + terms[i];
  return out + ")";
}

std::string containerOf(const ObjectKey& key) {
  const size_t slash = key.name.find('/');
  if (slash == std::string::npos) return "0";
  return podsOf(key) + " AND container = " + quote(std::string_view(key.name).substr(slash + 1));
}

// The newest copy of each (node, ts_ms), sorted by (node, ts_ms).
std::vector<NodeRow> visibleNodeRows(std::vector<NodeRow> rows) {
  std::sort(rows.begin(), rows.end(), [](const NodeRow& a, const NodeRow& b) {
    return std::tie(a.node, a.timestamp_ms, b.version) < std::tie(b.node, b.timestamp_ms, a.version);
  });
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [](const NodeRow& a, const NodeRow& b) { return a.node == b.node && a.timestamp_ms == b.timestamp_ms; }),
             rows.end());
  return rows;
}

NodeSample toNodeSample(const NodeRow& row) {
  return NodeSample{row.node, row.timestamp_ms, row.interval_ms, row.usage, row.pod_count};
}

template <typename Rows>
void append(Rows& to, Rows&& from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

ClickHouseStorage::ClickHouseStorage(const Clock& clock, ClickHouseUrl url, std::chrono::seconds retention,
                                     std::chrono::milliseconds timeout)
    : clock_(clock), retention_(retention), client_(std::move(url), timeout) {}

Result<std::unique_ptr<ClickHouseStorage>> ClickHouseStorage::open(const Clock& clock, ClickHouseUrl url,
                                                                   std::chrono::seconds retention,
                                                                   std::chrono::milliseconds timeout) {
  std::unique_ptr<ClickHouseStorage> storage(new ClickHouseStorage(clock, std::move(url), retention, timeout));
  if (auto created = storage->createSchema(); !created) return created.error();
  if (auto dropped = storage->dropExpiredPartitions(); !dropped) return dropped.error();
  storage->maintenance_ = std::thread([raw = storage.get()] { raw->maintain(); });
  // Two writers: one batch is written while the next one fills.
  for (int i = 0; i < 2; ++i) storage->writers_.emplace_back([raw = storage.get()] { raw->writeBatches(); });
  return storage;
}

ClickHouseStorage::~ClickHouseStorage() {
  {
    std::lock_guard lock(queue_mutex_);
    closing_ = true;
  }
  queue_cv_.notify_all();
  for (std::thread& writer : writers_) writer.join();
  {
    std::lock_guard lock(maintenance_mutex_);
    stopping_ = true;
  }
  maintenance_cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
}

int64_t ClickHouseStorage::cutoffMs() const {
  return toUnixMs(clock_.wallNow()) - std::chrono::duration_cast<std::chrono::milliseconds>(retention_).count();
}

void ClickHouseStorage::recordFailure(const Error& error) const {
  if (!t_read_failure) t_read_failure = error;
}

std::optional<Error> ClickHouseStorage::takeReadFailure() const { return std::exchange(t_read_failure, std::nullopt); }

template <typename Row, typename Decode>
std::vector<Row> ClickHouseStorage::fetchRows(ClickHouseTable which, const std::string& where, Decode decode) const {
  auto body = client_.query("SELECT " + clickHouseColumnList(which) + " FROM " + table(which, false) + " WHERE " + where +
                            " FORMAT RowBinary");
  if (!body) return recordFailure(body.error()), std::vector<Row>{};
  auto rows = decode(*body);
  if (!rows) return recordFailure(rows.error()), std::vector<Row>{};
  return std::move(*rows);
}

std::vector<NodeRow> ClickHouseStorage::nodeRows(const std::string& where) const {
  return fetchRows<NodeRow>(ClickHouseTable::kNodes, where, decodeNodeRows);
}

std::vector<PodRow> ClickHouseStorage::podRows(const std::string& where) const {
  return fetchRows<PodRow>(ClickHouseTable::kPods, where, decodePodRows);
}

std::vector<ContainerRow> ClickHouseStorage::containerRows(const std::string& where) const {
  return fetchRows<ContainerRow>(ClickHouseTable::kContainers, where, decodeContainerRows);
}

std::vector<NodeRow> ClickHouseStorage::newestNodeRows(std::string_view node) const {
  const std::string nodes = table(ClickHouseTable::kNodes, false);
  const std::string which = node.empty() ? "" : " AND node = " + quote(node);
  const std::string recent = "ts_ms >= " + std::to_string(cutoffMs()) + " AND day >= " + dayLiteral(cutoffMs());
  return visibleNodeRows(nodeRows(recent + which + " AND (node, ts_ms) GLOBAL IN (SELECT node, max(ts_ms) FROM " +
                                  nodes + " WHERE " + recent + which + " GROUP BY node)"));
}

std::vector<NodeRow> ClickHouseStorage::nodeRowsOf(const std::vector<PodRow>& pods) const {
  if (pods.empty()) return {};
  std::set<std::string_view> nodes;
  int64_t lo_ms = pods.front().timestamp_ms;
  int64_t hi_ms = lo_ms;
  for (const PodRow& row : pods) {
    nodes.insert(row.node);
    lo_ms = std::min(lo_ms, row.timestamp_ms);
    hi_ms = std::max(hi_ms, row.timestamp_ms);
  }
  std::string in;
  for (std::string_view node : nodes) in += (in.empty() ? "" : ", ") + quote(node);
  return nodeRows("node IN (" + in + ") AND " + timeRange(lo_ms, hi_ms));
}

std::vector<PodRow> ClickHouseStorage::newestPodRows(const ObjectKey& key) const {
  const std::string recent = podsOf(key) + " AND " + timeRange(cutoffMs(), INT64_MAX);
  // The newest rows are nearly always visible; an earlier copy of a replay that dropped the pod
  // is not, hence a few candidates, then all of them.
  for (const char* limit : {" ORDER BY ts_ms DESC LIMIT 16", ""}) {
    std::vector<PodRow> candidates = podRows(recent + limit);
    if (candidates.empty()) return {};
    const std::vector<NodeRow> nodes = visibleNodeRows(nodeRowsOf(candidates));
    const PodRow* best = nullptr;
    for (const PodRow& row : candidates) {
      auto it = std::lower_bound(nodes.begin(), nodes.end(), row, [](const NodeRow& n, const PodRow& p) {
        return std::tie(n.node, n.timestamp_ms) < std::tie(p.node, p.timestamp_ms);
      });
      if (it == nodes.end() || it->node != row.node || it->timestamp_ms != row.timestamp_ms || it->version != row.version)
        continue;
      if (best == nullptr || row.timestamp_ms > best->timestamp_ms) best = &row;
    }
    if (best != nullptr) return {*best};
  }
  return {};
}

std::unique_ptr<MemoryStorage> ClickHouseStorage::engineOf(const std::vector<model::Report>& reports) const {
  auto engine = std::make_unique<MemoryStorage>(clock_, retention_);
  for (const model::Report& report : reports) (void)engine->ingest(report);
  return engine;
}

std::vector<NodeSample> ClickHouseStorage::latestNodes() const {
  std::vector<NodeSample> out;
  for (const NodeRow& row : newestNodeRows()) out.push_back(toNodeSample(row));
  return out;
}

std::optional<NodeSample> ClickHouseStorage::latestNode(std::string_view node) const {
  auto rows = newestNodeRows(node);
  if (rows.empty()) return std::nullopt;
  return toNodeSample(rows.front());
}

std::vector<NodeSample> ClickHouseStorage::nodeSeries(std::string_view node, const SeriesQuery& query) const {
  std::vector<NodeSample> out;
  if (query.step_ms <= 0 || query.end_ms < query.start_ms) return out;
  const std::vector<NodeRow> rows = visibleNodeRows(
      nodeRows("node = " + quote(node) + " AND " + timeRange(std::max(query.start_ms, cutoffMs()), query.end_ms)));
  NodeSeriesFolder folder(node, query.step_ms, out);
  for (const NodeRow& row : rows) folder.add(row.timestamp_ms, row.usage, row.interval_ms, row.pod_count);
  folder.finish();
  return out;
}

std::vector<ObjectSample> ClickHouseStorage::latest(ObjectKind kind, const LatestFilter& filter) const {
  std::vector<NodeRow> newest = newestNodeRows();
  if (kind == ObjectKind::kNode) {
    const int64_t now_ms = toUnixMs(clock_.wallNow());
    std::vector<ObjectSample> out;
    for (const NodeRow& row : newest) {
      if (!filter.node.empty() && row.node != filter.node) continue;
      if (!nodeIsLive(row.timestamp_ms, row.interval_ms, now_ms, cutoffMs(), filter.stale_after_ms)) continue;
      out.push_back(nodeObjectSample(ObjectKey{ObjectKind::kNode, "", row.node}, toNodeSample(row)));
    }
    return out;
  }
  // Narrowing in SQL what the engine would filter anyway: never more than it filters.
  std::string where = reportKeysIn(newest);
  if (!filter.namespace_name.empty()) where += " AND namespace = " + quote(filter.namespace_name);
  if (!filter.node.empty() && (kind == ObjectKind::kPod || kind == ObjectKind::kContainer))
    where += " AND node = " + quote(filter.node);
  if (!filter.deployment.empty() && (kind == ObjectKind::kPod || kind == ObjectKind::kDeployment))
    where += " AND deployment = " + quote(filter.deployment);
  std::vector<PodRow> pods = podRows(where);
  std::vector<ContainerRow> containers;
  if (kind == ObjectKind::kContainer) containers = containerRows(where);
  return engineOf(assembleReports(std::move(newest), std::move(pods), std::move(containers)))->latest(kind, filter);
}

std::optional<ObjectSample> ClickHouseStorage::latestObject(const ObjectKey& key, int64_t stale_after_ms) const {
  if (key.kind == ObjectKind::kNode) {
    auto node = latestNode(key.name);
    if (!node) return std::nullopt;
    return nodeObjectSample(key, *node);
  }
  std::vector<NodeRow> nodes;
  std::vector<PodRow> pods;
  std::vector<ContainerRow> containers;
  if (hasPodLabels(key.kind)) {
    pods = newestPodRows(key);
    if (pods.empty()) return std::nullopt;
    nodes = nodeRowsOf(pods);
    if (key.kind == ObjectKind::kContainer) containers = containerRows(containerOf(key) + " AND " + reportKeysIn(pods));
  } else {
    // The live sum takes each live node's newest report; a silent aggregate answers its last point,
    // the sum over the reports at its newest timestamp.
    nodes = newestNodeRows();
    pods = podRows(podsOf(key) + " AND " + reportKeysIn(nodes));
    const std::string recent = podsOf(key) + " AND " + timeRange(cutoffMs(), INT64_MAX);
    auto newest = client_.query("SELECT max(ts_ms) FROM " + table(ClickHouseTable::kPods, false) + " WHERE " + recent +
                                " FORMAT TSV");
    if (!newest) return recordFailure(newest.error()), std::nullopt;
    const int64_t newest_ms = std::atoll(newest->c_str());
    std::vector<PodRow> last = podRows(recent + " AND ts_ms = " + std::to_string(newest_ms) + " AND " +
                                       reportKeysIn(nodes, /*negate=*/true));
    append(nodes, nodeRowsOf(last));
    append(pods, std::move(last));
  }
  return engineOf(assembleReports(std::move(nodes), std::move(pods), std::move(containers)))
      ->latestObject(key, stale_after_ms);
}

std::vector<ObjectSample> ClickHouseStorage::series(const ObjectKey& key, const SeriesQuery& query) const {
  if (key.kind == ObjectKind::kNode) {
    std::vector<ObjectSample> out;
    for (const NodeSample& point : nodeSeries(key.name, query)) out.push_back(nodeObjectSample(key, point));
    return out;
  }
  if (query.step_ms <= 0 || query.end_ms < query.start_ms) return {};
  const std::string range = timeRange(std::max(query.start_ms, cutoffMs()), query.end_ms);
  std::vector<PodRow> pods = podRows(podsOf(key) + " AND " + range);
  std::vector<ContainerRow> containers;
  if (key.kind == ObjectKind::kContainer) containers = containerRows(containerOf(key) + " AND " + range);
  std::vector<NodeRow> nodes = nodeRowsOf(pods);
  return engineOf(assembleReports(std::move(nodes), std::move(pods), std::move(containers)))->series(key, query);
}

std::vector<NamespaceCandidate> ClickHouseStorage::findNamespaces(ObjectKind kind, std::string_view name,
                                                                  int64_t stale_after_ms) const {
  if (kind != ObjectKind::kPod && kind != ObjectKind::kDeployment) return {};
  const std::string named = (kind == ObjectKind::kPod ? "pod = " : "deployment = ") + quote(name);
  const std::string recent = named + " AND " + timeRange(cutoffMs(), INT64_MAX);
  // Per namespace, the reports at the object's newest timestamp there (it exists), and every node's
  // newest report (whether it is live).
  std::vector<NodeRow> nodes = newestNodeRows();
  std::vector<PodRow> pods = podRows(named + " AND " + reportKeysIn(nodes));
  std::vector<PodRow> last = podRows(recent + " AND (namespace, ts_ms) GLOBAL IN (SELECT namespace, max(ts_ms) FROM " +
                                     table(ClickHouseTable::kPods, false) + " WHERE " + recent +
                                     " GROUP BY namespace) AND " + reportKeysIn(nodes, /*negate=*/true));
  append(nodes, nodeRowsOf(last));
  append(pods, std::move(last));
  return engineOf(assembleReports(std::move(nodes), std::move(pods), {}))->findNamespaces(kind, name, stale_after_ms);
}

std::vector<ContainerSample> ClickHouseStorage::latestContainers(const ObjectKey& pod) const {
  std::vector<PodRow> pods = newestPodRows(pod);
  if (pods.empty()) return {};
  std::vector<ContainerRow> containers = containerRows(podsOf(pod) + " AND " + reportKeysIn(pods));
  std::vector<NodeRow> nodes = nodeRowsOf(pods);
  return engineOf(assembleReports(std::move(nodes), std::move(pods), std::move(containers)))->latestContainers(pod);
}

std::vector<std::vector<ObjectSample>> ClickHouseStorage::seriesOf(std::span<const ObjectSeriesQuery> queries) const {
  // One read of every pod row (and container row) the questions need, over the union of their
  // ranges; each question is then answered from the same rebuilt reports.
  std::vector<std::vector<ObjectSample>> out(queries.size());
  std::vector<const ObjectSeriesQuery*> objects;
  int64_t lo_ms = INT64_MAX;
  int64_t hi_ms = INT64_MIN;
  bool containers_asked = false;
  for (size_t i = 0; i < queries.size(); ++i) {
    const ObjectSeriesQuery& q = queries[i];
    if (q.key.kind == ObjectKind::kNode) {
      out[i] = series(q.key, q.query);
      continue;
    }
    if (q.query.step_ms <= 0 || q.query.end_ms < q.query.start_ms) continue;
    objects.push_back(&q);
    lo_ms = std::min(lo_ms, q.query.start_ms);
    hi_ms = std::max(hi_ms, q.query.end_ms);
    containers_asked = containers_asked || q.key.kind == ObjectKind::kContainer;
  }
  if (objects.empty()) return out;
  const std::string range = timeRange(std::max(lo_ms, cutoffMs()), hi_ms);
  const auto keyOf = [](const ObjectSeriesQuery* q) -> const ObjectKey& { return q->key; };
  std::vector<PodRow> pods = podRows(podsOfAny(objects, keyOf) + " AND " + range);
  std::vector<ContainerRow> containers;
  if (containers_asked) containers = containerRows(podsOfAny(objects, keyOf) + " AND " + range);
  std::vector<NodeRow> nodes = nodeRowsOf(pods);
  const auto engine = engineOf(assembleReports(std::move(nodes), std::move(pods), std::move(containers)));
  for (size_t i = 0; i < queries.size(); ++i) {
    if (queries[i].key.kind != ObjectKind::kNode) out[i] = engine->series(queries[i].key, queries[i].query);
  }
  return out;
}

std::vector<std::vector<ContainerSample>> ClickHouseStorage::latestContainersOf(std::span<const ObjectKey> pods) const {
  std::vector<std::vector<ContainerSample>> out(pods.size());
  if (pods.empty()) return out;
  // Each pod's newest rows (nearly always its visible copy), their containers and node rows in
  // three reads; a pod whose newest row turns out to be an earlier copy is asked alone.
  const auto keyOf = [](const ObjectKey& key) -> const ObjectKey& { return key; };
  const std::string which = podsOfAny(pods, keyOf);
  const std::string recent = which + " AND " + timeRange(cutoffMs(), INT64_MAX);
  std::vector<PodRow> newest = podRows(recent + " AND (namespace, pod, ts_ms) GLOBAL IN (SELECT namespace, pod, max(ts_ms) FROM " +
                                       table(ClickHouseTable::kPods, false) + " WHERE " + recent +
                                       " GROUP BY namespace, pod)");
  std::vector<ContainerRow> containers = containerRows(which + " AND " + reportKeysIn(newest));
  std::vector<NodeRow> nodes = nodeRowsOf(newest);
  const auto engine = engineOf(assembleReports(std::move(nodes), std::move(newest), std::move(containers)));
  for (size_t i = 0; i < pods.size(); ++i) {
    // Absent from the rebuilt reports: its newest row was an earlier copy of a replayed report.
    out[i] = engine->latestObject(pods[i], 0) ? engine->latestContainers(pods[i]) : latestContainers(pods[i]);
  }
  return out;
}

StorageStats ClickHouseStorage::stats() const {
  // /health asks at every probe: read only the last hour (its partition or two), not the retention.
  StorageStats out;
  out.engine = "clickhouse";
  const int64_t hour_ago_ms = toUnixMs(clock_.wallNow()) - 3'600'000;
  const std::string recent = timeRange(std::max(hour_ago_ms, cutoffMs()), INT64_MAX);
  auto counts = client_.query("SELECT uniqExact(node), count() FROM " + table(ClickHouseTable::kNodes, false) +
                              " WHERE " + recent + " FORMAT TSV");
  auto objects = client_.query("SELECT uniqExact(namespace, pod) + uniqExact(namespace) + uniqExact(namespace, deployment) FROM " +
                               table(ClickHouseTable::kPods, false) + " WHERE " + recent + " FORMAT TSV");
  if (!counts) return recordFailure(counts.error()), out;
  if (!objects) return recordFailure(objects.error()), out;
  std::sscanf(counts->c_str(), "%zu\t%zu", &out.nodes, &out.samples);
  out.objects = static_cast<size_t>(std::atoll(objects->c_str()));
  return out;
}

}  // namespace kubemonitor::tsdb
