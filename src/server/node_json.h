#pragma once
// The node object of DESIGN §3 ("kind":"node", name, timestamp, usage fields), written through
// JsonWriter straight into the answer.

#include <string_view>
#include <vector>

#include "common/field_selection.h"
#include "common/json_writer.h"
#include "server/series_params.h"
#include "tsdb/storage.h"

namespace kubemonitor::server {

// The fields of a node object, into the object the writer is in.
void writeNodeFields(JsonWriter& writer, const tsdb::NodeSample& sample);
// {"kind":"node",...}
void writeNodeObject(JsonWriter& writer, const tsdb::NodeSample& sample);
// The node object plus "window" (s), "step" (s) and "points":[{timestamp, selected usage fields}].
void writeNodeSeries(JsonWriter& writer, const tsdb::NodeSample& latest, const SeriesRange& range,
                     const std::vector<tsdb::NodeSample>& points, const FieldSelection& selected = {});
// Every name a node's series point may carry (what `fields=` may name).
std::vector<std::string_view> nodePointFieldNames();

}  // namespace kubemonitor::server
