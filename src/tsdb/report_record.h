#pragma once
// The binary form of a report that the embedded engine logs (one WAL record per ingest) and packs
// into block files. It holds exactly what Storage serves — the node's whole usage, each pod's
// identity, labels and the fields podValues() reads, each container's fields (report_fields.h) —
// and drops the rest of the wire report (packet counters, raw CFS counters …), which no query reads.
//
// Layout: version (1 byte) · node (string) · timestamp (zigzag varint, ms) · interval (varint, ms)
// · node usage fields (table order; doubles 8 bytes LE, integers varints) · pod count (varint) ·
// per pod: uid, name, namespace, deployment, qos_class, workload_kind, workload_name (strings), its
// fields (kPodFields order), container count, per container: name, its fields (kContainerFields).
// Strings are a varint length then bytes. The WAL and the block files add their own checksums.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/report.h"

namespace kubemonitor::tsdb {

// 2 (issue 14): pod labels qos_class, workload_kind, workload_name, the fields of
// report_fields.h's kPodFields and kContainerFields whole. Version 1 (15 pod fields, container CPU
// and working set) is still read: a WAL written by an older server replays.
inline constexpr uint8_t kReportRecordVersion = 2;

std::vector<uint8_t> encodeReportRecord(const model::Report& report);
// kParse / kTruncated for anything malformed (never a crash; allocation bounded by the input).
Result<model::Report> decodeReportRecord(std::span<const uint8_t> bytes);

// The node and timestamp of a record, read without decoding the rest (a checkpoint groups the WAL's
// records by node before it decodes them). `node` views into `bytes`.
struct ReportRecordKey {
  std::string_view node;
  int64_t timestamp_ms = 0;
};
Result<ReportRecordKey> peekReportRecord(std::span<const uint8_t> bytes);

}  // namespace kubemonitor::tsdb
