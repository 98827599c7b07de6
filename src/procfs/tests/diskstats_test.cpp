#include "procfs/diskstats.h"

#include <gtest/gtest.h>

#include "procfs/tests/fixture.h"

namespace kubemonitor::procfs {
namespace {

TEST(DiskstatsTest, CapturedDebian12With20Fields) {
  const auto host = testing::fixtureHost();
  auto disks = parseDiskstats(testing::readFixture(host.paths().procDiskstats()));
  ASSERT_TRUE(disks.ok()) << disks.error().toString();
  ASSERT_EQ(disks->size(), 10u);
  EXPECT_EQ((*disks)[0].name, "loop0");
  // 254       0 vda 31434 9246 2983906 15780 18758 8459 808336 2431 0 8524 18583 4001 54 112760 351 471 19
  const DiskStats& vda = (*disks)[8];
  EXPECT_EQ(vda.major, 254u);
  EXPECT_EQ(vda.minor, 0u);
  EXPECT_EQ(vda.name, "vda");
  EXPECT_EQ(vda.reads_completed, 31434u);
  EXPECT_EQ(vda.sectors_read, 2983906u);
  EXPECT_EQ(vda.writes_completed, 18758u);
  EXPECT_EQ(vda.sectors_written, 808336u);
  EXPECT_EQ(vda.io_time_ms, 8524u);
  EXPECT_EQ(vda.readBytes(), 2983906u * 512);
  EXPECT_EQ(vda.writtenBytes(), 808336u * 512);
  EXPECT_EQ((*disks)[9].name, "zram0");
}

TEST(DiskstatsTest, OlderKernels) {
  // 4.15 (14 fields) and 4.19 (18 fields: discards) lines, mixed only for the test's sake.
  auto disks = parseDiskstats(
      "   8       0 sda 446216 784926 9550688 4382310 424847 312726 5922052 19310380 0 2376340 23705160\n"
      " 259       0 nvme0n1 120 5 4000 30 200 10 8000 60 0 90 90 7 0 56 3\n"
      "   8       1 sda1 1 0 8 0 0 0 0 0 0 0 0\n"
      " 104       0 cciss/c0d0 1 0 8 0 0 0 0 0 0 0 0\n");
  ASSERT_TRUE(disks.ok()) << disks.error().toString();
  ASSERT_EQ(disks->size(), 4u);
  EXPECT_EQ((*disks)[0].reads_completed, 446216u);
  EXPECT_EQ((*disks)[0].sectors_written, 5922052u);
  EXPECT_EQ((*disks)[0].io_time_ms, 2376340u);
  EXPECT_EQ((*disks)[1].name, "nvme0n1");
  EXPECT_EQ((*disks)[1].sectors_read, 4000u);
  EXPECT_EQ((*disks)[1].io_time_ms, 90u);
  EXPECT_EQ((*disks)[3].name, "cciss/c0d0");
}

TEST(DiskstatsTest, EmptyFileIsAHostWithoutDisks) {
  auto none = parseDiskstats("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(DiskstatsTest, Errors) {
  EXPECT_EQ(parseDiskstats("   8       0 sda 1 2 3").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseDiskstats("   8       0 sda 1 2 3\n").error().code, ErrorCode::kTruncated);
  // 2.6.24 partitions had 7 fields (4 counters): not supported, and not silently zero.
  EXPECT_EQ(parseDiskstats("   8       1 sda1 1 2 3 4\n").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseDiskstats("8 0 sda 1 0 8 0 0 0 0 0 0 0 0 0\n").error().code, ErrorCode::kParse);  // 15
  auto garbled = parseDiskstats("8 0 sda 1 0 8 0 0 0 0 0 0 x 0\n");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().message, "line 1: field io_time_ms is not an unsigned integer: 'x'");
  EXPECT_EQ(parseDiskstats("8 -1 sda 1 0 8 0 0 0 0 0 0 0 0\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parseDiskstats("99999999999 0 sda 1 0 8 0 0 0 0 0 0 0 0\n").error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace kubemonitor::procfs
