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
using internal::PodField;
using model::ContainerUsage;
using model::NodeUsage;
using model::PodUsage;

constexpr size_t kMaxNameBytes = 4096;  // longer than any Kubernetes name or UID

Error corrupt(std::string message) {
  return makeError(ErrorCode::kParse, "corrupt report record: " + std::move(message));
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
    auto& mutable_pod = const_cast<PodUsage&>(pod);  // the accessors only read here
    for (const PodField& field : kPodFields) {
      if (field.as_double != nullptr) {
        putDouble(out, *field.as_double(mutable_pod));
      } else {
        putVarint(out, *field.as_uint(mutable_pod));
      }
    }
    putVarint(out, pod.containers.size());
    for (const ContainerUsage& c : pod.containers) {
      putString(out, c.name);
      putDouble(out, c.usage.cpu_millicores);
      putVarint(out, c.usage.memory_working_set_bytes);
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
  if (*version != kReportRecordVersion) return corrupt("unknown version " + std::to_string(*version));
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
    for (const PodField& field : kPodFields) {
      if (field.as_double != nullptr) {
        auto v = in.float64("pod field");
        if (!v) return v.error();
        *field.as_double(pod) = *v;
      } else {
        auto v = in.varint("pod field");
        if (!v) return v.error();
        *field.as_uint(pod) = *v;
      }
    }
    auto containers = in.varint("container count");
    if (!containers) return containers.error();
    if (*containers > in.remaining() / 10) return corrupt("container count exceeds the record");
    pod.containers.resize(*containers);
    for (ContainerUsage& c : pod.containers) {
      auto name = in.string("container name", kMaxNameBytes);
      if (!name) return name.error();
      c.name = std::move(*name);
      auto cpu = in.float64("container cpu");
      if (!cpu) return cpu.error();
      c.usage.cpu_millicores = *cpu;
      auto ws = in.varint("container memory");
      if (!ws) return ws.error();
      c.usage.memory_working_set_bytes = *ws;
    }
  }
  if (in.remaining() != 0) return corrupt(std::to_string(in.remaining()) + " stray bytes after the last pod");
  return report;
}

}  // namespace kubemonitor::tsdb
