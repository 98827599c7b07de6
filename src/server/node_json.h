#pragma once
// The node object of DESIGN §3 ("kind":"node", name, timestamp, usage fields), written through
// JsonWriter straight into the answer.

#include "common/json_writer.h"
#include "server/series_params.h"
#include "tsdb/storage.h"

namespace kubemonitor::server {

// The fields of a node object, into the object the writer is in.
void writeNodeFields(JsonWriter& writer, const tsdb::NodeSample& sample);
// {"kind":"node",...}
void writeNodeObject(JsonWriter& writer, const tsdb::NodeSample& sample);
// The node object plus "window" (s), "step" (s) and "points":[{timestamp, usage fields}].
void writeNodeSeries(JsonWriter& writer, const tsdb::NodeSample& latest, const SeriesRange& range,
                     const std::vector<tsdb::NodeSample>& points);

}  // namespace kubemonitor::server
