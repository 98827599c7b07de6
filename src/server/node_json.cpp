#include "server/node_json.h"

#include "common/time_format.h"
#include "model/report_json.h"

namespace kubemonitor::server {

void writeNodeFields(JsonWriter& writer, const tsdb::NodeSample& sample) {
  writer.field("kind", "node").field("name", sample.node).field("timestamp", formatRfc3339(sample.timestamp_ms));
  model::writeNodeUsageFields(writer, sample.usage);
  writer.field("pod_count", sample.pod_count);
}

void writeNodeObject(JsonWriter& writer, const tsdb::NodeSample& sample) {
  writer.beginObject();
  writeNodeFields(writer, sample);
  writer.endObject();
}

std::vector<std::string_view> nodePointFieldNames() {
  std::vector<std::string_view> names = model::nodeUsageFieldNames();
  names.push_back("pod_count");
  return names;
}

void writeNodeSeries(JsonWriter& writer, const tsdb::NodeSample& latest, const SeriesRange& range,
                     const std::vector<tsdb::NodeSample>& points, const FieldSelection& selected) {
  writer.beginObject();
  writeNodeFields(writer, latest);
  writer.field("window", range.window_seconds);
  // A double, since a report interval below one second (a 500 ms agent) gives a 0.5 s step.
  writer.field("step", static_cast<double>(range.step_ms) / 1000.0);
  writer.key("points").beginArray();
  for (const auto& point : points) {
    writer.beginObject().field("timestamp", formatRfc3339(point.timestamp_ms));
    model::writeNodeUsageFields(writer, point.usage, selected);
    if (selected("pod_count")) writer.field("pod_count", point.pod_count);
    writer.endObject();
  }
  writer.endArray();
  writer.endObject();
}

}  // namespace kubemonitor::server
