#include "agent/heartbeat.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/testing/child_process.h"

namespace kubemonitor::agent {
namespace {

TEST(HeartbeatTest, FreshThenStale) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() + "/heartbeat";
  EXPECT_EQ(checkHeartbeat(file, 1000, std::chrono::seconds(60)).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(writeHeartbeat(file, 1000).ok());
  EXPECT_TRUE(checkHeartbeat(file, 1060, std::chrono::seconds(60)).ok());
  auto stale = checkHeartbeat(file, 1061, std::chrono::seconds(60));
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().message.find("61 s ago"), std::string::npos) << stale.error().message;
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

TEST(HeartbeatTest, GarbageAndUnwritableAreErrors) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() + "/heartbeat";
  std::ofstream(file) << "soon\n";
  EXPECT_EQ(checkHeartbeat(file, 1000, std::chrono::seconds(60)).error().code, ErrorCode::kParse);
  EXPECT_FALSE(writeHeartbeat(dir.path() + "/no/such/dir/heartbeat", 1).ok());
}

}  // namespace
}  // namespace kubemonitor::agent
