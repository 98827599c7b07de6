#pragma once
// The API of DESIGN §3 over plain HttpRequest/HttpResponse values: no sockets, no Beast.
// Thread-safe: handle() may run on any number of threads at once (state lives in the Storage).

#include <string_view>

#include "common/clock.h"
#include "server/http_message.h"
#include "server/kube_api_view.h"
#include "server/request_target.h"
#include "server/server_options.h"
#include "tsdb/storage.h"

namespace kubemonitor::server {

inline constexpr std::string_view kServerVersion = "0.1.0";

class Router {
 public:
  // `storage` and `clock` must outlive the router.
  Router(tsdb::Storage& storage, const Clock& clock, ServerOptions options);

  HttpResponse handle(const HttpRequest& request) const;

 private:
  HttpResponse health() const;
  HttpResponse ingest(const HttpRequest& request) const;
  HttpResponse nodeList() const;
  HttpResponse node(const std::string& name, const RequestTarget& target, bool series) const;
  // True when `token` is empty (no token configured) or the header carries "Bearer <token>".
  bool authorized(std::string_view authorization, const std::string& token) const;

  tsdb::Storage& storage_;
  const Clock& clock_;
  const ServerOptions options_;
  const MonotonicTime started_;
  const KubeApiView kube_api_;  // /api, /apis, /version: what kubectl top reads
};

// The small self-contained status page GET / serves to browsers (inline JS, no external assets).
std::string_view statusPageHtml();

}  // namespace kubemonitor::server
