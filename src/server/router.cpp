#include "server/router.h"

#include <algorithm>
#include <cctype>
#include <future>

#include "common/compression.h"
#include "common/cpu_count.h"
#include "common/json_writer.h"
#include "model/report_json.h"
#include "server/api_docs.h"
#include "server/node_json.h"
#include "server/object_json.h"
#include "server/series_params.h"

namespace kubemonitor::server {
namespace {

constexpr std::string_view kGetAllow = "GET, HEAD";

bool containsCaseInsensitive(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != haystack.end();
}

// Compares in time independent of where the strings differ, so that response timing does not
// reveal how much of a guessed token was right. (The length is not secret enough to hide.)
bool constantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

HttpResponse methodNotAllowed(std::string_view method, std::string_view allow) {
  HttpResponse response = errorResponse(405, "method_not_allowed",
                                        "method " + std::string(method) + " is not allowed here (allowed: " +
                                            std::string(allow) + ")");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

HttpResponse unauthorized() {
  HttpResponse response = errorResponse(401, "unauthorized", "missing or wrong Bearer token");
  response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"kubemonitor\"");
  return response;
}

// A write the storage could not make durable: the agent keeps the report and retries. A full disk
// is 507 (the operator must free space; the engine recovers by itself once there is some); a
// read-only or failing data dir is 503; anything else is our bug.
HttpResponse storageErrorResponse(const Error& error) {
  const std::string message = "storage: " + error.toString();
  if (error.code == ErrorCode::kIo && containsCaseInsensitive(error.message, "no space left")) {
    return errorResponse(507, "insufficient_storage", message);
  }
  if (error.code == ErrorCode::kIo || error.code == ErrorCode::kPermission || error.code == ErrorCode::kUnavailable) {
    return errorResponse(503, "storage_unavailable", message);
  }
  return errorResponse(500, "internal", message);
}

HttpResponse notFoundNode(const std::string& name) {
  return errorResponse(404, "not_found", "node \"" + name + "\" has not reported");
}

// "pod \"shop/web-1\"", "namespace \"shop\"".
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

using tsdb::ObjectKind;

}  // namespace

Router::Router(tsdb::Storage& storage, const Clock& clock, ServerOptions options)
    : storage_(storage),
      clock_(clock),
      options_(std::move(options)),
      started_(clock.monotonicNow()),
      kube_api_(storage, clock, std::chrono::duration_cast<std::chrono::milliseconds>(options_.node_grace).count(),
                std::chrono::duration_cast<std::chrono::milliseconds>(options_.stale_after).count()),
      pipeline_(std::make_unique<IngestPipeline>(options_.ingest_workers > 0 ? options_.ingest_workers : usableCpuCount(),
                                                 options_.ingest_queue, options_.ingest_max_wait, clock)) {}

Router::~Router() = default;

HttpResponse Router::handle(const HttpRequest& request) const {
  std::promise<HttpResponse> answered;
  auto answer = answered.get_future();
  handleAsync(request, [&answered](HttpResponse response) { answered.set_value(std::move(response)); });
  return answer.get();
}

void Router::handleAsync(HttpRequest request, Reply reply) const {
  auto target = parseRequestTarget(request.target);
  if (!target) return reply(errorResponse(400, "bad_request", target.error().toString()));
  const auto& s = target->segments;
  if (request.method == "POST" && s.size() == 2 && s[0] == "api" && s[1] == "ingest") {
    return ingestAsync(std::move(request), std::move(reply));
  }
  reply(route(request, *target));
}

HttpResponse Router::route(const HttpRequest& request, const RequestTarget& target) const {
  const auto& s = target.segments;
  const bool get = request.method == "GET";

  if (s.empty() || (s.size() == 1 && s[0] == "health")) {
    if (!get) return methodNotAllowed(request.method, kGetAllow);
    if (s.empty() && containsCaseInsensitive(request.accept, "text/html")) {
      HttpResponse page;
      page.content_type = "text/html; charset=utf-8";
      page.body = std::string(statusPageHtml());
      return page;
    }
    return health();
  }
  // With a query token, everything but health and ingest (which has its own token) needs it.
  const bool ingest_route = s.size() == 2 && s[0] == "api" && s[1] == "ingest";
  if (!ingest_route && !authorized(request.authorization, options_.query_token)) return unauthorized();
  if (auto docs = serveApiDocs(s)) {
    if (!get) return methodNotAllowed(request.method, kGetAllow);
    return std::move(*docs);
  }
  if (KubeApiView::handles(s)) {
    if (!get) return methodNotAllowed(request.method, kGetAllow);
    return kube_api_.handle(s);
  }
  if (s[0] == "api" && s.size() >= 2) {
    if (s[1] == "ingest" && s.size() == 2) return methodNotAllowed(request.method, "POST");  // POST went to ingestAsync
    if (s[1] == "nodes" || s[1] == "pods" || s[1] == "namespaces" || s[1] == "deployments") {
      if (!get) return methodNotAllowed(request.method, kGetAllow);
      if (auto response = objectRoute(target)) return std::move(*response);
    }
  }
  return errorResponse(404, "not_found", "no route for " + request.method + " " + request.target);
}

HttpResponse Router::health() const {
  const tsdb::StorageStats stats = storage_.stats();
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(clock_.monotonicNow() - started_);
  HttpResponse response;
  JsonWriter writer(response.body);
  writer.beginObject().field("status", "ok").field("version", kServerVersion);
  writer.key("storage").beginObject();
  writer.field("engine", stats.engine)
      .field("nodes", static_cast<uint64_t>(stats.nodes))
      .field("samples", static_cast<uint64_t>(stats.samples));
  writer.endObject();
  const IngestPipelineStats ingest = pipeline_->stats();
  writer.key("ingest").beginObject();
  writer.field("queue_depth", static_cast<uint64_t>(ingest.in_flight))
      .field("queue_capacity", static_cast<uint64_t>(ingest.capacity))
      .field("waiting_for_worker", static_cast<uint64_t>(ingest.queued))
      .field("oldest_unacknowledged_ms", ingest.oldest_unacknowledged_ms)
      .field("workers", static_cast<uint64_t>(ingest.workers))
      .field("admitted_total", ingest.admitted_total)
      .field("refused_total", ingest.refused_total);
  writer.endObject();
  writer.field("uptime_seconds", static_cast<int64_t>(uptime.count()));
  writer.endObject();
  return response;
}

bool Router::authorized(std::string_view authorization, const std::string& token) const {
  if (token.empty()) return true;
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || !containsCaseInsensitive(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return false;
  }
  std::string_view presented = authorization.substr(kScheme.size());
  while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
  while (!presented.empty() && (presented.back() == ' ' || presented.back() == '\t')) presented.remove_suffix(1);
  return constantTimeEquals(presented, token);
}

std::optional<HttpResponse> Router::ingestRefusal(const HttpRequest& request) const {
  if (!authorized(request.authorization, options_.ingest_token)) return unauthorized();
  if (!parseContentEncoding(request.content_encoding)) {
    return errorResponse(415, "unsupported_media_type",
                         "Content-Encoding \"" + request.content_encoding + "\" is not supported (zstd, gzip or identity)");
  }
  if (request.body.size() > options_.max_body_bytes) {
    return errorResponse(413, "payload_too_large",
                         "body exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
  }
  return std::nullopt;
}

std::variant<model::Report, HttpResponse> Router::decodeIngestBody(const HttpRequest& request) const {
  const ContentEncoding encoding = *parseContentEncoding(request.content_encoding);  // checked by ingestRefusal
  std::string decompressed;
  std::string_view json = request.body;
  if (encoding != ContentEncoding::kIdentity) {
    auto decoded = decompress(encoding, request.body, options_.max_body_bytes);
    if (!decoded) {
      if (decoded.error().code == ErrorCode::kTooLarge) {
        return errorResponse(413, "payload_too_large",
                             "decompressed body exceeds " + std::to_string(options_.max_body_bytes) + " bytes");
      }
      return errorResponse(400, "bad_request", "body: " + decoded.error().toString());
    }
    decompressed = std::move(*decoded);
    json = decompressed;
  }
  auto report = model::decodeReport(json);
  if (!report) return errorResponse(400, "bad_request", report.error().toString());
  return std::move(*report);
}

void Router::ingestAsync(HttpRequest request, Reply reply) const {
  if (auto refusal = ingestRefusal(request)) return reply(std::move(*refusal));
  const auto ticket = pipeline_->admit();
  if (!ticket) {
    // Full: the agent keeps the report and comes back (with jitter) after Retry-After.
    const int retry_after = pipeline_->retryAfterSeconds();
    const IngestPipelineStats now = pipeline_->stats();
    HttpResponse busy = errorResponse(503, "overloaded",
                                      "ingest is over capacity (" + std::to_string(now.in_flight) +
                                          " reports in flight, the oldest waiting " +
                                          std::to_string(now.oldest_unacknowledged_ms) + " ms); retry after " +
                                          std::to_string(retry_after) + " s");
    busy.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return reply(std::move(busy));
  }
  pipeline_->post([this, ticket = *ticket, request = std::move(request), reply = std::move(reply)] {
    auto decoded = decodeIngestBody(request);
    if (auto* refused = std::get_if<HttpResponse>(&decoded)) {
      pipeline_->finish(ticket);
      return reply(std::move(*refused));
    }
    storage_.ingestAsync(std::move(std::get<model::Report>(decoded)),
                         [this, ticket, reply](Result<tsdb::IngestOutcome> outcome) {
                           pipeline_->finish(ticket);
                           if (!outcome) return reply(storageErrorResponse(outcome.error()));
                           HttpResponse response;
                           response.status = 202;
                           JsonWriter writer(response.body);
                           writer.beginObject().field("accepted", static_cast<uint64_t>(outcome->accepted)).endObject();
                           reply(std::move(response));
                         });
  });
}

HttpResponse Router::nodeList() const {
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const int64_t grace_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.node_grace).count();
  HttpResponse response;
  JsonWriter writer(response.body);
  writer.beginObject().key("items").beginArray();
  for (const auto& sample : storage_.latestNodes()) {
    if (grace_ms > 0 && sample.timestamp_ms < now_ms - grace_ms) continue;
    writeNodeObject(writer, sample);
  }
  writer.endArray().endObject();
  return response;
}

Result<SeriesRange> Router::seriesRange(const RequestTarget& target, int64_t interval_ms) const {
  SeriesDefaults defaults;
  defaults.now_ms = toUnixMs(clock_.wallNow());
  defaults.window_seconds = options_.default_window_seconds;
  defaults.max_data_points = options_.max_data_points;
  if (interval_ms > 0) defaults.step_ms = interval_ms;  // the reporting interval is the finest step
  return parseSeriesRange(target.query, defaults);
}

HttpResponse Router::node(const std::string& name, const RequestTarget& target, bool series) const {
  const auto latest = storage_.latestNode(name);
  // Parameters are checked before the node's existence: a bad window is 400 for any name.
  SeriesRange range;
  if (series) {
    auto parsed = seriesRange(target, latest ? latest->interval_ms : 0);
    if (!parsed) return errorResponse(400, "bad_request", parsed.error().subject + ": " + parsed.error().message);
    range = *parsed;
  }
  if (!latest) return notFoundNode(name);
  HttpResponse response;
  JsonWriter writer(response.body);
  if (!series) {
    writeNodeObject(writer, *latest);
    return response;
  }
  const auto points = storage_.nodeSeries(name, tsdb::SeriesQuery{range.start_ms, range.end_ms, range.step_ms});
  writeNodeSeries(writer, *latest, range, points);
  return response;
}

}  // namespace kubemonitor::server

namespace kubemonitor::server {

int64_t Router::staleAfterMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.stale_after).count();
}

std::optional<HttpResponse> Router::objectRoute(const RequestTarget& target) const {
  const auto& s = target.segments;  // s[0] == "api"
  const std::string& collection = s[1];
  const bool series = wantsSeries(target.query);
  const bool timeseries = s.size() == 4 && s[3] == "timeseries";
  const std::string empty;
  const std::string* ns_param = queryValue(target, "namespace");
  if (ns_param != nullptr && ns_param->empty()) return errorResponse(400, "bad_request", "namespace: empty");
  const std::string& ns_filter = ns_param != nullptr ? *ns_param : empty;

  if (collection == "nodes") {
    if (s.size() == 2) return nodeList();
    if (s.size() == 3 || timeseries) return node(s[2], target, timeseries || series);
    if (s.size() == 4 && s[3] == "pods") {
      if (!storage_.latestNode(s[2])) return notFoundNode(s[2]);
      return objectList(ObjectKind::kPod, tsdb::LatestFilter{ns_filter, s[2], "", staleAfterMs()});
    }
    return std::nullopt;
  }
  if (collection == "pods" || collection == "deployments") {
    const ObjectKind kind = collection == "pods" ? ObjectKind::kPod : ObjectKind::kDeployment;
    if (s.size() == 2) return objectList(kind, tsdb::LatestFilter{ns_filter, "", "", staleAfterMs()});
    if (s.size() == 3 || timeseries) {
      // As everywhere: a bad window is 400 before the name is looked at (and found ambiguous).
      if (timeseries || series) {
        SeriesDefaults defaults;
        defaults.now_ms = toUnixMs(clock_.wallNow());
        defaults.window_seconds = options_.default_window_seconds;
        defaults.max_data_points = options_.max_data_points;
        auto parsed = parseSeriesRange(target.query, defaults);
        if (!parsed) return errorResponse(400, "bad_request", parsed.error().subject + ": " + parsed.error().message);
      }
      auto resolved = resolveNamespace(kind, s[2], target);
      if (auto* error = std::get_if<HttpResponse>(&resolved)) return std::move(*error);
      return object(std::get<tsdb::ObjectKey>(resolved), target, timeseries || series);
    }
    return std::nullopt;
  }
  // namespaces
  if (s.size() == 2) return objectList(ObjectKind::kNamespace, tsdb::LatestFilter{"", "", "", staleAfterMs()});
  const std::string& ns = s[2];
  const tsdb::ObjectKey ns_key{ObjectKind::kNamespace, "", ns};
  if (s.size() == 3 || timeseries) return object(ns_key, target, timeseries || series);
  // The lists below hang under the namespace: an unknown one is 404, a quiet one an empty list.
  auto require = [&](const tsdb::ObjectKey& key) -> std::optional<HttpResponse> {
    if (storage_.latestObject(key, staleAfterMs())) return std::nullopt;
    return notFound(key);
  };
  if (s.size() == 4 && s[3] == "pods") {
    if (auto missing = require(ns_key)) return missing;
    return objectList(ObjectKind::kPod, tsdb::LatestFilter{ns, "", "", staleAfterMs()});
  }
  if (s.size() == 4 && s[3] == "deployments") {
    if (auto missing = require(ns_key)) return missing;
    return objectList(ObjectKind::kDeployment, tsdb::LatestFilter{ns, "", "", staleAfterMs()});
  }
  if (s.size() >= 5 && s.size() <= 6 && s[3] == "deployments") {
    const tsdb::ObjectKey key{ObjectKind::kDeployment, ns, s[4]};
    if (s.size() == 5) return object(key, target, series);
    if (s[5] == "timeseries") return object(key, target, true);
    if (s[5] == "pods") {
      if (auto missing = require(key)) return missing;
      return objectList(ObjectKind::kPod, tsdb::LatestFilter{ns, "", s[4], staleAfterMs()});
    }
  }
  return std::nullopt;
}

HttpResponse Router::objectList(ObjectKind kind, const tsdb::LatestFilter& filter) const {
  HttpResponse response;
  JsonWriter writer(response.body);
  writeObjectList(writer, storage_.latest(kind, filter));
  return response;
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
  SeriesRange range;
  if (series) {
    auto parsed = seriesRange(target, latest ? latest->interval_ms : 0);
    if (!parsed) return errorResponse(400, "bad_request", parsed.error().subject + ": " + parsed.error().message);
    range = *parsed;
  }
  if (!latest) return notFound(key);
  HttpResponse response;
  JsonWriter writer(response.body);
  if (!series) {
    writeObject(writer, *latest);
    return response;
  }
  writeObjectSeries(writer, *latest, range, storage_.series(key, tsdb::SeriesQuery{range.start_ms, range.end_ms, range.step_ms}));
  return response;
}

}  // namespace kubemonitor::server
