#include "server/router.h"

#include <algorithm>
#include <cctype>
#include <future>

#include "common/compression.h"
#include "common/cpu_count.h"
#include "common/json_writer.h"
#include "model/report_json.h"
#include "server/api_docs.h"
#include "server/dashboard.h"
#include "server/object_json.h"
#include "server/query_params.h"
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
    HttpResponse response = errorResponse(503, "storage_unavailable", message);
    // An agent keeps the report and comes back after this (with its own jitter); a query client may too.
    response.headers.emplace_back("Retry-After", "5");
    return response;
  }
  return errorResponse(500, "internal", message);
}


// API answers of a fleet window run to megabytes of repetitive JSON (10,000 pods with points):
// gzip level 1 makes them ~10× smaller for a few ms per MB, for clients that say they accept it
// (browsers, kubectl, curl --compressed). Files that come compressed already are left alone.
constexpr size_t kCompressFromBytes = 1024;

HttpResponse compressForClient(HttpResponse response, std::string_view accept_encoding) {
  if (response.body.size() < kCompressFromBytes || !acceptsGzip(accept_encoding)) return response;
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Encoding") return response;
  }
  response.body = compressGzip(response.body, 1);
  response.headers.emplace_back("Content-Encoding", "gzip");
  response.headers.emplace_back("Vary", "Accept-Encoding");
  return response;
}

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
    if (auto unknown = checkQueryParameters(*target, {}); !unknown) return reply(badParameter(unknown.error()));
    return ingestAsync(std::move(request), std::move(reply));
  }
  (void)storage_.takeReadFailure();  // one left by an earlier request on this thread is not this one's
  HttpResponse response = route(request, *target);
  if (auto failure = storage_.takeReadFailure()) response = storageErrorResponse(*failure);
  reply(compressForClient(std::move(response), request.accept_encoding));
}

HttpResponse Router::route(const HttpRequest& request, const RequestTarget& target) const {
  const auto& s = target.segments;
  const bool get = request.method == "GET";

  if (s.empty() || (s.size() == 1 && s[0] == "health")) {
    if (!get) return methodNotAllowed(request.method, kGetAllow);
    if (auto unknown = checkQueryParameters(target, {}); !unknown) return badParameter(unknown.error());
    if (s.empty() && containsCaseInsensitive(request.accept, "text/html")) {
      return serveDashboard(target, request.accept_encoding);
    }
    return health();
  }
  // The dashboard's files hold no data: served without the query token (its page asks for one).
  if (s[0] == "ui") {
    if (!get) return methodNotAllowed(request.method, kGetAllow);
    return serveDashboard(target, request.accept_encoding);
  }
  // With a query token, everything but health and ingest (which has its own token) needs it.
  const bool ingest_route = s.size() == 2 && s[0] == "api" && s[1] == "ingest";
  if (!ingest_route && !authorized(request.authorization, options_.query_token)) return unauthorized();
  if (auto docs = serveApiDocs(s)) {
    if (!get) return methodNotAllowed(request.method, kGetAllow);
    if (auto unknown = checkQueryParameters(target, {}); !unknown) return badParameter(unknown.error());
    return std::move(*docs);
  }
  // Not checked for unknown parameters: kubectl sends labelSelector, fieldSelector, limit … there,
  // which a metrics-server answers (or ignores) too.
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

}  // namespace kubemonitor::server
