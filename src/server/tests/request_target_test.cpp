#include "server/request_target.h"

#include <gtest/gtest.h>

namespace kubemonitor::server {
namespace {

TEST(RequestTargetTest, SplitsAndDecodesPathAndQuery) {
  auto target = parseRequestTarget("/api/nodes/node%2Da%2Fb/?window=5%20m&step=1+m&flag");
  ASSERT_TRUE(target.ok()) << target.error().toString();
  ASSERT_EQ(target->segments.size(), 3U);
  EXPECT_EQ(target->segments[2], "node-a/b") << "%2F stays inside its segment";
  EXPECT_EQ(target->query.at("window"), "5 m");
  EXPECT_EQ(target->query.at("step"), "1 m");
  EXPECT_EQ(target->query.at("flag"), "");
}

TEST(RequestTargetTest, RootHasNoSegments) {
  auto target = parseRequestTarget("/");
  ASSERT_TRUE(target.ok());
  EXPECT_TRUE(target->segments.empty());
  EXPECT_TRUE(target->query.empty());
}

TEST(RequestTargetTest, RejectsMalformedTargets) {
  for (const char* bad : {"/api/%zz", "/api/%4", "/api/%", "/a?x=%G1", "/a?x=1&x=2", "/api//nodes", "api", "", "/a%00b"}) {
    EXPECT_FALSE(parseRequestTarget(bad).ok()) << bad;
  }
}

TEST(RequestTargetTest, PercentDecode) {
  EXPECT_EQ(percentDecode("a%41%62+c", false).value(), "aAb+c");
  EXPECT_EQ(percentDecode("a+c", true).value(), "a c");
  EXPECT_FALSE(percentDecode("%", false).ok());
}

}  // namespace
}  // namespace kubemonitor::server
