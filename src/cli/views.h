#pragma once
// What `kubemonitor top` shows of each kind of object: the table columns (default, wide, with a
// window's trends), the CSV fields, sorting and the total row. Works on the API's JSON items as
// they are, so a field an older server lacks shows as "-" (never 0). Pure, unit-tested.

#include <optional>
#include <string>
#include <vector>

#include "cli/json_value.h"
#include "cli/sparkline.h"
#include "cli/table.h"

namespace kubemonitor::cli {

enum class ObjectKind { kNode, kPod, kContainer, kNamespace, kDeployment };
enum class SortKey { kName, kCpu, kMemory, kNetwork, kDisk, kThrottling };

// A quantity shown per object and per series point.
enum class Metric { kCpu, kMemory, kNetwork, kDisk, kThrottling };

// The metric's value in an object or a point: cpu_millicores, memory_working_set_bytes,
// network rx + tx (B/s), disk read + write (B/s), cpu_throttled_ratio × 100 (%); nullopt when absent.
std::optional<double> metricValue(const JsonValue& object, Metric metric);
std::string formatMetric(Metric metric, double value);
std::string metricName(Metric metric);  // "CPU", "MEMORY", …
// The metric over an item's `points` (one value per point, nullopt where a point lacks it).
SeriesValues metricSeries(const JsonValue& item, Metric metric);
// The point fields a series needs for `metric` (for `fields=`).
std::vector<std::string> metricFields(Metric metric, ObjectKind kind);
// The metrics shown with history for `kind` (containers have no network of their own).
std::vector<Metric> historyMetrics(ObjectKind kind);

struct ViewOptions {
  ObjectKind kind = ObjectKind::kPod;
  bool wide = false;
  bool namespace_column = false;  // -A: the items come from several namespaces
  std::string window_label;       // "1h" with --window: trend columns; empty without
};

// Stable order: by name (namespace, pod, name) or by the metric, largest first, ties by name.
void sortItems(std::vector<JsonValue>& items, SortKey key);
// A "TOTAL" object: every numeric field summed over the items (absent where no item has it),
// percentages recomputed from the sums where the sums define them, ratios and pressure left out.
JsonValue totalItem(const std::vector<JsonValue>& items, ObjectKind kind);

// Items then the optional total row (last, never sorted or limited away).
Table buildTable(const std::vector<JsonValue>& items, const JsonValue* total, const ViewOptions& options);
// API field names as the header, raw values as the API wrote them ("" when absent); with a
// window, <field>_min, _avg and _max of the history metrics.
std::string renderCsv(const std::vector<JsonValue>& items, const JsonValue* total, const ViewOptions& options);

// The charts of `top pod NAME` (and node, namespace, deployment): one per history metric that the
// object's points carry, `width` cells wide and `height` rows tall, titled with min/avg/max.
std::string renderObjectCharts(const JsonValue& object, ObjectKind kind, size_t width, size_t height,
                               const std::string& window_label);

}  // namespace kubemonitor::cli
