#include "model/report_json.h"

#include <gtest/gtest.h>

namespace kubemonitor::model {
namespace {

Report sampleReport() {
  Report r;
  r.node = "worker-1";
  r.timestamp_ms = 1'795'000'000'000;
  r.interval_ms = 5000;
  NodeUsage& u = r.node_usage;
  u.cpu_millicores = 1012.5;
  u.cpu_capacity_millicores = 2000;
  u.cpu_count = 2;
  u.memory_capacity_bytes = 25'000'000'000ULL;
  u.memory_working_set_bytes = 1'000'000'000ULL;
  u.disk_write_bytes = UINT64_MAX - 7;  // counters stay exact up to 2^64
  u.network_rx_bytes_per_sec = 12345.75;
  u.uptime_seconds = 77.5;
  return r;
}

TEST(ReportJsonTest, RoundTripsEveryField) {
  const Report original = sampleReport();
  auto decoded = decodeReport(encodeReport(original));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_EQ(decoded->node, "worker-1");
  EXPECT_EQ(decoded->timestamp_ms, original.timestamp_ms);
  EXPECT_EQ(decoded->interval_ms, 5000);
  EXPECT_DOUBLE_EQ(decoded->node_usage.cpu_millicores, 1012.5);
  EXPECT_EQ(decoded->node_usage.disk_write_bytes, UINT64_MAX - 7);
  EXPECT_EQ(decoded->node_usage.memory_capacity_bytes, 25'000'000'000ULL);
  EXPECT_DOUBLE_EQ(decoded->node_usage.network_rx_bytes_per_sec, 12345.75);
  EXPECT_EQ(decoded->node_usage.cpu_count, 2U);
}

TEST(ReportJsonTest, WritesDerivedPercentages) {
  const std::string json = encodeReport(sampleReport());
  EXPECT_NE(json.find("\"cpu_percent\":50.625"), std::string::npos) << json;
  EXPECT_NE(json.find("\"memory_percent\":4"), std::string::npos) << json;
}

TEST(ReportJsonTest, NamesTheFieldThatIsWrong) {
  std::string json = encodeReport(sampleReport());
  std::string bad = json;
  bad.replace(bad.find("\"cpu_count\":2"), 13, "\"cpu_count\":-2");
  auto result = decodeReport(bad);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().subject, "cpu_count");

  std::string missing = json;
  missing.replace(missing.find("\"node\":\"worker-1\","), 18, "");
  result = decodeReport(missing);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().subject, "node");
}

TEST(ReportJsonTest, RejectsGarbageTruncationAndNewerSchemas) {
  const std::string json = encodeReport(sampleReport());
  for (size_t cut : {size_t{0}, size_t{1}, json.size() / 2, json.size() - 1}) {
    EXPECT_FALSE(decodeReport(json.substr(0, cut)).ok()) << cut;
  }
  EXPECT_FALSE(decodeReport("[1,2,3]").ok());
  EXPECT_FALSE(decodeReport(json + "{}").ok());
  std::string newer = json;
  newer.replace(newer.find("\"schema\":1"), 10, "\"schema\":9");
  auto result = decodeReport(newer);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().subject, "schema");
}

TEST(ReportJsonTest, RejectsHostileNodeNames) {
  Report r = sampleReport();
  r.node = "../etc/passwd";
  EXPECT_FALSE(decodeReport(encodeReport(r)).ok());
  r.node = std::string(300, 'a');
  EXPECT_FALSE(decodeReport(encodeReport(r)).ok());
}

}  // namespace
}  // namespace kubemonitor::model
