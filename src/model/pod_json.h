#pragma once
// The "pods" array of a report ⇄ PodUsage. Internal to the model module: report_json.cpp calls
// it; the wire format is documented in docs/report-format.md.

#include <simdjson.h>

#include <vector>

#include "common/json_writer.h"
#include "common/result.h"
#include "model/report.h"

namespace kubemonitor::model {

// Writes one pod object (with its containers), including the derived cpu_percent and
// memory_percent, which need the node's capacity.
void writePod(JsonWriter& writer, const PodUsage& pod, const NodeUsage& node);

// Decodes the "pods" array. Every usage field is required; strings other than "uid" may be empty
// (an agent without API access knows pods only by UID). Errors name the field and the pod index.
Status decodePods(simdjson::dom::element value, std::vector<PodUsage>& pods);

}  // namespace kubemonitor::model
