// The dashboard's files as the router serves them: the page for browsers at /, every embedded file
// under /ui/, gzip when the client accepts it, no token needed for files that hold no data.

#include "server/dashboard.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/compression.h"
#include "server/tests/router_test_fixture.h"

namespace kubemonitor::server {
namespace {

std::string header(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

HttpResponse getFile(Router& router, const std::string& target, const std::string& accept_encoding) {
  HttpRequest request;
  request.method = "GET";
  request.target = target;
  request.accept = "text/html,*/*";
  request.accept_encoding = accept_encoding;
  return router.handle(request);
}

TEST(AcceptsGzip, ReadsTheHeaderLikeBrowsersSendIt) {
  EXPECT_TRUE(acceptsGzip("gzip, deflate, br, zstd"));
  EXPECT_TRUE(acceptsGzip("GZIP"));
  EXPECT_TRUE(acceptsGzip("br;q=1.0, gzip;q=0.8"));
  EXPECT_TRUE(acceptsGzip("*"));
  EXPECT_FALSE(acceptsGzip(""));
  EXPECT_FALSE(acceptsGzip("br, deflate"));
  EXPECT_FALSE(acceptsGzip("gzip;q=0"));
  EXPECT_FALSE(acceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(acceptsGzip("x-gzip2"));
}

TEST(DashboardFiles, HoldThePageItsScriptsAndUplot) {
  std::vector<std::string_view> names;
  for (const auto& file : dashboardFiles()) {
    EXPECT_FALSE(file.bytes.empty()) << file.name;
    names.push_back(file.name);
  }
  for (std::string_view needed : {"index.html", "main.js", "dashboard.css", "uPlot.iife.min.js", "uPlot.min.css"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), needed), names.end()) << needed;
  }
}

TEST_F(RouterTest, DashboardFilesAreServedPlainOrGzip) {
  for (const auto& file : dashboardFiles()) {
    const std::string target = "/ui/" + std::string(file.name);
    const HttpResponse plain = getFile(*router_, target, "");
    ASSERT_EQ(plain.status, 200) << target;
    EXPECT_EQ(plain.body, file.bytes) << target;
    EXPECT_EQ(header(plain, "Content-Encoding"), "");
    const HttpResponse gzipped = getFile(*router_, target, "gzip, deflate, br");
    ASSERT_EQ(gzipped.status, 200) << target;
    EXPECT_EQ(header(gzipped, "Content-Encoding"), "gzip");
    EXPECT_EQ(header(gzipped, "Vary"), "Accept-Encoding");
    EXPECT_EQ(gzipped.content_type, plain.content_type);
    auto unpacked = decompress(ContentEncoding::kGzip, gzipped.body, 16 << 20);
    ASSERT_TRUE(unpacked) << target;
    EXPECT_EQ(*unpacked, file.bytes) << target;
  }
  EXPECT_EQ(getFile(*router_, "/ui/main.js", "").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(getFile(*router_, "/ui/dashboard.css", "").content_type, "text/css; charset=utf-8");
}

TEST_F(RouterTest, DashboardPageComesWithAPolicyAndNoExternalAssets) {
  const HttpResponse page = getFile(*router_, "/", "");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
}

TEST_F(RouterTest, DashboardUnknownFilesAndParametersAreRefused) {
  EXPECT_EQ(getFile(*router_, "/ui/nope.js", "").status, 404);
  EXPECT_EQ(getFile(*router_, "/ui/x/main.js", "").status, 404);
  EXPECT_EQ(getFile(*router_, "/ui", "").status, 404);
  EXPECT_EQ(getFile(*router_, "/ui/main.js?v=1", "").status, 400);
  HttpRequest post;
  post.method = "POST";
  post.target = "/ui/main.js";
  EXPECT_EQ(router_->handle(post).status, 405);
}

TEST_F(RouterTest, DashboardNeedsNoQueryTokenButTheApiDoes) {
  ServerOptions options;
  options.query_token = "secret";
  makeRouter(options);
  EXPECT_EQ(getFile(*router_, "/", "").status, 200);
  EXPECT_EQ(getFile(*router_, "/ui/main.js", "").status, 200);
  EXPECT_EQ(getFile(*router_, "/api/nodes", "").status, 401);
}

TEST_F(RouterTest, ApiAnswersAreGzippedForClientsThatAcceptIt) {
  for (int i = 0; i < 20; ++i) ASSERT_EQ(ingest(report("node-a", nowMs() - (20 - i) * 5000, 100 + i)).status, 202);
  HttpRequest request;
  request.method = "GET";
  request.target = "/api/nodes?window=5m";
  const HttpResponse plain = router_->handle(request);
  ASSERT_EQ(plain.status, 200);
  ASSERT_GE(plain.body.size(), 1024u) << "big enough to be compressed";
  EXPECT_EQ(header(plain, "Content-Encoding"), "");
  request.accept_encoding = "gzip, deflate";
  const HttpResponse gzipped = router_->handle(request);
  ASSERT_EQ(gzipped.status, 200);
  EXPECT_EQ(header(gzipped, "Content-Encoding"), "gzip");
  EXPECT_EQ(header(gzipped, "Vary"), "Accept-Encoding");
  EXPECT_EQ(gzipped.content_type, plain.content_type);
  EXPECT_LT(gzipped.body.size(), plain.body.size() / 3);
  auto unpacked = decompress(ContentEncoding::kGzip, gzipped.body, 16 << 20);
  ASSERT_TRUE(unpacked);
  EXPECT_EQ(*unpacked, plain.body);
  // Small answers go as they are: compressing them saves nothing.
  request.target = "/health";
  EXPECT_EQ(header(router_->handle(request), "Content-Encoding"), "");
}

}  // namespace
}  // namespace kubemonitor::server
