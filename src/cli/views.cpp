#include "cli/views.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <tuple>

#include "cli/units.h"

namespace kubemonitor::cli {
namespace {

// Trend columns are this many cells wide at most (a point per cell below that).
constexpr size_t kSparklineWidth = 20;

std::optional<double> sumOfPresent(const JsonValue& object, const char* a, const char* b) {
  const auto x = object.number(a);
  const auto y = object.number(b);
  if (!x && !y) return std::nullopt;
  return x.value_or(0) + y.value_or(0);
}

bool hasPodLabels(ObjectKind kind) { return kind == ObjectKind::kPod || kind == ObjectKind::kContainer; }

using CellFn = std::function<Cell(const JsonValue&)>;

struct ColumnSpec {
  TableColumn column;
  CellFn cell;
};

Cell text(const JsonValue& item, const char* key) {
  std::string value = item.text(key);
  return Cell{value.empty() ? std::string(kAbsent) : value};
}

Cell formatted(std::optional<double> value, std::string (*format)(double)) {
  if (!value) return Cell{kAbsent, Tone::kDim};
  return Cell{format(*value)};
}

// "250m (48%)": a request or limit with the usage's share of it; "-" when it does not exist.
// The share is the server's field when it sends one, else usage / base (namespaces and
// deployments carry summed requests without percentages).
Cell withShare(const JsonValue& item, const char* base_key, const char* percent_key, const char* usage_key,
               std::string (*format)(double)) {
  const auto base = item.number(base_key);
  if (!base || *base <= 0) return Cell{kAbsent, Tone::kDim};
  std::optional<double> percent = item.number(percent_key);
  if (!percent) {
    if (auto usage = item.number(usage_key)) percent = *usage * 100.0 / *base;
  }
  if (!percent) return Cell{format(*base)};
  return Cell{format(*base) + " (" + formatPercent(*percent) + ")", percentTone(*percent)};
}

Cell percentCell(std::optional<double> percent) {
  if (!percent) return Cell{kAbsent, Tone::kDim};
  return Cell{formatPercent(*percent), percentTone(*percent)};
}

// A count shown only where it is non-zero, so that a restart stands out.
Cell countCell(std::optional<double> count) {
  if (!count) return Cell{kAbsent, Tone::kDim};
  return Cell{formatCount(*count), *count > 0 ? Tone::kWarning : Tone::kPlain};
}

ColumnSpec textColumn(const char* header, const char* key) {
  return {{header, false}, [key](const JsonValue& item) { return text(item, key); }};
}

ColumnSpec valueColumn(const char* header, const char* key, std::string (*format)(double)) {
  return {{header, true}, [key, format](const JsonValue& item) { return formatted(item.number(key), format); }};
}

ColumnSpec metricColumn(const std::string& header, Metric metric) {
  return {{header, true}, [metric](const JsonValue& item) {
            const auto value = metricValue(item, metric);
            if (!value) return Cell{kAbsent, Tone::kDim};
            return Cell{formatMetric(metric, *value)};
          }};
}

ColumnSpec trendColumn(Metric metric, const std::string& window) {
  return {{metricName(metric) + " " + window, false}, [metric](const JsonValue& item) {
            const SeriesValues values = metricSeries(item, metric);
            if (seriesStats(values).count == 0) return Cell{kAbsent, Tone::kDim};
            return Cell{sparkline(values, kSparklineWidth)};
          }};
}

ColumnSpec rangeColumn(Metric metric) {
  return {{"MIN/AVG/MAX", true}, [metric](const JsonValue& item) {
            const SeriesStats stats = seriesStats(metricSeries(item, metric));
            if (stats.count == 0) return Cell{kAbsent, Tone::kDim};
            return Cell{formatMetric(metric, stats.min) + "/" + formatMetric(metric, stats.avg) + "/" +
                        formatMetric(metric, stats.max)};
          }};
}

// A usage column, followed by its trend (and min/avg/max) when there is a window.
void addMetric(std::vector<ColumnSpec>& columns, Metric metric, const ViewOptions& options, bool with_range) {
  columns.push_back(metricColumn(metricName(metric), metric));
  if (options.window_label.empty()) return;
  columns.push_back(trendColumn(metric, options.window_label));
  if (with_range) columns.push_back(rangeColumn(metric));
}

bool anyNonZero(const std::vector<JsonValue>& items, const char* key) {
  return std::any_of(items.begin(), items.end(), [key](const JsonValue& item) { return item.number(key).value_or(0) > 0; });
}

void addRequestsAndLimits(std::vector<ColumnSpec>& columns, bool cpu) {
  if (cpu) {
    columns.push_back({{"CPU REQ", true}, [](const JsonValue& item) {
                         return withShare(item, "cpu_request_millicores", "cpu_percent_of_request", "cpu_millicores",
                                          formatMillicores);
                       }});
    columns.push_back({{"CPU LIM", true}, [](const JsonValue& item) {
                         return withShare(item, "cpu_limit_millicores", "cpu_percent_of_limit", "cpu_millicores",
                                          formatMillicores);
                       }});
  } else {
    columns.push_back({{"MEM REQ", true}, [](const JsonValue& item) {
                         return withShare(item, "memory_request_bytes", "memory_percent_of_request",
                                          "memory_working_set_bytes", formatBytes);
                       }});
    columns.push_back({{"MEM LIM", true}, [](const JsonValue& item) {
                         return withShare(item, "memory_limit_bytes", "memory_percent_of_limit",
                                          "memory_working_set_bytes", formatBytes);
                       }});
  }
}

void addTraffic(std::vector<ColumnSpec>& columns, const ViewOptions& options, bool network) {
  if (network) {
    if (options.wide) {
      columns.push_back(valueColumn("NET RX", "network_rx_bytes_per_sec", formatRate));
      columns.push_back(valueColumn("NET TX", "network_tx_bytes_per_sec", formatRate));
    } else {
      addMetric(columns, Metric::kNetwork, options, false);
    }
  }
  if (options.wide) {
    columns.push_back(valueColumn("DISK R", "disk_read_bytes_per_sec", formatRate));
    columns.push_back(valueColumn("DISK W", "disk_write_bytes_per_sec", formatRate));
  } else {
    addMetric(columns, Metric::kDisk, options, false);
  }
  if (options.wide && !options.window_label.empty()) {
    if (network) {
      columns.push_back(trendColumn(Metric::kNetwork, options.window_label));
      columns.push_back(rangeColumn(Metric::kNetwork));
    }
    columns.push_back(trendColumn(Metric::kDisk, options.window_label));
    columns.push_back(rangeColumn(Metric::kDisk));
  }
}

// OOM kills and restarts: shown when an object has any (always with -o wide).
void addEvents(std::vector<ColumnSpec>& columns, const std::vector<JsonValue>& items, const ViewOptions& options) {
  if (options.wide || anyNonZero(items, "oom_kills")) {
    columns.push_back({{"OOM", true}, [](const JsonValue& item) { return countCell(item.number("oom_kills")); }});
  }
  if (options.wide || anyNonZero(items, "restarts")) {
    columns.push_back({{"RESTARTS", true}, [](const JsonValue& item) { return countCell(item.number("restarts")); }});
  }
}

std::vector<ColumnSpec> columnsFor(const std::vector<JsonValue>& items, const ViewOptions& options) {
  std::vector<ColumnSpec> columns;
  const ObjectKind kind = options.kind;
  const bool namespaced = kind == ObjectKind::kPod || kind == ObjectKind::kContainer || kind == ObjectKind::kDeployment;
  if (namespaced && options.namespace_column) columns.push_back(textColumn("NAMESPACE", "namespace"));
  if (kind == ObjectKind::kContainer) columns.push_back(textColumn("POD", "pod"));
  columns.push_back(textColumn("NAME", "name"));
  if (hasPodLabels(kind) && options.wide) {
    columns.push_back(textColumn("NODE", "node"));
    columns.push_back(textColumn("QOS", "qos_class"));
  }
  if (kind == ObjectKind::kNamespace || kind == ObjectKind::kDeployment) {
    columns.push_back(valueColumn("PODS", "pod_count", formatCount));
  }
  if (kind == ObjectKind::kNode) {
    addMetric(columns, Metric::kCpu, options, true);
    columns.push_back({{"CPU%", true}, [](const JsonValue& item) { return percentCell(item.number("cpu_percent")); }});
    if (options.wide) columns.push_back(valueColumn("CPU CAP", "cpu_capacity_millicores", formatMillicores));
    addMetric(columns, Metric::kMemory, options, true);
    columns.push_back(
        {{"MEMORY%", true}, [](const JsonValue& item) { return percentCell(item.number("memory_percent")); }});
    if (options.wide) {
      columns.push_back(valueColumn("MEM CAP", "memory_capacity_bytes", formatBytes));
      columns.push_back(valueColumn("RSS", "memory_rss_bytes", formatBytes));
      columns.push_back(valueColumn("CACHE", "memory_cache_bytes", formatBytes));
    }
    addTraffic(columns, options, true);
    columns.push_back(valueColumn("PODS", "pod_count", formatCount));
    return columns;
  }
  addMetric(columns, Metric::kCpu, options, true);
  addRequestsAndLimits(columns, true);
  addMetric(columns, Metric::kMemory, options, true);
  addRequestsAndLimits(columns, false);
  if (hasPodLabels(kind)) {
    columns.push_back({{"THROTTLED", true}, [](const JsonValue& item) {
                         const auto ratio = item.number("cpu_throttled_ratio");
                         return percentCell(ratio ? std::optional(*ratio * 100.0) : std::nullopt);
                       }});
  }
  if (options.wide && hasPodLabels(kind)) {
    columns.push_back(valueColumn("CPU PSI", "cpu_pressure_some_percent", formatPercent));
    columns.push_back(valueColumn("MEM PSI", "memory_pressure_some_percent", formatPercent));
    columns.push_back(valueColumn("IO PSI", "io_pressure_some_percent", formatPercent));
  }
  addTraffic(columns, options, kind != ObjectKind::kContainer);
  addEvents(columns, items, options);
  return columns;
}

std::vector<std::string> csvIdentity(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kNode: return {"name"};
    case ObjectKind::kPod: return {"namespace", "name", "node", "deployment", "qos_class"};
    case ObjectKind::kContainer: return {"namespace", "pod", "name", "node"};
    case ObjectKind::kNamespace: return {"name"};
    case ObjectKind::kDeployment: return {"namespace", "name"};
  }
  return {};
}

std::vector<std::string> csvValues(ObjectKind kind) {
  if (kind == ObjectKind::kNode) {
    return {"cpu_millicores", "cpu_capacity_millicores", "cpu_percent", "memory_working_set_bytes",
            "memory_capacity_bytes", "memory_percent", "network_rx_bytes_per_sec", "network_tx_bytes_per_sec",
            "disk_read_bytes_per_sec", "disk_write_bytes_per_sec", "pod_count"};
  }
  std::vector<std::string> fields;
  if (!hasPodLabels(kind)) fields.emplace_back("pod_count");
  for (const char* f : {"cpu_millicores", "cpu_request_millicores", "cpu_limit_millicores"}) fields.emplace_back(f);
  if (hasPodLabels(kind)) {
    fields.emplace_back("cpu_percent_of_request");
    fields.emplace_back("cpu_percent_of_limit");
  }
  for (const char* f : {"memory_working_set_bytes", "memory_request_bytes", "memory_limit_bytes"}) fields.emplace_back(f);
  if (hasPodLabels(kind)) {
    for (const char* f : {"memory_percent_of_request", "memory_percent_of_limit", "cpu_throttled_ratio"}) {
      fields.emplace_back(f);
    }
  }
  if (kind != ObjectKind::kContainer) {
    fields.emplace_back("network_rx_bytes_per_sec");
    fields.emplace_back("network_tx_bytes_per_sec");
  }
  for (const char* f : {"disk_read_bytes_per_sec", "disk_write_bytes_per_sec", "oom_kills", "restarts"}) {
    fields.emplace_back(f);
  }
  return fields;
}

const char* metricField(Metric metric) {
  switch (metric) {
    case Metric::kCpu: return "cpu_millicores";
    case Metric::kMemory: return "memory_working_set_bytes";
    case Metric::kNetwork: return "network_bytes_per_sec";
    case Metric::kDisk: return "disk_bytes_per_sec";
    case Metric::kThrottling: return "cpu_throttled_percent";
  }
  return "";
}

std::tuple<std::string, std::string, std::string> nameKey(const JsonValue& item) {
  return {item.text("namespace"), item.text("pod"), item.text("name")};
}

}  // namespace

std::optional<double> metricValue(const JsonValue& object, Metric metric) {
  switch (metric) {
    case Metric::kCpu: return object.number("cpu_millicores");
    case Metric::kMemory: return object.number("memory_working_set_bytes");
    case Metric::kNetwork: return sumOfPresent(object, "network_rx_bytes_per_sec", "network_tx_bytes_per_sec");
    case Metric::kDisk: return sumOfPresent(object, "disk_read_bytes_per_sec", "disk_write_bytes_per_sec");
    case Metric::kThrottling: {
      const auto ratio = object.number("cpu_throttled_ratio");
      return ratio ? std::optional(*ratio * 100.0) : std::nullopt;
    }
  }
  return std::nullopt;
}

std::string formatMetric(Metric metric, double value) {
  switch (metric) {
    case Metric::kCpu: return formatMillicores(value);
    case Metric::kMemory: return formatBytes(value);
    case Metric::kNetwork:
    case Metric::kDisk: return formatRate(value);
    case Metric::kThrottling: return formatPercent(value);
  }
  return {};
}

std::string metricName(Metric metric) {
  switch (metric) {
    case Metric::kCpu: return "CPU";
    case Metric::kMemory: return "MEMORY";
    case Metric::kNetwork: return "NET";
    case Metric::kDisk: return "DISK";
    case Metric::kThrottling: return "THROTTLED";
  }
  return {};
}

SeriesValues metricSeries(const JsonValue& item, Metric metric) {
  SeriesValues values;
  const JsonValue* points = item.find("points");
  if (points == nullptr) return values;
  for (const auto& point : points->array) values.push_back(metricValue(point, metric));
  return values;
}

std::vector<std::string> metricFields(Metric metric, ObjectKind kind) {
  switch (metric) {
    case Metric::kCpu: return {"cpu_millicores"};
    case Metric::kMemory: return {"memory_working_set_bytes"};
    case Metric::kNetwork:
      if (kind == ObjectKind::kContainer) return {};
      return {"network_rx_bytes_per_sec", "network_tx_bytes_per_sec"};
    case Metric::kDisk: return {"disk_read_bytes_per_sec", "disk_write_bytes_per_sec"};
    case Metric::kThrottling:
      if (!hasPodLabels(kind)) return {};
      return {"cpu_throttled_ratio"};
  }
  return {};
}

std::vector<Metric> historyMetrics(ObjectKind kind) {
  std::vector<Metric> metrics{Metric::kCpu, Metric::kMemory};
  if (kind != ObjectKind::kContainer) metrics.push_back(Metric::kNetwork);
  metrics.push_back(Metric::kDisk);
  if (hasPodLabels(kind)) metrics.push_back(Metric::kThrottling);
  return metrics;
}

void sortItems(std::vector<JsonValue>& items, SortKey key) {
  auto metric = [key]() -> std::optional<Metric> {
    switch (key) {
      case SortKey::kName: return std::nullopt;
      case SortKey::kCpu: return Metric::kCpu;
      case SortKey::kMemory: return Metric::kMemory;
      case SortKey::kNetwork: return Metric::kNetwork;
      case SortKey::kDisk: return Metric::kDisk;
      case SortKey::kThrottling: return Metric::kThrottling;
    }
    return std::nullopt;
  }();
  std::stable_sort(items.begin(), items.end(), [&](const JsonValue& a, const JsonValue& b) {
    if (metric) {
      // Absent sorts after every value (-1 is below any quantity).
      const double x = metricValue(a, *metric).value_or(-1);
      const double y = metricValue(b, *metric).value_or(-1);
      if (x != y) return x > y;
    }
    return nameKey(a) < nameKey(b);
  });
}

JsonValue totalItem(const std::vector<JsonValue>& items, ObjectKind kind) {
  JsonValue total;
  total.set("name", JsonValue::ofString("TOTAL"));
  // Field order of the first item that has each field.
  for (const auto& item : items) {
    for (const auto& [key, value] : item.object) {
      if (!value.isNumber() || total.find(key) != nullptr) continue;
      double sum = 0;
      for (const auto& other : items) sum += other.number(key).value_or(0);
      total.set(key, JsonValue::ofNumber(sum));
    }
  }
  // Shares and ratios do not add up: recomputed from the sums, or left out.
  for (const char* key : {"cpu_percent", "memory_percent", "cpu_percent_of_request", "cpu_percent_of_limit",
                          "memory_percent_of_request", "memory_percent_of_limit", "cpu_throttled_ratio",
                          "cpu_pressure_some_percent", "memory_pressure_some_percent", "memory_pressure_full_percent",
                          "io_pressure_some_percent", "io_pressure_full_percent", "uptime_seconds", "cpu_count"}) {
    total.erase(key);
  }
  auto share = [&](const char* percent_key, const char* usage_key, const char* base_key) {
    const auto usage = total.number(usage_key);
    const auto base = total.number(base_key);
    if (usage && base && *base > 0) total.set(percent_key, JsonValue::ofNumber(*usage * 100.0 / *base));
  };
  if (kind == ObjectKind::kNode) {
    share("cpu_percent", "cpu_millicores", "cpu_capacity_millicores");
    share("memory_percent", "memory_working_set_bytes", "memory_capacity_bytes");
  }
  if (hasPodLabels(kind)) {
    share("cpu_percent_of_request", "cpu_millicores", "cpu_request_millicores");
    share("cpu_percent_of_limit", "cpu_millicores", "cpu_limit_millicores");
    share("memory_percent_of_request", "memory_working_set_bytes", "memory_request_bytes");
    share("memory_percent_of_limit", "memory_working_set_bytes", "memory_limit_bytes");
  }
  return total;
}

Table buildTable(const std::vector<JsonValue>& items, const JsonValue* total, const ViewOptions& options) {
  const std::vector<ColumnSpec> columns = columnsFor(items, options);
  Table table;
  for (const auto& spec : columns) table.columns.push_back(spec.column);
  auto addRow = [&](const JsonValue& item) {
    std::vector<Cell> row;
    for (const auto& spec : columns) row.push_back(spec.cell(item));
    table.rows.push_back(std::move(row));
  };
  for (const auto& item : items) addRow(item);
  if (total != nullptr) addRow(*total);
  return table;
}

std::string renderCsv(const std::vector<JsonValue>& items, const JsonValue* total, const ViewOptions& options) {
  std::vector<std::string> identity = csvIdentity(options.kind);
  std::vector<std::string> values = csvValues(options.kind);
  std::vector<Metric> history;
  if (!options.window_label.empty()) history = historyMetrics(options.kind);
  std::vector<std::string> header = identity;
  header.insert(header.end(), values.begin(), values.end());
  for (Metric metric : history) {
    for (const char* suffix : {"_min", "_avg", "_max"}) header.push_back(std::string(metricField(metric)) + suffix);
  }
  std::string out = csvLine(header);
  auto addRow = [&](const JsonValue& item) {
    std::vector<std::string> row;
    for (const auto& key : identity) row.push_back(item.text(key));
    for (const auto& key : values) {
      const JsonValue* value = item.find(key);
      row.push_back(value != nullptr ? formatNumber(*value) : "");
    }
    for (Metric metric : history) {
      const SeriesStats stats = seriesStats(metricSeries(item, metric));
      for (double v : {stats.min, stats.avg, stats.max}) {
        row.push_back(stats.count > 0 ? formatNumber(JsonValue::ofNumber(v)) : "");
      }
    }
    out += csvLine(row);
  };
  for (const auto& item : items) addRow(item);
  if (total != nullptr) addRow(*total);
  return out;
}

std::string renderObjectCharts(const JsonValue& object, ObjectKind kind, size_t width, size_t height,
                               const std::string& window_label) {
  std::string out;
  for (Metric metric : historyMetrics(kind)) {
    const SeriesValues values = metricSeries(object, metric);
    const SeriesStats stats = seriesStats(values);
    if (stats.count == 0) continue;  // the server does not carry this metric
    out += fmt::format("\n{}  min {}  avg {}  max {}\n", metricName(metric), formatMetric(metric, stats.min),
                       formatMetric(metric, stats.avg), formatMetric(metric, stats.max));
    for (const auto& line :
         blockChart(values, width, height, [metric](double v) { return formatMetric(metric, v); }, window_label)) {
      out += line + "\n";
    }
  }
  if (out.empty()) out = "\nno points in the last " + window_label + "\n";
  return out;
}

}  // namespace kubemonitor::cli
