#pragma once
// The API of DESIGN §3 over plain HttpRequest/HttpResponse values: no sockets, no Beast.
// Thread-safe: handle() may run on any number of threads at once (state lives in the Storage).
// Ingest goes through an IngestPipeline (bounded, its own workers): handleAsync() answers every
// other route at once and an ingest once its report is durable, without waiting on the caller's
// thread; past the pipeline's bound an ingest is 503 with Retry-After.

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <string_view>

#include "common/clock.h"
#include "common/field_selection.h"
#include "server/http_message.h"
#include "server/ingest_pipeline.h"
#include "server/kube_api_view.h"
#include "server/request_target.h"
#include "server/series_params.h"
#include "server/server_options.h"
#include "tsdb/storage.h"

namespace kubemonitor::server {

inline constexpr std::string_view kServerVersion = "0.1.0";

class Router {
 public:
  // `storage` and `clock` must outlive the router.
  Router(tsdb::Storage& storage, const Clock& clock, ServerOptions options);
  // Waits for the reports still in flight (their answers go nowhere once the transport is gone).
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Called exactly once with the answer, on the caller's thread or later on another.
  using Reply = std::function<void(HttpResponse)>;
  void handleAsync(HttpRequest request, Reply reply) const;
  // handleAsync, waiting for the answer (tests, tools).
  HttpResponse handle(const HttpRequest& request) const;
  IngestPipelineStats ingestStats() const { return pipeline_->stats(); }

 private:
  // Every route but POST /api/ingest, answered at once.
  HttpResponse route(const HttpRequest& request, const RequestTarget& target) const;
  HttpResponse health() const;
  void ingestAsync(HttpRequest request, Reply reply) const;
  // The ingest checks answered on the network thread (token, encoding, size); nullopt: go on.
  std::optional<HttpResponse> ingestRefusal(const HttpRequest& request) const;
  // Decompresses and parses the body (on an ingest worker): the report, or a 400/413 answer.
  std::variant<model::Report, HttpResponse> decodeIngestBody(const HttpRequest& request) const;
  // The series parameters of a request (range, fields), for an object reporting every
  // `interval_ms` (0: unknown), `field_names` being what its points may carry. `now_ms` is read
  // once per request, so that every item of a list has the same range.
  struct SeriesRequest {
    SeriesRange range;
    FieldSelection fields;
    // The storage query: the range and the columns the selected fields read (pods only use them).
    tsdb::SeriesQuery query() const;
  };
  Result<SeriesRequest> seriesRequest(const RequestTarget& target, int64_t interval_ms,
                                      std::span<const std::string_view> field_names, int64_t now_ms) const;
  // /api/nodes: latest values, or each node with its `points` when `series`.
  HttpResponse nodeList(const RequestTarget& target, bool series) const;
  HttpResponse node(const std::string& name, const RequestTarget& target, bool series) const;
  // /api/{nodes|pods|namespaces|deployments}/...: nullopt when no route matches (object_routes.cpp).
  std::optional<HttpResponse> objectRoute(const RequestTarget& target) const;
  std::optional<HttpResponse> podRoute(const RequestTarget& target, bool series) const;
  std::optional<HttpResponse> namespaceRoute(const RequestTarget& target, bool series) const;
  // One pod, container, namespace or deployment: latest values, or the series when `series`.
  HttpResponse object(const tsdb::ObjectKey& key, const RequestTarget& target, bool series) const;
  // A live list of `kind`, each item with its `points` when `series` (a fleet window).
  HttpResponse objectList(tsdb::ObjectKind kind, const tsdb::LatestFilter& filter, const RequestTarget& target,
                          bool series) const;
  // The containers of the pod's newest report, each with its `points` when `series`.
  HttpResponse containerList(const tsdb::ObjectKey& pod, const RequestTarget& target, bool series) const;
  // `items` as {"items":[...]}, each item with its series when `series`.
  HttpResponse itemList(const std::vector<tsdb::ObjectSample>& items, tsdb::ObjectKind kind, const RequestTarget& target,
                        bool series) const;
  // /api/pods/{pod} and /api/deployments/{d} without the namespace in the path: from ?namespace=,
  // or the one namespace the name is in; an error answer (400, 404, 409) otherwise.
  std::variant<tsdb::ObjectKey, HttpResponse> resolveNamespace(tsdb::ObjectKind kind, const std::string& name,
                                                               const RequestTarget& target) const;
  int64_t staleAfterMs() const;
  // True when `token` is empty (no token configured) or the header carries "Bearer <token>".
  bool authorized(std::string_view authorization, const std::string& token) const;

  tsdb::Storage& storage_;
  const Clock& clock_;
  const ServerOptions options_;
  const MonotonicTime started_;
  const KubeApiView kube_api_;  // /api, /apis, /version: what kubectl top reads
  const std::unique_ptr<IngestPipeline> pipeline_;
};

}  // namespace kubemonitor::server
