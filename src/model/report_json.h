#pragma once
// Report ⇄ JSON. Encoding streams through JsonWriter; decoding uses simdjson's on-demand parser
// and validates every field, so that the server never stores a half-understood report.

#include <string>
#include <string_view>
#include <vector>

#include "common/field_selection.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "model/report.h"

namespace kubemonitor::model {

std::string encodeReport(const Report& report);

// Writes the usage fields of DESIGN §3 (cpu_millicores … uptime_seconds, cpu_percent,
// memory_percent) into the object the writer is in.
// `selected`: only those (a series point's `fields=`).
void writeNodeUsageFields(JsonWriter& writer, const NodeUsage& usage, const FieldSelection& selected = {});
// The names writeNodeUsageFields writes, in order (what `fields=` may name for a node).
std::vector<std::string_view> nodeUsageFieldNames();

// Strict: unknown fields are ignored (newer agents), missing or out-of-range ones are kParse errors
// naming the field.
Result<Report> decodeReport(std::string_view json);

}  // namespace kubemonitor::model
