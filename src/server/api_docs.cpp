#include "server/api_docs.h"

#include "server/embedded_assets.h"

namespace kubemonitor::server {
namespace {

HttpResponse asset(std::string_view content_type, std::string_view body, bool immutable) {
  HttpResponse response;
  response.content_type = std::string(content_type);
  response.body = std::string(body);
  // The viewer's files change only with a new binary; the document may change with an upgrade.
  response.headers.emplace_back("Cache-Control", immutable ? "public, max-age=86400" : "no-cache");
  return response;
}

}  // namespace

std::optional<HttpResponse> serveApiDocs(const std::vector<std::string>& s) {
  if (s.size() == 1 && s[0] == "openapi.json") return asset(kJsonContentType, assets::openApiJson(), false);
  if (s.empty() || s[0] != "docs" || s.size() > 2) return std::nullopt;
  if (s.size() == 1) return asset("text/html; charset=utf-8", assets::apiDocsHtml(), false);
  if (s[1] == "swagger-ui-bundle.js") return asset("text/javascript; charset=utf-8", assets::swaggerUiBundleJs(), true);
  if (s[1] == "swagger-ui.css") return asset("text/css; charset=utf-8", assets::swaggerUiCss(), true);
  if (s[1] == "init.js") return asset("text/javascript; charset=utf-8", assets::apiDocsInitJs(), false);
  return std::nullopt;
}

}  // namespace kubemonitor::server
