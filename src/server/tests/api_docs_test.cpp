#include "server/api_docs.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "server/embedded_assets.h"
#include "server/object_json.h"

namespace kubemonitor::server {
namespace {

std::string sourceFile(const std::string& relative) {
  const char* dir = std::getenv("KUBEMONITOR_SOURCE_DIR");
  std::ifstream in(std::string(dir != nullptr ? dir : ".") + "/" + relative, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ApiDocsTest, OpenApiDocumentIsValidJsonWithEveryRouteOfTheContract) {
  auto response = serveApiDocs({"openapi.json"});
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(response->body).get(doc)) << "not JSON";
  EXPECT_EQ(std::string_view(doc["openapi"].get_string().value()).substr(0, 2), "3.");
  // DESIGN §3, every route.
  for (const char* path :
       {"/health", "/api/ingest", "/api/nodes", "/api/nodes/{node}", "/api/nodes/{node}/pods",
        "/api/nodes/{node}/timeseries", "/api/pods", "/api/pods/{pod}", "/api/pods/{pod}/timeseries",
        "/api/namespaces", "/api/namespaces/{ns}", "/api/namespaces/{ns}/pods", "/api/namespaces/{ns}/timeseries",
        "/api/deployments", "/api/deployments/{deployment}", "/api/deployments/{deployment}/timeseries",
        "/api/namespaces/{ns}/deployments", "/api/namespaces/{ns}/deployments/{deployment}",
        "/api/namespaces/{ns}/deployments/{deployment}/pods", "/apis/metrics.k8s.io/v1beta1/nodes",
        "/apis/metrics.k8s.io/v1beta1/pods", "/openapi.json", "/docs",
        // issue 14: the collections' series, the escape for objects named "timeseries", containers
        "/api/nodes/timeseries", "/api/pods/timeseries", "/api/namespaces/timeseries", "/api/deployments/timeseries",
        "/api/nodes/{node}/latest", "/api/pods/{pod}/latest", "/api/namespaces/{ns}/latest",
        "/api/deployments/{deployment}/latest", "/api/namespaces/{ns}/deployments/{deployment}/timeseries",
        "/api/pods/{pod}/containers", "/api/pods/{pod}/containers/{container}"}) {
    simdjson::dom::element item;
    EXPECT_FALSE(doc["paths"][path].get(item)) << path << " is not documented";
  }
  // Every field a pod, container or aggregate carries is described (issue 14's included).
  for (const auto& [schema, kind] : {std::pair{"Pod", tsdb::ObjectKind::kPod}, std::pair{"Container", tsdb::ObjectKind::kContainer},
                                     std::pair{"Namespace", tsdb::ObjectKind::kNamespace},
                                     std::pair{"Deployment", tsdb::ObjectKind::kDeployment}}) {
    for (std::string_view field : objectPointFieldNames(kind)) {
      simdjson::dom::element item;
      EXPECT_FALSE(doc["components"]["schemas"][schema]["properties"][field].get(item)) << schema << "." << field;
    }
  }
  // Every list and series route of /api takes the series parameters, fields= and max-data-points=.
  for (auto [path, item] : doc["paths"].get_object()) {
    const std::string_view p = path;
    const bool object_route = p.starts_with("/api/nodes") || p.starts_with("/api/pods") ||
                              p.starts_with("/api/namespaces") || p.starts_with("/api/deployments");
    if (!object_route || p.ends_with("/latest")) continue;
    std::string params = simdjson::to_string(item["get"]["parameters"]);
    for (const char* name : {"window", "start", "end", "step", "fields", "maxDataPoints"}) {
      EXPECT_NE(params.find(std::string("/parameters/") + name + "\""), std::string::npos) << p << " lacks " << name;
    }
  }
  // Every $ref points at something that exists.
  const std::string& body = response->body;
  for (size_t at = body.find("\"$ref\""); at != std::string::npos; at = body.find("\"$ref\"", at + 1)) {
    const size_t open = body.find("#/components/", at);
    const size_t close = body.find('"', open);
    std::string_view pointer(body.data() + open + 1, close - open - 1);  // "/components/schemas/Node"
    simdjson::dom::element target;
    EXPECT_FALSE(doc.at_pointer(pointer).get(target)) << "dangling $ref " << pointer;
  }
}

TEST(ApiDocsTest, DocsPageAndItsAssetsAreServedFromTheBinary) {
  auto page = serveApiDocs({"docs"});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  for (const char* asset : {"/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/init.js"}) {
    EXPECT_NE(page->body.find(asset), std::string::npos) << asset;
  }
  auto bundle = serveApiDocs({"docs", "swagger-ui-bundle.js"});
  ASSERT_TRUE(bundle.has_value());
  EXPECT_EQ(bundle->body, sourceFile("web/api-docs/node_modules/swagger-ui-dist/swagger-ui-bundle.js"))
      << "the embedded viewer is the pinned npm file, byte for byte";
  auto css = serveApiDocs({"docs", "swagger-ui.css"});
  ASSERT_TRUE(css.has_value());
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_GT(css->body.size(), 10'000U);
  auto init = serveApiDocs({"docs", "init.js"});
  ASSERT_TRUE(init.has_value());
  EXPECT_NE(init->body.find("/openapi.json"), std::string::npos);
  EXPECT_FALSE(serveApiDocs({"docs", "nope.js"}).has_value());
  EXPECT_FALSE(serveApiDocs({"docs", "a", "b"}).has_value());
  EXPECT_EQ(assets::openApiJson(), sourceFile("src/server/assets/openapi.json"));
}

}  // namespace
}  // namespace kubemonitor::server
