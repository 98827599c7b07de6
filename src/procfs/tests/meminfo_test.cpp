#include "procfs/meminfo.h"

#include <gtest/gtest.h>

#include "procfs/tests/fixture.h"

namespace kubemonitor::procfs {
namespace {

constexpr uint64_t kKb = 1024;

TEST(MeminfoTest, CapturedDebian12) {
  const auto host = testing::fixtureHost();
  auto m = parseMeminfo(testing::readFixture(host.paths().procMeminfo()));
  ASSERT_TRUE(m.ok()) << m.error().toString();
  EXPECT_EQ(m->mem_total_bytes, 24684084 * kKb);
  EXPECT_EQ(m->mem_free_bytes, 24518596 * kKb);
  EXPECT_TRUE(m->has_mem_available);
  EXPECT_EQ(m->mem_available_bytes, 24439720 * kKb);
  EXPECT_EQ(m->buffers_bytes, 612 * kKb);
  EXPECT_EQ(m->cached_bytes, 17084 * kKb);
  EXPECT_EQ(m->s_reclaimable_bytes, 76412 * kKb);
  EXPECT_EQ(m->shmem_bytes, 8872 * kKb);
  EXPECT_EQ(m->anon_pages_bytes, 8704 * kKb);
  EXPECT_EQ(m->swap_total_bytes, 0u);
  EXPECT_EQ(m->swap_free_bytes, 0u);
}

// A 3.10 kernel (CentOS 7 era, MemAvailable backported) and a 3.2 kernel without it.
TEST(MeminfoTest, MemAvailableIsOptional) {
  auto old = parseMeminfo(
      "MemTotal:        2052256 kB\n"
      "MemFree:          123456 kB\n"
      "Buffers:           10000 kB\n"
      "Cached:           500000 kB\n"
      "SwapCached:            0 kB\n"
      "SwapTotal:       1048572 kB\n"
      "SwapFree:        1048000 kB\n"
      "HugePages_Total:       0\n"
      "Hugepagesize:       2048 kB\n");
  ASSERT_TRUE(old.ok()) << old.error().toString();
  EXPECT_FALSE(old->has_mem_available);
  EXPECT_EQ(old->mem_available_bytes, 0u);
  EXPECT_EQ(old->swap_free_bytes, 1048000 * kKb);
  EXPECT_EQ(old->s_reclaimable_bytes, 0u);
}

TEST(MeminfoTest, Errors) {
  EXPECT_EQ(parseMeminfo("").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseMeminfo("MemTotal: 1 kB\nMemFree: 1 k").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseMeminfo("MemTotal: 1 kB\nMemFree:\n").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseMeminfo("MemFree: 1 kB\n").error().code, ErrorCode::kParse);  // no MemTotal
  auto garbled = parseMeminfo("MemTotal: 12x4 kB\nMemFree: 1 kB\n");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().code, ErrorCode::kParse);
  EXPECT_EQ(garbled.error().message, "line 1: field MemTotal is not an unsigned integer: '12x4'");
  EXPECT_EQ(parseMeminfo("MemTotal: 1 MB\nMemFree: 1 kB\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parseMeminfo("MemTotal: 1\nMemFree: 1 kB\n").error().code, ErrorCode::kParse);  // bytes? no
  EXPECT_EQ(parseMeminfo("MemTotal 1 kB\nMemFree: 1 kB\n").error().code, ErrorCode::kParse);
  EXPECT_EQ(parseMeminfo("MemTotal: 18446744073709551615 kB\nMemFree: 1 kB\n").error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace kubemonitor::procfs
