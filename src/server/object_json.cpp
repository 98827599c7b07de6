#include "server/object_json.h"

#include "common/time_format.h"

namespace kubemonitor::server {

using tsdb::ObjectKind;

void writeObjectValues(JsonWriter& writer, ObjectKind kind, const tsdb::ObjectValues& v) {
  writer.field("cpu_millicores", v.cpu_millicores)
      .field("cpu_percent", tsdb::objectCpuPercent(kind, v))
      .field("memory_working_set_bytes", v.memory_working_set_bytes)
      .field("memory_rss_bytes", v.memory_rss_bytes)
      .field("memory_cache_bytes", v.memory_cache_bytes)
      .field("memory_percent", tsdb::objectMemoryPercent(kind, v))
      .field("network_rx_bytes_per_sec", v.network_rx_bytes_per_sec)
      .field("network_tx_bytes_per_sec", v.network_tx_bytes_per_sec)
      .field("network_rx_bytes", v.network_rx_bytes)
      .field("network_tx_bytes", v.network_tx_bytes)
      .field("disk_read_bytes_per_sec", v.disk_read_bytes_per_sec)
      .field("disk_write_bytes_per_sec", v.disk_write_bytes_per_sec)
      .field("disk_read_bytes", v.disk_read_bytes)
      .field("disk_write_bytes", v.disk_write_bytes);
  if (kind != ObjectKind::kPod) writer.field("pod_count", v.pod_count);
}

void writeObjectFields(JsonWriter& writer, const tsdb::ObjectSample& sample) {
  const ObjectKind kind = sample.key.kind;
  writer.field("kind", tsdb::objectKindName(kind)).field("name", sample.key.name);
  if (kind == ObjectKind::kPod || kind == ObjectKind::kDeployment) writer.field("namespace", sample.key.namespace_name);
  if (kind == ObjectKind::kPod) {
    writer.field("node", sample.node).field("deployment", sample.deployment).field("uid", sample.uid);
  }
  writer.field("timestamp", formatRfc3339(sample.timestamp_ms));
  writeObjectValues(writer, kind, sample.values);
}

void writeObject(JsonWriter& writer, const tsdb::ObjectSample& sample) {
  writer.beginObject();
  writeObjectFields(writer, sample);
  writer.endObject();
}

void writeObjectList(JsonWriter& writer, const std::vector<tsdb::ObjectSample>& samples) {
  writer.beginObject().key("items").beginArray();
  for (const auto& sample : samples) writeObject(writer, sample);
  writer.endArray().endObject();
}

void writeObjectSeries(JsonWriter& writer, const tsdb::ObjectSample& latest, const SeriesRange& range,
                       const std::vector<tsdb::ObjectSample>& points) {
  writer.beginObject();
  writeObjectFields(writer, latest);
  writer.field("window", range.window_seconds);
  // A double, as for nodes: a sub-second agent interval gives a 0.5 s step.
  writer.field("step", static_cast<double>(range.step_ms) / 1000.0);
  writer.key("points").beginArray();
  for (const auto& point : points) {
    writer.beginObject().field("timestamp", formatRfc3339(point.timestamp_ms));
    writeObjectValues(writer, latest.key.kind, point.values);
    writer.endObject();
  }
  writer.endArray();
  writer.endObject();
}

}  // namespace kubemonitor::server
