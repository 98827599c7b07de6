#pragma once
// The binary form of a report that the embedded engine logs (one WAL record per ingest) and packs
// into block files. It holds exactly what Storage serves — the node's whole usage, each pod's
// identity, labels and the fields podValues() reads, each container's CPU and working set — and
// drops the rest of the wire report (PSI, packet counters, requests …), which no query reads.
//
// Layout: version (1 byte) · node (string) · timestamp (zigzag varint, ms) · interval (varint, ms)
// · node usage fields (table order; doubles 8 bytes LE, integers varints) · pod count (varint) ·
// per pod: uid, name, namespace, deployment (strings), its fields (table order), container count,
// per container: name, cpu_millicores (8 bytes), memory_working_set_bytes (varint).
// Strings are a varint length then bytes. The WAL and the block files add their own checksums.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/report.h"

namespace kubemonitor::tsdb {

inline constexpr uint8_t kReportRecordVersion = 1;

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
