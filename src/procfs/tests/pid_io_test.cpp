#include "procfs/pid_io.h"

#include <gtest/gtest.h>

#include "procfs/tests/fixture.h"

namespace kubemonitor::procfs {
namespace {

TEST(PidIoTest, CapturedDebian12) {
  const auto host = testing::fixtureHost();
  auto io = parsePidIo(testing::readFixture(host.paths().procPidIo(1)));
  ASSERT_TRUE(io.ok()) << io.error().toString();
  EXPECT_EQ(io->rchar, 1074780u);
  EXPECT_EQ(io->wchar, 1049967u);
  EXPECT_EQ(io->syscr, 56u);
  EXPECT_EQ(io->syscw, 20u);
  EXPECT_EQ(io->read_bytes, 397312u);
  EXPECT_EQ(io->write_bytes, 1069056u);  // the 1 MiB dd of the capture, fsync'ed
  EXPECT_EQ(io->cancelled_write_bytes, 0u);
}

TEST(PidIoTest, Errors) {
  EXPECT_EQ(parsePidIo("").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parsePidIo("rchar: 1\nwchar: 2").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parsePidIo("rchar:\n").error().code, ErrorCode::kTruncated);
  auto missing = parsePidIo("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\nwrite_bytes: 6\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kParse);
  EXPECT_EQ(missing.error().message, "no cancelled_write_bytes line");
  EXPECT_EQ(parsePidIo("rchar 1\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parsePidIo("rchar: -1\n").error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace kubemonitor::procfs
