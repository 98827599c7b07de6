#pragma once
// The node, pod, container, namespace and deployment objects of DESIGN §3 (kind, identity, labels,
// timestamp and usage fields), written through JsonWriter straight into the answer: lists of
// 10,000 pods build no DOM.

#include <string_view>
#include <vector>

#include "common/field_selection.h"
#include "common/json_writer.h"
#include "server/series_params.h"
#include "tsdb/storage.h"

namespace kubemonitor::server {

// The usage fields of `kind` into the object the writer is in: cpu_millicores … disk_write_bytes,
// cpu_percent, memory_percent; pod_count for nodes, namespaces and deployments; for pods and
// containers requests, limits, percent of each, throttling, OOM kills, restarts and pressure (a
// request or limit that does not exist, and a percentage of it, are absent, not 0); for
// namespaces and deployments the sums of requests, limits, OOM kills and restarts. `in_series`
// adds oom_kills_in_window (a series point); `selected` keeps only the named fields.
void writeObjectValues(JsonWriter& writer, tsdb::ObjectKind kind, const tsdb::ObjectValues& values,
                       bool in_series = false, const FieldSelection& selected = {});
// Every name writeObjectValues may write for a point of `kind` (what `fields=` may name).
std::vector<std::string_view> objectPointFieldNames(tsdb::ObjectKind kind);
// kind, name, namespace, node, deployment, uid, qos_class, workload_kind, workload_name (pods;
// containers add pod), timestamp, values.
void writeObjectFields(JsonWriter& writer, const tsdb::ObjectSample& sample);
// {"kind":"pod",...}
void writeObject(JsonWriter& writer, const tsdb::ObjectSample& sample);
// {"items":[...]}
void writeObjectList(JsonWriter& writer, const std::vector<tsdb::ObjectSample>& samples);
// The object plus "window" (s), "step" (s) and "points":[{timestamp, selected usage fields}].
void writeObjectSeries(JsonWriter& writer, const tsdb::ObjectSample& latest, const SeriesRange& range,
                       const std::vector<tsdb::ObjectSample>& points, const FieldSelection& selected = {});

}  // namespace kubemonitor::server
