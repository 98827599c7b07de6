// The WAL record of issue 14 (version 2): every field the API serves of a pod and its containers
// comes back, and a version-1 record (a WAL written before the upgrade) still replays.

#include <gtest/gtest.h>

#include <cstring>

#include "tsdb/bit_stream.h"
#include "tsdb/byte_codec.h"
#include "tsdb/report_fields.h"
#include "tsdb/report_record.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor::tsdb {
namespace {

using internal::kContainerFields;
using internal::kPodFields;

// A version-1 record of `report` as the server before issue 14 wrote it (report_record.h, v1 layout).
std::vector<uint8_t> encodeVersion1(const model::Report& report) {
  std::vector<uint8_t> out{1};
  putString(out, report.node);
  putVarint(out, zigzagEncode(report.timestamp_ms));
  putVarint(out, zigzagEncode(report.interval_ms));
  for (const auto& member : internal::kNodeFields) {
    std::visit(
        [&](auto m) {
          if constexpr (std::is_same_v<decltype(m), double model::NodeUsage::*>)
            putDouble(out, report.node_usage.*m);
          else
            putVarint(out, report.node_usage.*m);
        },
        member);
  }
  putVarint(out, report.pods.size());
  for (const model::PodUsage& pod : report.pods) {
    for (const std::string* text : {&pod.uid, &pod.name, &pod.namespace_name, &pod.deployment}) putString(out, *text);
    auto& p = const_cast<model::PodUsage&>(pod);
    for (size_t i = 0; i < internal::kPodFieldsV1; ++i) {
      if (kPodFields[i].as_double != nullptr)
        putDouble(out, *kPodFields[i].as_double(p));
      else
        putVarint(out, *kPodFields[i].as_uint(p));
    }
    putVarint(out, pod.containers.size());
    for (const model::ContainerUsage& c : pod.containers) {
      putString(out, c.name);
      putDouble(out, c.usage.cpu_millicores);
      putVarint(out, c.usage.memory_working_set_bytes);
    }
  }
  return out;
}

TEST(ReportRecordV2, KeepsEveryServedFieldOfPodsAndContainers) {
  const model::Report report = testing::generateNodeReport(2, 30, 4321, 1'800'000'000'000);
  auto decoded = decodeReportRecord(encodeReportRecord(report));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  ASSERT_EQ(decoded->pods.size(), report.pods.size());
  for (size_t i = 0; i < report.pods.size(); ++i) {
    auto& want = const_cast<model::PodUsage&>(report.pods[i]);
    auto& got = decoded->pods[i];
    EXPECT_EQ(got.qos_class, want.qos_class);
    EXPECT_EQ(got.workload_kind, want.workload_kind);
    EXPECT_EQ(got.workload_name, want.workload_name);
    for (const auto& field : kPodFields) {
      if (field.as_double != nullptr)
        EXPECT_EQ(std::memcmp(field.as_double(got), field.as_double(want), sizeof(double)), 0) << i;
      else
        EXPECT_EQ(*field.as_uint(got), *field.as_uint(want)) << i;
    }
    ASSERT_EQ(got.containers.size(), want.containers.size());
    for (size_t c = 0; c < want.containers.size(); ++c) {
      EXPECT_EQ(got.containers[c].name, want.containers[c].name);
      for (const auto& field : kContainerFields) {
        if (field.as_double != nullptr)
          EXPECT_EQ(*field.as_double(got.containers[c]), *field.as_double(want.containers[c]));
        else
          EXPECT_EQ(*field.as_uint(got.containers[c]), *field.as_uint(want.containers[c]));
      }
    }
  }
  // The generator fills the new fields: the round trip above is not of zeros only.
  EXPECT_GT(report.pods[0].spec.cpu_request_millicores + report.pods[2].spec.cpu_request_millicores, 0U);
}

TEST(ReportRecordV2, AVersion1RecordStillDecodesWithTheNewFieldsAtZero) {
  const model::Report report = testing::generateNodeReport(1, 12, 99, 1'800'000'000'000);
  auto decoded = decodeReportRecord(encodeVersion1(report));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  ASSERT_EQ(decoded->pods.size(), report.pods.size());
  for (size_t i = 0; i < report.pods.size(); ++i) {
    const auto& got = decoded->pods[i];
    const auto& want = report.pods[i];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.usage.cpu_millicores, want.usage.cpu_millicores);
    EXPECT_EQ(got.spec.memory_limit_bytes, want.spec.memory_limit_bytes);
    EXPECT_EQ(got.spec.cpu_request_millicores, 0U) << "not in a version-1 record";
    EXPECT_EQ(got.restarts, 0U);
    EXPECT_TRUE(got.qos_class.empty());
    ASSERT_EQ(got.containers.size(), 1U);
    EXPECT_EQ(got.containers[0].usage.memory_working_set_bytes, want.containers[0].usage.memory_working_set_bytes);
    EXPECT_EQ(got.containers[0].usage.memory_rss_bytes, 0U);
  }
  auto truncated = encodeVersion1(report);
  truncated.pop_back();
  EXPECT_FALSE(decodeReportRecord(truncated).ok());
}

}  // namespace
}  // namespace kubemonitor::tsdb
