#include "model/report_json.h"

#include <simdjson.h>

#include <cmath>

#include "common/time_format.h"
#include "model/pod_json.h"
#include "model/usage_fields.h"

namespace kubemonitor::model {
namespace {

using fields::fieldError;

Status decodeUsage(simdjson::dom::element value, NodeUsage& usage) {
  simdjson::dom::object object;
  if (value.get_object().get(object)) return fieldError("node_metrics", "expected an object");
  fields::SeenFields<fields::kNodeUsage.size()> seen;
  for (auto [key, member] : object) {
    bool matched = false;  // unknown keys are derived (cpu_percent) or from a newer agent
    if (auto status = fields::decodeIfField(fields::kNodeUsage, key, member, usage, seen, matched); !status) {
      return status;
    }
  }
  if (auto status = seen.requireAll(fields::kNodeUsage); !status) return status;
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
      if (member.get_double().get(seconds) || !(seconds > 0 && seconds * 1000 <= kMaxReportIntervalMs)) {
        return fieldError("interval_seconds", "expected a number in (0, 3600]");
      }
      report.interval_ms = std::llround(seconds * 1000);
    } else if (key == "node_metrics") {
      if (auto status = decodeUsage(member, report.node_usage); !status) return status.error();
      have_usage = true;
    } else if (key == "pods") {
      if (auto status = decodePods(member, report.pods); !status) return status.error();
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

void writeNodeUsageFields(JsonWriter& writer, const NodeUsage& usage, const FieldSelection& selected) {
  fields::writeFields(writer, fields::kNodeUsage, usage, selected);
  if (selected("cpu_percent")) writer.field("cpu_percent", cpuPercent(usage));
  if (selected("memory_percent")) writer.field("memory_percent", memoryPercent(usage));
}

std::vector<std::string_view> nodeUsageFieldNames() {
  std::vector<std::string_view> names;
  for (const auto& field : fields::kNodeUsage) names.push_back(field.name);
  names.push_back("cpu_percent");
  names.push_back("memory_percent");
  return names;
}

std::string encodeReport(const Report& report) {
  std::string out;
  out.reserve(1024 + report.pods.size() * 2048);
  JsonWriter writer(out);
  writer.beginObject()
      .field("schema", report.schema)
      .field("node", report.node)
      .field("timestamp", formatRfc3339(report.timestamp_ms))
      .field("interval_seconds", static_cast<double>(report.interval_ms) / 1000.0);
  writer.key("node_metrics").beginObject();
  writeNodeUsageFields(writer, report.node_usage);
  writer.endObject();
  writer.key("pods").beginArray();
  for (const auto& pod : report.pods) writePod(writer, pod, report.node_usage);
  writer.endArray();
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
