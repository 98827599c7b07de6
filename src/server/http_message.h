#pragma once
// Plain HTTP request/response values: the router and handlers never see Beast, so they compile
// fast and are tested without sockets. The transport (http_server.cpp) converts.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kubemonitor::server {

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";

struct HttpRequest {
  std::string method;  // as sent, e.g. "GET"; the transport maps HEAD to GET
  std::string target;  // raw request-target, still percent-encoded: "/api/nodes/a?window=5m"
  // The headers the API needs; empty when absent.
  std::string content_type;
  std::string content_encoding;
  std::string authorization;
  std::string accept;
  std::string accept_encoding;  // the dashboard's files are sent gzip-compressed when it allows
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type{kJsonContentType};
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra: Allow, WWW-Authenticate, ...
};

// {"error":"<code>","message":"..."} with the JSON content type.
HttpResponse errorResponse(int status, std::string_view code, std::string_view message);
HttpResponse jsonResponse(int status, std::string body);

}  // namespace kubemonitor::server
