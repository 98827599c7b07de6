// The read routes of DESIGN §3 under /api/{nodes|pods|namespaces|deployments}: latest values,
// single-object series, fleet windows (a list with each item's points), containers. Router
// members; router.cpp holds the dispatch, health and ingest.

#include <string>

#include "common/json_writer.h"
#include "server/node_json.h"
#include "server/object_json.h"
#include "server/query_params.h"
#include "server/router.h"

namespace kubemonitor::server {
namespace {

using tsdb::ObjectKind;

// The object routes' two parameter sets: a namespaced collection or object, and the others.
constexpr RouteParameters kSeriesOnly{false, true};
constexpr RouteParameters kNamespaced{true, true};
// /api/{kind}/{name}/latest: the latest values of an object whatever its name (a node called
// "timeseries" is reached as /api/nodes/timeseries/latest, /api/nodes/timeseries being the
// collection's series).
constexpr std::string_view kLatestSegment = "latest";
constexpr std::string_view kTimeseriesSegment = "timeseries";

HttpResponse notFoundNode(const std::string& name) {
  return errorResponse(404, "not_found", "node \"" + name + "\" has not reported");
}

// "pod \"shop/web-1\"", "namespace \"shop\"", "container \"shop/web-1/app\"".
std::string describe(const tsdb::ObjectKey& key) {
  std::string text(tsdb::objectKindName(key.kind));
  text += " \"";
  if (!key.namespace_name.empty()) text += key.namespace_name + "/";
  return text + key.name + "\"";
}

HttpResponse notFound(const tsdb::ObjectKey& key) {
  return errorResponse(404, "not_found", describe(key) + " has not reported");
}

const std::string* queryValue(const RequestTarget& target, std::string_view key) {
  auto it = target.query.find(key);
  return it == target.query.end() ? nullptr : &it->second;
}

}  // namespace

int64_t Router::staleAfterMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.stale_after).count();
}

Result<Router::SeriesRequest> Router::seriesRequest(const RequestTarget& target, int64_t interval_ms,
                                                    std::span<const std::string_view> field_names,
                                                    int64_t now_ms) const {
  auto max_points = parseMaxDataPoints(target, options_.max_data_points);
  if (!max_points) return max_points.error();
  SeriesDefaults defaults;
  defaults.now_ms = now_ms;
  defaults.window_seconds = options_.default_window_seconds;
  defaults.max_data_points = *max_points;
  if (interval_ms > 0) defaults.step_ms = interval_ms;  // the reporting interval is the finest step
  auto range = parseSeriesRange(target.query, defaults);
  if (!range) return range.error();
  auto fields = parseFieldSelection(target, field_names);
  if (!fields) return fields.error();
  return SeriesRequest{*range, std::move(*fields)};
}

HttpResponse Router::nodeList(const RequestTarget& target, bool series) const {
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const int64_t grace_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.node_grace).count();
  const auto field_names = nodePointFieldNames();
  // Checked before the list is read: a bad parameter is 400 however many nodes there are.
  if (series) {
    if (auto checked = seriesRequest(target, 0, field_names, now_ms); !checked) return badParameter(checked.error());
  }
  HttpResponse response;
  JsonWriter writer(response.body);
  writer.beginObject().key("items").beginArray();
  for (const auto& sample : storage_.latestNodes()) {
    if (grace_ms > 0 && sample.timestamp_ms < now_ms - grace_ms) continue;
    if (!series) {
      writeNodeObject(writer, sample);
      continue;
    }
    // The same range and points as /api/nodes/{node}?window= for this node.
    const auto request = seriesRequest(target, sample.interval_ms, field_names, now_ms);
    const SeriesRange& range = request->range;
    writeNodeSeries(writer, sample, range,
                    storage_.nodeSeries(sample.node, tsdb::SeriesQuery{range.start_ms, range.end_ms, range.step_ms}),
                    request->fields);
  }
  writer.endArray().endObject();
  return response;
}

HttpResponse Router::node(const std::string& name, const RequestTarget& target, bool series) const {
  const auto latest = storage_.latestNode(name);
  // Parameters are checked before the node's existence: a bad window is 400 for any name.
  std::optional<SeriesRequest> request;
  if (series) {
    auto parsed = seriesRequest(target, latest ? latest->interval_ms : 0, nodePointFieldNames(), toUnixMs(clock_.wallNow()));
    if (!parsed) return badParameter(parsed.error());
    request = std::move(*parsed);
  }
  if (!latest) return notFoundNode(name);
  HttpResponse response;
  JsonWriter writer(response.body);
  if (!series) {
    writeNodeObject(writer, *latest);
    return response;
  }
  const SeriesRange& range = request->range;
  const auto points = storage_.nodeSeries(name, tsdb::SeriesQuery{range.start_ms, range.end_ms, range.step_ms});
  writeNodeSeries(writer, *latest, range, points, request->fields);
  return response;
}

std::optional<HttpResponse> Router::objectRoute(const RequestTarget& target) const {
  const auto& s = target.segments;  // s[0] == "api"
  const std::string& collection = s[1];
  const bool series = wantsSeries(target.query);
  const std::string* ns_param = queryValue(target, "namespace");
  if (ns_param != nullptr && ns_param->empty()) return errorResponse(400, "bad_request", "namespace: empty");
  const bool namespaced = collection == "pods" || collection == "deployments" || (collection == "nodes" && s.size() == 4 && s[3] == "pods");
  if (auto unknown = checkQueryParameters(target, namespaced ? kNamespaced : kSeriesOnly); !unknown) {
    return badParameter(unknown.error());
  }
  // /api/{kind}/{name}/latest takes no series parameters: it is the latest values by definition.
  const bool latest_route = s.size() == 4 && s[3] == kLatestSegment;
  if (latest_route && series) {
    return errorResponse(400, "bad_request", "window: …/latest answers the latest values; drop /latest for a series");
  }
  const bool collection_series = s.size() == 3 && s[2] == kTimeseriesSegment;  // the seeds' form

  if (collection == "nodes") {
    if (s.size() == 2 || collection_series) return nodeList(target, series || collection_series);
    if (s.size() == 3 || latest_route) return node(s[2], target, series);
    if (s.size() == 4 && s[3] == kTimeseriesSegment) return node(s[2], target, true);
    if (s.size() == 4 && s[3] == "pods") {
      if (!storage_.latestNode(s[2])) return notFoundNode(s[2]);
      const std::string ns = ns_param != nullptr ? *ns_param : "";
      return objectList(ObjectKind::kPod, tsdb::LatestFilter{ns, s[2], "", staleAfterMs()}, target, series);
    }
    return std::nullopt;
  }
  if (collection == "pods" || collection == "deployments") return podRoute(target, series);
  return namespaceRoute(target, series);
}

std::optional<HttpResponse> Router::podRoute(const RequestTarget& target, bool series) const {
  const auto& s = target.segments;  // /api/{pods|deployments}/...
  const ObjectKind kind = s[1] == "pods" ? ObjectKind::kPod : ObjectKind::kDeployment;
  const std::string* ns_param = queryValue(target, "namespace");
  const std::string ns_filter = ns_param != nullptr ? *ns_param : "";
  if (s.size() == 2 || (s.size() == 3 && s[2] == kTimeseriesSegment)) {
    return objectList(kind, tsdb::LatestFilter{ns_filter, "", "", staleAfterMs()}, target, series || s.size() == 3);
  }
  const bool container_route = kind == ObjectKind::kPod && s.size() >= 4 && s.size() <= 5 && s[3] == "containers";
  const bool object_route =
      s.size() == 3 || (s.size() == 4 && (s[3] == kTimeseriesSegment || s[3] == kLatestSegment)) || container_route;
  if (!object_route) return std::nullopt;
  const bool wants_series = series || (s.size() == 4 && s[3] == kTimeseriesSegment);
  // As everywhere: a bad window is 400 before the name is looked at (and found ambiguous).
  if (wants_series) {
    const auto names = objectPointFieldNames(container_route ? ObjectKind::kContainer : kind);
    if (auto parsed = seriesRequest(target, 0, names, toUnixMs(clock_.wallNow())); !parsed)
      return badParameter(parsed.error());
  }
  auto resolved = resolveNamespace(kind, s[2], target);
  if (auto* error = std::get_if<HttpResponse>(&resolved)) return std::move(*error);
  const auto& key = std::get<tsdb::ObjectKey>(resolved);
  if (!container_route) return object(key, target, wants_series);
  if (s.size() == 4) return containerList(key, target, wants_series);
  return object(tsdb::ObjectKey{ObjectKind::kContainer, key.namespace_name, tsdb::containerSeriesName(key.name, s[4])},
                target, wants_series);
}

std::optional<HttpResponse> Router::namespaceRoute(const RequestTarget& target, bool series) const {
  const auto& s = target.segments;  // /api/namespaces/...
  if (s.size() == 2 || (s.size() == 3 && s[2] == kTimeseriesSegment)) {
    return objectList(ObjectKind::kNamespace, tsdb::LatestFilter{"", "", "", staleAfterMs()}, target,
                      series || s.size() == 3);
  }
  const std::string& ns = s[2];
  const tsdb::ObjectKey ns_key{ObjectKind::kNamespace, "", ns};
  if (s.size() == 3 || (s.size() == 4 && s[3] == kLatestSegment)) return object(ns_key, target, series);
  if (s.size() == 4 && s[3] == kTimeseriesSegment) return object(ns_key, target, true);
  // The lists below hang under the namespace: an unknown one is 404, a quiet one an empty list.
  auto require = [&](const tsdb::ObjectKey& key) -> std::optional<HttpResponse> {
    if (storage_.latestObject(key, staleAfterMs())) return std::nullopt;
    return notFound(key);
  };
  if (s.size() == 4 && s[3] == "pods") {
    if (auto missing = require(ns_key)) return missing;
    return objectList(ObjectKind::kPod, tsdb::LatestFilter{ns, "", "", staleAfterMs()}, target, series);
  }
  if (s.size() == 4 && s[3] == "deployments") {
    if (auto missing = require(ns_key)) return missing;
    return objectList(ObjectKind::kDeployment, tsdb::LatestFilter{ns, "", "", staleAfterMs()}, target, series);
  }
  if (s.size() >= 5 && s.size() <= 6 && s[3] == "deployments") {
    const tsdb::ObjectKey key{ObjectKind::kDeployment, ns, s[4]};
    if (s.size() == 5) return object(key, target, series);
    if (s[5] == kTimeseriesSegment) return object(key, target, true);
    if (s[5] == kLatestSegment) return object(key, target, series);
    if (s[5] == "pods") {
      if (auto missing = require(key)) return missing;
      return objectList(ObjectKind::kPod, tsdb::LatestFilter{ns, "", s[4], staleAfterMs()}, target, series);
    }
  }
  return std::nullopt;
}

tsdb::SeriesQuery Router::SeriesRequest::query() const {
  tsdb::SeriesQuery query{range.start_ms, range.end_ms, range.step_ms};
  if (!fields.all()) query.pod_columns = tsdb::podColumnsFor(fields.names());
  return query;
}

HttpResponse Router::itemList(const std::vector<tsdb::ObjectSample>& items, ObjectKind kind,
                              const RequestTarget& target, bool series) const {
  HttpResponse response;
  JsonWriter writer(response.body);
  if (!series) {
    writeObjectList(writer, items);
    return response;
  }
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const auto field_names = objectPointFieldNames(kind);
  // Checked before the items: a bad parameter is 400 even for an empty list.
  if (auto checked = seriesRequest(target, 0, field_names, now_ms); !checked) return badParameter(checked.error());
  // Exactly what each item's own ?window= route answers: its interval sets the finest step.
  std::vector<SeriesRequest> requests;
  std::vector<tsdb::ObjectSeriesQuery> queries;
  requests.reserve(items.size());
  queries.reserve(items.size());
  for (const auto& item : items) {
    requests.push_back(*seriesRequest(target, item.interval_ms, field_names, now_ms));
    queries.push_back(tsdb::ObjectSeriesQuery{item.key, requests.back().query()});
  }
  const auto series_of = storage_.seriesOf(queries);
  writer.beginObject().key("items").beginArray();
  for (size_t i = 0; i < items.size(); ++i) {
    writeObjectSeries(writer, items[i], requests[i].range, series_of[i], requests[i].fields);
  }
  writer.endArray().endObject();
  return response;
}

HttpResponse Router::objectList(ObjectKind kind, const tsdb::LatestFilter& filter, const RequestTarget& target,
                                bool series) const {
  return itemList(storage_.latest(kind, filter), kind, target, series);
}

HttpResponse Router::containerList(const tsdb::ObjectKey& pod, const RequestTarget& target, bool series) const {
  if (!storage_.latestObject(pod, staleAfterMs())) return notFound(pod);
  std::vector<tsdb::ObjectSample> items;
  for (const auto& container : storage_.latestContainers(pod)) {
    // Each container's own newest point: its labels and timestamp (the pod's newest report's).
    auto sample = storage_.latestObject(
        tsdb::ObjectKey{ObjectKind::kContainer, pod.namespace_name, tsdb::containerSeriesName(pod.name, container.name)},
        staleAfterMs());
    if (sample) items.push_back(std::move(*sample));
  }
  return itemList(items, ObjectKind::kContainer, target, series);
}

std::variant<tsdb::ObjectKey, HttpResponse> Router::resolveNamespace(ObjectKind kind, const std::string& name,
                                                                     const RequestTarget& target) const {
  if (const std::string* ns = queryValue(target, "namespace")) return tsdb::ObjectKey{kind, *ns, name};
  auto candidates = storage_.findNamespaces(kind, name, staleAfterMs());
  if (candidates.empty()) return notFound(tsdb::ObjectKey{kind, "", name});
  // The live objects decide when there are any: a pod deleted from one namespace last week does
  // not make today's pod of the same name ambiguous.
  std::vector<tsdb::NamespaceCandidate> live;
  for (const auto& c : candidates) {
    if (c.live) live.push_back(c);
  }
  const auto& pool = live.empty() ? candidates : live;
  if (pool.size() == 1) return tsdb::ObjectKey{kind, pool[0].namespace_name, name};
  HttpResponse response;
  response.status = 409;
  JsonWriter writer(response.body);
  writer.beginObject().field("error", "conflict");
  writer.field("message", std::string(tsdb::objectKindName(kind)) + " \"" + name + "\" exists in " +
                              std::to_string(pool.size()) + " namespaces: add ?namespace=");
  writer.key("candidates").beginArray();
  for (const auto& c : pool) writer.beginObject().field("namespace", c.namespace_name).field("name", name).endObject();
  writer.endArray().endObject();
  return response;
}

HttpResponse Router::object(const tsdb::ObjectKey& key, const RequestTarget& target, bool series) const {
  const auto latest = storage_.latestObject(key, staleAfterMs());
  // Parameters are checked before the object's existence: a bad window is 400 for any name.
  std::optional<SeriesRequest> request;
  if (series) {
    auto parsed = seriesRequest(target, latest ? latest->interval_ms : 0, objectPointFieldNames(key.kind),
                                toUnixMs(clock_.wallNow()));
    if (!parsed) return badParameter(parsed.error());
    request = std::move(*parsed);
  }
  if (!latest) return notFound(key);
  HttpResponse response;
  JsonWriter writer(response.body);
  if (!series) {
    writeObject(writer, *latest);
    return response;
  }
  const SeriesRange& range = request->range;
  writeObjectSeries(writer, *latest, range, storage_.series(key, request->query()), request->fields);
  return response;
}

}  // namespace kubemonitor::server
