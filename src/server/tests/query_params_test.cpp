#include "server/query_params.h"

#include <gtest/gtest.h>

#include <array>

namespace kubemonitor::server {
namespace {

RequestTarget target(std::string_view raw) { return *parseRequestTarget(raw); }

constexpr std::array<std::string_view, 3> kKnown{"cpu_millicores", "memory_working_set_bytes", "oom_kills"};

TEST(QueryParamsTest, EachRouteTakesOnlyItsParameters) {
  EXPECT_TRUE(checkQueryParameters(target("/api/pods?namespace=a&window=5m&fields=x&max-data-points=3"), {true, true}).ok());
  auto unknown = checkQueryParameters(target("/api/pods?windw=5m"), {true, true});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().subject, "windw");
  EXPECT_NE(unknown.error().message.find("namespace, window"), std::string::npos) << unknown.error().message;
  EXPECT_FALSE(checkQueryParameters(target("/api/namespaces?namespace=a"), {false, true}).ok());
  EXPECT_FALSE(checkQueryParameters(target("/health?window=5m"), {}).ok());
  EXPECT_TRUE(checkQueryParameters(target("/health"), {}).ok());
}

TEST(QueryParamsTest, FieldsSelectKnownNamesOnly) {
  auto all = parseFieldSelection(target("/api/pods"), kKnown);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->all());
  auto two = parseFieldSelection(target("/api/pods?fields=oom_kills,cpu_millicores"), kKnown);
  ASSERT_TRUE(two.ok());
  EXPECT_TRUE((*two)("cpu_millicores"));
  EXPECT_TRUE((*two)("oom_kills"));
  EXPECT_FALSE((*two)("memory_working_set_bytes"));
  for (const char* bad : {"/api/pods?fields=", "/api/pods?fields=cpu_millicores,", "/api/pods?fields=nope",
                          "/api/pods?fields=oom_kills,oom_kills", "/api/pods?fields=,oom_kills"}) {
    auto parsed = parseFieldSelection(target(bad), kKnown);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().subject, "fields") << bad;
  }
}

TEST(QueryParamsTest, MaxDataPointsIsAPositiveWholeNumberUpToTheServersBound) {
  EXPECT_EQ(*parseMaxDataPoints(target("/api/pods"), 1000), 1000U);
  EXPECT_EQ(*parseMaxDataPoints(target("/api/pods?max-data-points=12"), 1000), 12U);
  EXPECT_EQ(*parseMaxDataPoints(target("/api/pods?max-data-points=1000"), 1000), 1000U);
  for (const char* bad : {"0", "-1", "1001", "12x", "", "1e3", " 5"}) {
    auto parsed = parseMaxDataPoints(target(std::string("/api/pods?max-data-points=") + bad), 1000);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
}

TEST(QueryParamsTest, BadParameterIsA400NamingIt) {
  const HttpResponse response = badParameter(makeError(ErrorCode::kInvalidArgument, "unknown unit", "window"));
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("window: unknown unit"), std::string::npos);
}

}  // namespace
}  // namespace kubemonitor::server
