#pragma once
// Captured host trees (DESIGN rule 9) are read through the real RootedHostFs and HostPaths, the
// way the agent reads a live host: testdata/hosts/<scenario>/ plays the host root.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "hostfs/rooted_host_fs.h"

namespace kubemonitor::procfs::testing {

inline constexpr std::string_view kScenario = "debian12-v1-split";

inline std::filesystem::path sourceDir() {
  if (const char* dir = std::getenv("KUBEMONITOR_SOURCE_DIR"); dir != nullptr && *dir != '\0') return dir;
  return KUBEMONITOR_DEFAULT_SOURCE_DIR;
}

inline hostfs::RootedHostFs fixtureHost(std::string_view scenario = kScenario) {
  return hostfs::RootedHostFs(sourceDir() / "testdata" / "hosts" / std::string(scenario));
}

// The content of one captured file; fails the calling test (and returns "") if unreadable.
inline std::string readFixture(const std::filesystem::path& path) {
  auto content = fixtureHost().readFile(path);
  EXPECT_TRUE(content.ok()) << content.error().toString();
  return content.ok() ? *content : std::string();
}

}  // namespace kubemonitor::procfs::testing
