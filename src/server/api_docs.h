#pragma once
// GET /openapi.json (the OpenAPI 3 document of every route) and GET /docs (a viewer for it, with
// its assets under /docs/), all from files embedded in the binary.

#include <optional>
#include <string>
#include <vector>

#include "server/http_message.h"

namespace kubemonitor::server {

// The answer when `segments` is one of these routes, else nullopt.
std::optional<HttpResponse> serveApiDocs(const std::vector<std::string>& segments);

}  // namespace kubemonitor::server
