#pragma once
// Files compiled into kubemonitor-server, so that the binary serves /openapi.json and /docs with
// nothing installed beside it (and offline). The bytes come from src/server/assets and from the
// OpenAPI viewer that web/api-docs pins in its npm lock file (see embedded_assets.cpp).

#include <string_view>

namespace kubemonitor::server::assets {

std::string_view openApiJson();        // src/server/assets/openapi.json
std::string_view apiDocsHtml();        // src/server/assets/api_docs.html
std::string_view apiDocsInitJs();      // src/server/assets/api_docs_init.js
std::string_view swaggerUiBundleJs();  // web/api-docs/node_modules/swagger-ui-dist/swagger-ui-bundle.js
std::string_view swaggerUiCss();       // web/api-docs/node_modules/swagger-ui-dist/swagger-ui.css

}  // namespace kubemonitor::server::assets
