#include "cli/views.h"

#include <gtest/gtest.h>

namespace kubemonitor::cli {
namespace {

JsonValue parsed(std::string_view json) {
  auto value = parseJson(json);
  EXPECT_TRUE(value.ok()) << json;
  return value.ok() ? *value : JsonValue{};
}

std::vector<JsonValue> pods() {
  return {parsed(R"({"kind":"pod","name":"web-1","namespace":"shop","cpu_millicores":100,"memory_working_set_bytes":104857600,
                     "cpu_request_millicores":200,"cpu_percent_of_request":50,"cpu_throttled_ratio":0.25,
                     "network_rx_bytes_per_sec":1000,"network_tx_bytes_per_sec":500,
                     "disk_read_bytes_per_sec":0,"disk_write_bytes_per_sec":0,"oom_kills":0,"restarts":0})"),
          parsed(R"({"kind":"pod","name":"api-1","namespace":"shop","cpu_millicores":300,"memory_working_set_bytes":52428800,
                     "network_rx_bytes_per_sec":0,"network_tx_bytes_per_sec":0,
                     "disk_read_bytes_per_sec":10,"disk_write_bytes_per_sec":0,"oom_kills":0,"restarts":2})")};
}

TEST(Views, AbsentFieldsShowAsDashNeverZero) {
  ViewOptions options;
  options.kind = ObjectKind::kPod;
  auto items = pods();
  sortItems(items, SortKey::kName);
  const std::string text = renderTable(buildTable(items, nullptr, options), TableStyle{});
  EXPECT_EQ(text,
            "NAME     CPU      CPU REQ   CPU LIM    MEMORY   MEM REQ   MEM LIM   THROTTLED        NET    DISK   RESTARTS\n"
            "api-1   300m            -         -   50.0MiB         -         -           -       0B/s   10B/s          2\n"
            "web-1   100m   200m (50%)         -    100MiB         -         -         25%   1.50KB/s    0B/s          0\n");
}

TEST(Views, SortByMetricLargestFirstThenByName) {
  auto items = pods();
  sortItems(items, SortKey::kCpu);
  EXPECT_EQ(items[0].text("name"), "api-1");
  sortItems(items, SortKey::kMemory);
  EXPECT_EQ(items[0].text("name"), "web-1");
  sortItems(items, SortKey::kThrottling);
  EXPECT_EQ(items[0].text("name"), "web-1") << "absent sorts last";
}

TEST(Views, TotalSumsAndRecomputesShares) {
  const JsonValue total = totalItem(pods(), ObjectKind::kPod);
  EXPECT_EQ(total.text("name"), "TOTAL");
  EXPECT_EQ(total.number("cpu_millicores"), 400.0);
  EXPECT_EQ(total.number("cpu_request_millicores"), 200.0);
  EXPECT_EQ(total.number("cpu_percent_of_request"), 200.0);
  EXPECT_FALSE(total.number("cpu_throttled_ratio").has_value()) << "ratios do not add up";
  EXPECT_FALSE(total.number("memory_limit_bytes").has_value()) << "no item had one";
}

TEST(Views, CsvWritesRawValuesAndEmptyForAbsent) {
  ViewOptions options;
  options.kind = ObjectKind::kNamespace;
  const std::vector<JsonValue> items{parsed(R"({"name":"shop","pod_count":2,"cpu_millicores":12.5})")};
  EXPECT_EQ(renderCsv(items, nullptr, options),
            "name,pod_count,cpu_millicores,cpu_request_millicores,cpu_limit_millicores,memory_working_set_bytes,"
            "memory_request_bytes,memory_limit_bytes,network_rx_bytes_per_sec,network_tx_bytes_per_sec,"
            "disk_read_bytes_per_sec,disk_write_bytes_per_sec,oom_kills,restarts\n"
            "shop,2,12.5,,,,,,,,,,,\n");
}

TEST(Views, TrendColumnsFollowThePoints) {
  ViewOptions options;
  options.kind = ObjectKind::kNode;
  options.window_label = "1h";
  const std::vector<JsonValue> items{parsed(
      R"({"name":"n1","cpu_millicores":300,"points":[{"cpu_millicores":100},{"cpu_millicores":200},{"cpu_millicores":300}]})")};
  const Table table = buildTable(items, nullptr, options);
  ASSERT_GE(table.columns.size(), 4U);
  EXPECT_EQ(table.columns[2].header, "CPU 1h");
  EXPECT_EQ(table.rows[0][2].text, "▁▅█");
  EXPECT_EQ(table.rows[0][3].text, "100m/200m/300m");
  EXPECT_EQ(table.rows[0][5].text, "-") << "no memory field in the points";
}

}  // namespace
}  // namespace kubemonitor::cli
