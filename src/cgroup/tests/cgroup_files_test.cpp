#include "cgroup/cgroup_files.h"

#include <gtest/gtest.h>

namespace kubemonitor::cgroup {
namespace {

TEST(CgroupFiles, SingleValue) {
  EXPECT_EQ(*parseSingleValue("504344410\n", "cpuacct.usage"), 504344410u);
  for (std::string_view bad : {"", "12", "12 13\n", "abc\n", "-1\n", "1\n2\n"}) {
    auto value = parseSingleValue(bad, "cpuacct.usage");
    ASSERT_FALSE(value.ok()) << bad;
    EXPECT_EQ(value.error().subject, "cpuacct.usage");
  }
  EXPECT_EQ(parseSingleValue("12", "f").error().code, ErrorCode::kTruncated);
}

TEST(CgroupFiles, LimitsUnlimitedInBothVersions) {
  EXPECT_FALSE(parseLimit("max\n", "memory.max")->has_value());
  EXPECT_FALSE(parseLimit("9223372036854771712\n", "memory.limit_in_bytes")->has_value());
  EXPECT_EQ(parseLimit("536870912\n", "memory.limit_in_bytes")->value(), 536870912u);
  EXPECT_FALSE(parseLimit("maximum\n", "memory.max").ok());
}

TEST(CgroupFiles, FlatKeyed) {
  auto values = parseFlatKeyed("nr_periods 2914\nnr_throttled 222\nthrottled_usec 2261444\n", "cpu.stat");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->find("nr_throttled"), 222u);
  EXPECT_FALSE(values->find("nr_bursts").has_value());
  EXPECT_EQ(values->size(), 3u);
  EXPECT_FALSE(parseFlatKeyed("nr_periods\n", "cpu.stat").ok());
  EXPECT_FALSE(parseFlatKeyed("nr_periods x\n", "cpu.stat").ok());
  EXPECT_FALSE(parseFlatKeyed("nr_periods 1\nnr_thr", "cpu.stat").ok());  // cut mid-line
  EXPECT_FALSE(parseFlatKeyed("nr_periods 1 2\n", "cpu.stat").ok());
  EXPECT_FALSE(parseFlatKeyed("", "cpu.stat").ok());
}

TEST(CgroupFiles, BlkioCountsReadAndWriteOnce) {
  constexpr std::string_view kText =
      "254:0 Read 4096\n254:0 Write 3149824\n254:0 Sync 3149824\n254:0 Async 4096\n254:0 Discard 0\n"
      "254:0 Total 3153920\n8:0 Read 100\n8:0 Write 0\n8:0 Total 100\nTotal 3154020\n";
  auto bytes = parseBlkioServiceBytes(kText, "blkio.throttle.io_service_bytes_recursive");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->read_bytes, 4196u);
  EXPECT_EQ(bytes->write_bytes, 3149824u);
  EXPECT_EQ(parseBlkioServiceBytes("Total 0\n", "b")->write_bytes, 0u);
  EXPECT_EQ(parseBlkioServiceBytes("", "b")->read_bytes, 0u);
  EXPECT_FALSE(parseBlkioServiceBytes("254:0 Read\n", "b").ok());
  EXPECT_FALSE(parseBlkioServiceBytes("2540 Read 5\n", "b").ok());
  EXPECT_FALSE(parseBlkioServiceBytes("254:0 Read 5", "b").ok());
}

TEST(CgroupFiles, IoStatSumsDevices) {
  auto bytes = parseIoStat("8:32 rbytes=40824832 wbytes=824999936 rios=2703 wios=1073 dbytes=0 dios=0\n"
                           "8:0 rbytes=1 wbytes=2 rios=1 wios=1 dbytes=0 dios=0\n");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->read_bytes, 40824833u);
  EXPECT_EQ(bytes->write_bytes, 824999938u);
  EXPECT_FALSE(parseIoStat("8:32 rbytes=x wbytes=1\n").ok());
  EXPECT_FALSE(parseIoStat("8:32 rios=1\n").ok());
  EXPECT_FALSE(parseIoStat("rbytes=1 wbytes=1\n").ok());
}

TEST(CgroupFiles, Pressure) {
  auto pressure = parsePressure("some avg10=1.50 avg60=0.00 avg300=0.00 total=1123\n"
                                "full avg10=0.25 avg60=0.00 avg300=0.00 total=1123\n", "memory.pressure");
  ASSERT_TRUE(pressure.ok());
  EXPECT_DOUBLE_EQ(pressure->some_avg10_percent, 1.5);
  EXPECT_DOUBLE_EQ(pressure->full_avg10_percent, 0.25);
  EXPECT_EQ(pressure->some_total_us, 1123u);  // the "some" line's total, in µs
  auto cpu_old_kernel = parsePressure("some avg10=3.00 avg60=0.00 avg300=0.00 total=5\n", "cpu.pressure");
  ASSERT_TRUE(cpu_old_kernel.ok());
  EXPECT_DOUBLE_EQ(cpu_old_kernel->full_avg10_percent, 0);
  EXPECT_FALSE(parsePressure("some avg10=101.00\n", "p").ok());
  EXPECT_FALSE(parsePressure("half avg10=1.00\n", "p").ok());
  EXPECT_FALSE(parsePressure("some total=1\n", "p").ok());
  EXPECT_FALSE(parsePressure("some avg10=1.00 avg60=0.00 avg300=0.00 total=-4\n", "p").ok());
}

TEST(CgroupFiles, CgroupProcs) {
  EXPECT_EQ(*parseCgroupProcs("6518\n6520\n"), (std::vector<int>{6518, 6520}));
  EXPECT_TRUE(parseCgroupProcs("")->empty());
  EXPECT_FALSE(parseCgroupProcs("0\n").ok());
  EXPECT_FALSE(parseCgroupProcs("12\nab\n").ok());
  EXPECT_FALSE(parseCgroupProcs("99999999999\n").ok());
}

}  // namespace
}  // namespace kubemonitor::cgroup
