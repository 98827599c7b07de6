#include "common/files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/testing/child_process.h"

namespace kubemonitor {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(FilesTest, AtomicWriteReplacesAndLeavesNoTempFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/port";
  ASSERT_TRUE(writeFileAtomically(path, "8080\n").ok());
  ASSERT_TRUE(writeFileAtomically(path, "9090\n").ok());
  EXPECT_EQ(slurp(path), "9090\n");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1U);
  EXPECT_FALSE(writeFileAtomically(dir.path() + "/missing/dir/port", "1").ok());
}

TEST(FilesTest, TokenFileIsTrimmedAndMustNotBeEmpty) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/token";
  std::ofstream(path) << "  s3cr3t-token\r\n";
  auto token = readTokenFile(path);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "s3cr3t-token");
  std::ofstream(path, std::ios::trunc) << "\n \n";
  EXPECT_EQ(readTokenFile(path).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(readTokenFile(dir.path() + "/none").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace kubemonitor
