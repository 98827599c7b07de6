#include "server/object_json.h"

#include <optional>

#include "common/time_format.h"

namespace kubemonitor::server {
namespace {

using tsdb::ObjectKind;

// 100 × used / base, or nothing when there is no base (no request, no limit).
std::optional<double> percentOf(double used, uint64_t base) {
  if (base == 0) return std::nullopt;
  return used * 100.0 / static_cast<double>(base);
}

// An optional integer: a request or limit that is not set (0 in the stored values).
std::optional<uint64_t> ifSet(uint64_t value) { return value == 0 ? std::nullopt : std::optional(value); }

// Calls emit(name, value) for each field of `kind`, in wire order; a value is a double, an integer
// or an optional one (nullopt: absent from this object). One list for the writer and for the names
// `fields=` accepts, so the two cannot drift.
template <typename Emit>
void forEachField(ObjectKind kind, const tsdb::ObjectValues& v, bool in_series, Emit&& emit) {
  emit("cpu_millicores", v.cpu_millicores);
  emit("cpu_percent", tsdb::objectCpuPercent(kind, v));
  emit("memory_working_set_bytes", v.memory_working_set_bytes);
  emit("memory_rss_bytes", v.memory_rss_bytes);
  emit("memory_cache_bytes", v.memory_cache_bytes);
  emit("memory_percent", tsdb::objectMemoryPercent(kind, v));
  if (kind != ObjectKind::kContainer) {  // a container shares its pod's network namespace
    emit("network_rx_bytes_per_sec", v.network_rx_bytes_per_sec);
    emit("network_tx_bytes_per_sec", v.network_tx_bytes_per_sec);
    emit("network_rx_bytes", v.network_rx_bytes);
    emit("network_tx_bytes", v.network_tx_bytes);
  }
  emit("disk_read_bytes_per_sec", v.disk_read_bytes_per_sec);
  emit("disk_write_bytes_per_sec", v.disk_write_bytes_per_sec);
  emit("disk_read_bytes", v.disk_read_bytes);
  emit("disk_write_bytes", v.disk_write_bytes);
  if (!tsdb::hasPodLabels(kind)) emit("pod_count", v.pod_count);
  if (kind == ObjectKind::kNode) return;
  if (tsdb::hasPodLabels(kind)) {
    emit("cpu_request_millicores", ifSet(v.cpu_request_millicores));
    emit("cpu_limit_millicores", ifSet(v.cpu_limit_millicores));
    emit("memory_request_bytes", ifSet(v.memory_request_bytes));
    emit("memory_limit_bytes", ifSet(v.memory_limit_bytes));
    emit("cpu_percent_of_request", percentOf(v.cpu_millicores, v.cpu_request_millicores));
    emit("cpu_percent_of_limit", percentOf(v.cpu_millicores, v.cpu_limit_millicores));
    emit("memory_percent_of_request",
         percentOf(static_cast<double>(v.memory_working_set_bytes), v.memory_request_bytes));
    emit("memory_percent_of_limit", percentOf(static_cast<double>(v.memory_working_set_bytes), v.memory_limit_bytes));
    emit("cpu_throttled_periods_per_sec", v.cpu_throttled_periods_per_sec);
    emit("cpu_throttled_ratio", v.cpu_throttled_ratio);
    emit("cpu_throttled_seconds_per_sec", v.cpu_throttled_seconds_per_sec);
  } else {
    // Sums over the pods: a namespace's requests against its usage is what capacity planning
    // reads. Throttling ratios and pressure percentages do not add up, so they are not summed.
    emit("cpu_request_millicores", v.cpu_request_millicores);
    emit("cpu_limit_millicores", v.cpu_limit_millicores);
    emit("memory_request_bytes", v.memory_request_bytes);
    emit("memory_limit_bytes", v.memory_limit_bytes);
  }
  emit("oom_kills", v.oom_kills);
  if (in_series) emit("oom_kills_in_window", v.oom_kills_in_window);
  emit("restarts", v.restarts);
  if (!tsdb::hasPodLabels(kind)) return;
  emit("cpu_pressure_some_percent", v.cpu_pressure_some_percent);
  emit("memory_pressure_some_percent", v.memory_pressure_some_percent);
  emit("memory_pressure_full_percent", v.memory_pressure_full_percent);
  emit("io_pressure_some_percent", v.io_pressure_some_percent);
  emit("io_pressure_full_percent", v.io_pressure_full_percent);
}

template <typename T>
void writeValue(JsonWriter& writer, std::string_view name, const T& value) {
  writer.field(name, value);
}

template <typename T>
void writeValue(JsonWriter& writer, std::string_view name, const std::optional<T>& value) {
  if (value) writer.field(name, *value);
}

}  // namespace

void writeObjectValues(JsonWriter& writer, ObjectKind kind, const tsdb::ObjectValues& values, bool in_series,
                       const FieldSelection& selected) {
  forEachField(kind, values, in_series, [&](std::string_view name, const auto& value) {
    if (selected(name)) writeValue(writer, name, value);
  });
}

std::vector<std::string_view> objectPointFieldNames(ObjectKind kind) {
  std::vector<std::string_view> names;
  forEachField(kind, tsdb::ObjectValues{}, true, [&](std::string_view name, const auto&) { names.push_back(name); });
  return names;
}

void writeObjectFields(JsonWriter& writer, const tsdb::ObjectSample& sample) {
  const ObjectKind kind = sample.key.kind;
  if (kind == ObjectKind::kContainer) {
    const std::string_view series_name = sample.key.name;  // "<pod>/<container>"
    const size_t slash = series_name.find('/');
    writer.field("kind", tsdb::objectKindName(kind))
        .field("name", series_name.substr(slash + 1))
        .field("namespace", sample.key.namespace_name)
        .field("pod", series_name.substr(0, slash));
  } else {
    writer.field("kind", tsdb::objectKindName(kind)).field("name", sample.key.name);
    if (kind == ObjectKind::kPod || kind == ObjectKind::kDeployment) writer.field("namespace", sample.key.namespace_name);
  }
  if (tsdb::hasPodLabels(kind)) {
    writer.field("node", sample.node).field("deployment", sample.deployment).field("uid", sample.uid);
    writer.field("qos_class", sample.qos_class)
        .field("workload_kind", sample.workload_kind)
        .field("workload_name", sample.workload_name);
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
                       const std::vector<tsdb::ObjectSample>& points, const FieldSelection& selected) {
  writer.beginObject();
  writeObjectFields(writer, latest);
  writer.field("window", range.window_seconds);
  // A double, as for nodes: a sub-second agent interval gives a 0.5 s step.
  writer.field("step", static_cast<double>(range.step_ms) / 1000.0);
  writer.key("points").beginArray();
  // The selection resolved once per series, by field position (forEachField's order is fixed): a
  // name lookup per field and point was 6 % of a 1,000-pod fleet window.
  std::vector<uint8_t> chosen;
  forEachField(latest.key.kind, tsdb::ObjectValues{}, true,
               [&](std::string_view name, const auto&) { chosen.push_back(selected(name) ? 1 : 0); });
  for (const auto& point : points) {
    writer.beginObject().field("timestamp", formatRfc3339(point.timestamp_ms));
    size_t position = 0;
    forEachField(latest.key.kind, point.values, true, [&](std::string_view name, const auto& value) {
      if (chosen[position++] != 0) writeValue(writer, name, value);
    });
    writer.endObject();
  }
  writer.endArray();
  writer.endObject();
}

}  // namespace kubemonitor::server
