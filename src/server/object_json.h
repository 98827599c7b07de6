#pragma once
// The pod, namespace and deployment objects of DESIGN §3 (kind, identity, labels, timestamp and
// usage fields), written through JsonWriter straight into the answer: lists of 10,000 pods build
// no DOM.

#include <vector>

#include "common/json_writer.h"
#include "server/series_params.h"
#include "tsdb/storage.h"

namespace kubemonitor::server {

// The usage fields (cpu_millicores … disk_write_bytes, cpu_percent, memory_percent, and pod_count
// for nodes, namespaces and deployments) into the object the writer is in.
void writeObjectValues(JsonWriter& writer, tsdb::ObjectKind kind, const tsdb::ObjectValues& values);
// kind, name, namespace (pods, deployments), node, deployment and uid (pods), timestamp, values.
void writeObjectFields(JsonWriter& writer, const tsdb::ObjectSample& sample);
// {"kind":"pod",...}
void writeObject(JsonWriter& writer, const tsdb::ObjectSample& sample);
// {"items":[...]}
void writeObjectList(JsonWriter& writer, const std::vector<tsdb::ObjectSample>& samples);
// The object plus "window" (s), "step" (s) and "points":[{timestamp, usage fields}].
void writeObjectSeries(JsonWriter& writer, const tsdb::ObjectSample& latest, const SeriesRange& range,
                       const std::vector<tsdb::ObjectSample>& points);

}  // namespace kubemonitor::server
