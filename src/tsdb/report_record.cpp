#include "tsdb/report_record.h"

#include <array>
#include <limits>
#include <variant>

#include "tsdb/bit_stream.h"
#include "tsdb/byte_codec.h"
#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb {
namespace {

using internal::kNodeFields;
using internal::kPodFields;
using model::ContainerUsage;
using model::NodeUsage;
using model::PodUsage;

constexpr size_t kMaxNameBytes = 4096;  // longer than any Kubernetes name or UID

Error corrupt(std::string message) {
  return makeError(ErrorCode::kParse, "corrupt report record: " + std::move(message));
}

// Writes the fields of a (pod or container) accessor table: doubles 8 bytes LE, integers varints.
template <typename Fields, typename T>
void putFields(std::vector<uint8_t>& out, const Fields& table, const T& object) {
  auto& mutable_object = const_cast<T&>(object);  // the accessors only read here
  for (const auto& field : table) {
    if (field.as_double != nullptr) {
      putDouble(out, *field.as_double(mutable_object));
    } else {
      putVarint(out, *field.as_uint(mutable_object));
    }
  }
}

// Reads the first `count` fields of an accessor table into `object`.
template <typename Fields, typename T>
Status readFields(ByteCursor& in, const Fields& table, size_t count, T& object, const char* what) {
  for (size_t i = 0; i < count; ++i) {
    const auto& field = table[i];
    if (field.as_double != nullptr) {
      auto v = in.float64(what);
      if (!v) return v.error();
      *field.as_double(object) = *v;
    } else {
      auto v = in.varint(what);
      if (!v) return v.error();
      *field.as_uint(object) = *v;
    }
  }
  return {};
}

}  // namespace

std::vector<uint8_t> encodeReportRecord(const model::Report& report) {
  std::vector<uint8_t> out;
  out.reserve(64 + report.pods.size() * 256);
  out.push_back(kReportRecordVersion);
  putString(out, report.node);
  putVarint(out, zigzagEncode(report.timestamp_ms));
  putVarint(out, zigzagEncode(report.interval_ms));
  for (const auto& member : kNodeFields) {
    std::visit(
        [&](auto m) {
          if constexpr (std::is_same_v<decltype(m), double NodeUsage::*>) {
            putDouble(out, report.node_usage.*m);
          } else {
            putVarint(out, report.node_usage.*m);
          }
        },
        member);
  }
  putVarint(out, report.pods.size());
  for (const PodUsage& pod : report.pods) {
    putString(out, pod.uid);
    putString(out, pod.name);
    putString(out, pod.namespace_name);
    putString(out, pod.deployment);
    for (const auto label : internal::kPodLabelsV2) putString(out, pod.*label);
    putFields(out, kPodFields, pod);
    putVarint(out, pod.containers.size());
    for (const ContainerUsage& c : pod.containers) {
      putString(out, c.name);
      putFields(out, internal::kContainerFields, c);
    }
  }
  return out;
}

Result<ReportRecordKey> peekReportRecord(std::span<const uint8_t> bytes) {
  ByteCursor in(bytes, "report record");
  auto version = in.byte("version");
  if (!version) return version.error();
  if (*version != kReportRecordVersion) return corrupt("unknown version " + std::to_string(*version));
  auto length = in.varint("node length");
  if (!length) return length.error();
  if (*length > kMaxNameBytes) return corrupt("node name too long");
  auto node = in.bytes("node", static_cast<size_t>(*length));
  if (!node) return node.error();
  auto ts = in.varint("timestamp");
  if (!ts) return ts.error();
  return ReportRecordKey{std::string_view(reinterpret_cast<const char*>(node->data()), node->size()),
                         zigzagDecode(*ts)};
}

Result<model::Report> decodeReportRecord(std::span<const uint8_t> bytes) {
  ByteCursor in(bytes, "report record");
  auto version = in.byte("version");
  if (!version) return version.error();
  if (*version != 1 && *version != kReportRecordVersion) return corrupt("unknown version " + std::to_string(*version));
  const bool v1 = *version == 1;  // a WAL written before issue 14: fewer fields, the rest stay 0
  const size_t pod_fields = v1 ? internal::kPodFieldsV1 : kPodFields.size();
  const size_t container_fields = v1 ? internal::kContainerFieldsV1 : internal::kContainerFields.size();
  model::Report report;
  auto node = in.string("node", kMaxNameBytes);
  if (!node) return node.error();
  report.node = std::move(*node);
  auto ts = in.varint("timestamp");
  if (!ts) return ts.error();
  report.timestamp_ms = zigzagDecode(*ts);
  auto interval = in.varint("interval");
  if (!interval) return interval.error();
  report.interval_ms = zigzagDecode(*interval);
  for (const auto& member : kNodeFields) {
    Status status;
    std::visit(
        [&](auto m) {
          using T = std::remove_reference_t<decltype(report.node_usage.*m)>;
          if constexpr (std::is_same_v<T, double>) {
            auto v = in.float64("node field");
            if (v)
              report.node_usage.*m = *v;
            else
              status = v.error();
          } else {
            auto v = in.varint("node field");
            if (!v) {
              status = v.error();
            } else if (*v > std::numeric_limits<T>::max()) {
              status = corrupt("node field out of range");
            } else {
              report.node_usage.*m = static_cast<T>(*v);
            }
          }
        },
        member);
    if (!status) return status.error();
  }
  auto pod_count = in.varint("pod count");
  if (!pod_count) return pod_count.error();
  // Each pod takes at least 4 string lengths, its fields and a container count: bounds the reserve.
  if (*pod_count > in.remaining() / 20)
    return corrupt("pod count " + std::to_string(*pod_count) + " exceeds the record");
  report.pods.resize(*pod_count);
  for (PodUsage& pod : report.pods) {
    for (std::string* text : {&pod.uid, &pod.name, &pod.namespace_name, &pod.deployment}) {
      auto s = in.string("pod label", kMaxNameBytes);
      if (!s) return s.error();
      *text = std::move(*s);
    }
    if (!v1) {
      for (const auto label : internal::kPodLabelsV2) {
        auto s = in.string("pod label", kMaxNameBytes);
        if (!s) return s.error();
        pod.*label = std::move(*s);
      }
    }
    if (auto read = readFields(in, kPodFields, pod_fields, pod, "pod field"); !read) return read.error();
    auto containers = in.varint("container count");
    if (!containers) return containers.error();
    if (*containers > in.remaining() / 10) return corrupt("container count exceeds the record");
    pod.containers.resize(*containers);
    for (ContainerUsage& c : pod.containers) {
      auto name = in.string("container name", kMaxNameBytes);
      if (!name) return name.error();
      c.name = std::move(*name);
      if (auto read = readFields(in, internal::kContainerFields, container_fields, c, "container field"); !read)
        return read.error();
    }
  }
  if (in.remaining() != 0) return corrupt(std::to_string(in.remaining()) + " stray bytes after the last pod");
  return report;
}

}  // namespace kubemonitor::tsdb
