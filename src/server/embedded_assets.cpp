#include "server/embedded_assets.h"

#include "server/embed_incbin.h"

// The KUBEMONITOR_ASSET_* macros hold absolute paths set by CMakeLists.txt.
KUBEMONITOR_EMBED(kubemonitor_openapi_json, KUBEMONITOR_ASSET_OPENAPI_JSON)
KUBEMONITOR_EMBED(kubemonitor_api_docs_html, KUBEMONITOR_ASSET_API_DOCS_HTML)
KUBEMONITOR_EMBED(kubemonitor_api_docs_init_js, KUBEMONITOR_ASSET_API_DOCS_INIT_JS)
KUBEMONITOR_EMBED(kubemonitor_swagger_ui_bundle_js, KUBEMONITOR_ASSET_SWAGGER_UI_BUNDLE_JS)
KUBEMONITOR_EMBED(kubemonitor_swagger_ui_css, KUBEMONITOR_ASSET_SWAGGER_UI_CSS)

namespace kubemonitor::server::assets {
namespace {

std::string_view between(const char* begin, const char* end) {
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

}  // namespace

std::string_view openApiJson() { return between(kubemonitor_openapi_json_begin, kubemonitor_openapi_json_end); }
std::string_view apiDocsHtml() { return between(kubemonitor_api_docs_html_begin, kubemonitor_api_docs_html_end); }
std::string_view apiDocsInitJs() {
  return between(kubemonitor_api_docs_init_js_begin, kubemonitor_api_docs_init_js_end);
}
std::string_view swaggerUiBundleJs() {
  return between(kubemonitor_swagger_ui_bundle_js_begin, kubemonitor_swagger_ui_bundle_js_end);
}
std::string_view swaggerUiCss() { return between(kubemonitor_swagger_ui_css_begin, kubemonitor_swagger_ui_css_end); }

}  // namespace kubemonitor::server::assets
