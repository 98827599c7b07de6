#include "model/report_json.h"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <variant>

#include "common/time_format.h"

namespace kubemonitor::model {
namespace {

// One table of NodeUsage fields drives both directions, so encoder and decoder cannot drift.
using UsageMember = std::variant<double NodeUsage::*, uint64_t NodeUsage::*, uint32_t NodeUsage::*>;
struct UsageField {
  std::string_view name;
  UsageMember member;
};

constexpr std::array<UsageField, 20> kUsageFields{{
    {"cpu_millicores", &NodeUsage::cpu_millicores},
    {"cpu_capacity_millicores", &NodeUsage::cpu_capacity_millicores},
    {"cpu_count", &NodeUsage::cpu_count},
    {"memory_capacity_bytes", &NodeUsage::memory_capacity_bytes},
    {"memory_working_set_bytes", &NodeUsage::memory_working_set_bytes},
    {"memory_used_bytes", &NodeUsage::memory_used_bytes},
    {"memory_rss_bytes", &NodeUsage::memory_rss_bytes},
    {"memory_cache_bytes", &NodeUsage::memory_cache_bytes},
    {"memory_buffers_bytes", &NodeUsage::memory_buffers_bytes},
    {"network_rx_bytes", &NodeUsage::network_rx_bytes},
    {"network_tx_bytes", &NodeUsage::network_tx_bytes},
    {"network_rx_bytes_per_sec", &NodeUsage::network_rx_bytes_per_sec},
    {"network_tx_bytes_per_sec", &NodeUsage::network_tx_bytes_per_sec},
    {"disk_read_bytes", &NodeUsage::disk_read_bytes},
    {"disk_write_bytes", &NodeUsage::disk_write_bytes},
    {"disk_read_bytes_per_sec", &NodeUsage::disk_read_bytes_per_sec},
    {"disk_write_bytes_per_sec", &NodeUsage::disk_write_bytes_per_sec},
    {"filesystem_capacity_bytes", &NodeUsage::filesystem_capacity_bytes},
    {"filesystem_used_bytes", &NodeUsage::filesystem_used_bytes},
    {"uptime_seconds", &NodeUsage::uptime_seconds},
}};

const UsageField* findUsageField(std::string_view name) {
  for (const auto& field : kUsageFields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

Error fieldError(std::string_view field, std::string_view what) {
  return makeError(ErrorCode::kParse, std::string(what), std::string(field));
}

Status decodeUsageValue(const UsageField& field, simdjson::dom::element value, NodeUsage& usage) {
  if (auto* as_double = std::get_if<double NodeUsage::*>(&field.member)) {
    double v = 0;
    if (value.get_double().get(v) || !std::isfinite(v) || v < 0) {
      return fieldError(field.name, "expected a finite number ≥ 0");
    }
    usage.*(*as_double) = v;
    return {};
  }
  uint64_t v = 0;
  if (value.get_uint64().get(v)) return fieldError(field.name, "expected an integer ≥ 0");
  if (auto* as_u64 = std::get_if<uint64_t NodeUsage::*>(&field.member)) {
    usage.*(*as_u64) = v;
  } else {
    if (v > UINT32_MAX) return fieldError(field.name, "integer out of range");
    usage.*std::get<uint32_t NodeUsage::*>(field.member) = static_cast<uint32_t>(v);
  }
  return {};
}

Status decodeUsage(simdjson::dom::element value, NodeUsage& usage) {
  simdjson::dom::object object;
  if (value.get_object().get(object)) return fieldError("node_metrics", "expected an object");
  uint32_t seen = 0;  // bit i set once kUsageFields[i] was read
  for (auto [key, member] : object) {
    const UsageField* field = findUsageField(key);
    if (field == nullptr) continue;  // derived (cpu_percent) or from a newer agent
    if (auto status = decodeUsageValue(*field, member, usage); !status) return status;
    seen |= 1U << (field - kUsageFields.data());
  }
  for (size_t i = 0; i < kUsageFields.size(); ++i) {
    if ((seen & (1U << i)) == 0) return fieldError(kUsageFields[i].name, "missing field");
  }
  if (usage.cpu_capacity_millicores == 0) return fieldError("cpu_capacity_millicores", "must be > 0");
  if (usage.memory_capacity_bytes == 0) return fieldError("memory_capacity_bytes", "must be > 0");
  return {};
}

// Node names are DNS subdomains (RFC 1123): ≤ 253 characters of [a-z0-9.-]; we also accept
// upper case because some clusters register hostnames verbatim.
bool validNodeName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<Report> decodeDocument(simdjson::dom::element doc) {
  simdjson::dom::object object;
  if (doc.get_object().get(object)) return makeError(ErrorCode::kParse, "report must be a JSON object");
  Report report;
  bool have_node = false, have_timestamp = false, have_usage = false;
  report.schema = 0;
  for (auto [key, member] : object) {
    if (key == "schema") {
      int64_t schema = 0;
      if (member.get_int64().get(schema)) return fieldError("schema", "expected an integer");
      report.schema = static_cast<int>(schema);
    } else if (key == "node") {
      std::string_view node;
      if (member.get_string().get(node)) return fieldError("node", "expected a string");
      if (!validNodeName(node)) return fieldError("node", "not a valid node name");
      report.node = std::string(node);
      have_node = true;
    } else if (key == "timestamp") {
      std::string_view text;
      if (member.get_string().get(text)) return fieldError("timestamp", "expected an RFC 3339 string");
      auto ms = parseRfc3339(text);
      if (!ms) return fieldError("timestamp", ms.error().message);
      report.timestamp_ms = *ms;
      have_timestamp = true;
    } else if (key == "interval_seconds") {
      double seconds = 0;
      if (member.get_double().get(seconds) || !(seconds > 0 && seconds <= 3600)) {
        return fieldError("interval_seconds", "expected a number in (0, 3600]");
      }
      report.interval_ms = std::llround(seconds * 1000);
    } else if (key == "node_metrics") {
      if (auto status = decodeUsage(member, report.node_usage); !status) return status.error();
      have_usage = true;
    }
  }
  if (report.schema != kReportSchemaVersion) {
    return fieldError("schema", "unsupported report schema " + std::to_string(report.schema) + " (server speaks " +
                                    std::to_string(kReportSchemaVersion) + ")");
  }
  if (!have_node) return fieldError("node", "missing field");
  if (!have_timestamp) return fieldError("timestamp", "missing field");
  if (report.interval_ms == 0) return fieldError("interval_seconds", "missing field");
  if (!have_usage) return fieldError("node_metrics", "missing field");
  return report;
}

}  // namespace

void writeNodeUsageFields(JsonWriter& writer, const NodeUsage& usage) {
  for (const auto& field : kUsageFields) {
    writer.key(field.name);
    std::visit([&](auto member) { writer.number(usage.*member); }, field.member);
  }
  writer.field("cpu_percent", cpuPercent(usage));
  writer.field("memory_percent", memoryPercent(usage));
}

std::string encodeReport(const Report& report) {
  std::string out;
  out.reserve(1024);
  JsonWriter writer(out);
  writer.beginObject()
      .field("schema", report.schema)
      .field("node", report.node)
      .field("timestamp", formatRfc3339(report.timestamp_ms))
      .field("interval_seconds", static_cast<double>(report.interval_ms) / 1000.0);
  writer.key("node_metrics").beginObject();
  writeNodeUsageFields(writer, report.node_usage);
  writer.endObject();
  writer.endObject();
  return out;
}

Result<Report> decodeReport(std::string_view json) {
  // One parser per thread: simdjson parsers keep their buffers between documents. The DOM API
  // validates the whole document (trailing garbage included) and picks the widest SIMD kernel the
  // CPU has at run time; the on-demand API is fixed at compile time to the scalar fallback here.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto error = parser.parse(json.data(), json.size(), true).get(doc)) {
    return makeError(ErrorCode::kParse, std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  return decodeDocument(doc);
}

}  // namespace kubemonitor::model
