// ClickHouse rows (clickhouse_rows.h): a report comes back from its RowBinary rows with every
// field the engine keeps, a replayed copy replaces the earlier one whole, a copy without its node
// row stays invisible, and bytes that are not whole rows are an error. The tables' column lists
// match the rows. (The real ClickHouse is in tests/integration/clickhouse_replicas_test.cpp.)

#include <gtest/gtest.h>

#include "tsdb/block.h"
#include "tsdb/clickhouse_client.h"
#include "tsdb/clickhouse_rows.h"
#include "tsdb/report_record.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor::tsdb {
namespace {

model::Report sortedReport(size_t node, size_t pods, uint64_t tick) {
  model::Report report = testing::generateNodeReport(node, pods, tick, 1'790'000'000'000, 10'000);
  sortPods(report);
  return report;
}

// Rows as ClickHouse would give them back for every copy written.
std::vector<model::Report> readBack(const std::vector<ReportRows>& copies) {
  std::vector<NodeRow> nodes;
  std::vector<PodRow> pods;
  std::vector<ContainerRow> containers;
  for (const ReportRows& rows : copies) {
    auto n = decodeNodeRows(rows.nodes);
    auto p = decodePodRows(rows.pods);
    auto c = decodeContainerRows(rows.containers);
    EXPECT_TRUE(n.ok() && p.ok() && c.ok());
    if (!n.ok() || !p.ok() || !c.ok()) return {};
    nodes.insert(nodes.end(), n->begin(), n->end());
    pods.insert(pods.end(), p->begin(), p->end());
    containers.insert(containers.end(), c->begin(), c->end());
  }
  return assembleReports(std::move(nodes), std::move(pods), std::move(containers));
}

// Equal in everything the engine keeps: their WAL records (report_record.h) are the same bytes.
void expectSameKeptFields(const model::Report& actual, const model::Report& expected) {
  EXPECT_EQ(encodeReportRecord(actual), encodeReportRecord(expected));
}

TEST(ClickHouseRows, AReportComesBackWithEveryKeptField) {
  const model::Report report = sortedReport(3, 12, 7);
  ASSERT_FALSE(report.pods.empty());
  ASSERT_FALSE(report.pods[0].containers.empty());
  const auto back = readBack({encodeReportRows(report, 1)});
  ASSERT_EQ(back.size(), 1u);
  expectSameKeptFields(back[0], report);
}

TEST(ClickHouseRows, TheHighestVersionOfAReportIsTheOneSeenWhole) {
  const model::Report first = sortedReport(1, 10, 4);
  model::Report replay = first;
  replay.pods.resize(6);  // the replayed copy lists fewer pods, with other values
  replay.pods[0].usage.cpu_millicores += 123.25;
  replay.pods[2].containers[0].usage.memory_working_set_bytes += 4096;
  replay.node_usage.memory_used_bytes += 1;
  // Written in either order, on whichever replica: the higher version wins, pods and containers too.
  for (bool replay_first : {false, true}) {
    std::vector<ReportRows> copies{encodeReportRows(first, 100), encodeReportRows(replay, 200)};
    if (replay_first) std::swap(copies[0], copies[1]);
    const auto back = readBack(copies);
    ASSERT_EQ(back.size(), 1u);
    expectSameKeptFields(back[0], replay);
  }
}

TEST(ClickHouseRows, ACopyWithoutItsNodeRowIsNotSeen) {
  const model::Report report = sortedReport(2, 5, 1);
  ReportRows visible = encodeReportRows(report, 10);
  ReportRows partial = encodeReportRows(report, 20);  // a replica died before writing its node row
  partial.nodes.clear();
  const auto back = readBack({visible, partial});
  ASSERT_EQ(back.size(), 1u);
  expectSameKeptFields(back[0], report);
  EXPECT_TRUE(readBack({partial}).empty());
}

TEST(ClickHouseRows, ReportsOfSeveralNodesAndTimesComeBackSorted) {
  std::vector<ReportRows> copies;
  std::vector<model::Report> expected;
  for (size_t node : {2u, 0u, 1u}) {
    for (uint64_t tick : {3u, 1u}) {
      expected.push_back(sortedReport(node, 3, tick));
      copies.push_back(encodeReportRows(expected.back(), 1 + node * 10 + tick));
    }
  }
  std::sort(expected.begin(), expected.end(), [](const model::Report& a, const model::Report& b) {
    return std::tie(a.node, a.timestamp_ms) < std::tie(b.node, b.timestamp_ms);
  });
  const auto back = readBack(copies);
  ASSERT_EQ(back.size(), expected.size());
  for (size_t i = 0; i < back.size(); ++i) expectSameKeptFields(back[i], expected[i]);
}

TEST(ClickHouseRows, BytesThatAreNotWholeRowsAreAnError) {
  const ReportRows rows = encodeReportRows(sortedReport(0, 4, 0), 1);
  for (size_t cut : {size_t{1}, size_t{9}, rows.pods.size() / 2 + 3}) {  // none a row boundary of these rows
    auto pods = decodePodRows(std::string_view(rows.pods).substr(0, rows.pods.size() - cut));
    ASSERT_FALSE(pods.ok());
    EXPECT_EQ(pods.error().code, ErrorCode::kTruncated);
  }
  EXPECT_FALSE(decodeNodeRows(std::string_view(rows.nodes).substr(1)).ok());
  EXPECT_FALSE(decodeContainerRows(rows.containers + "x").ok());
  // A string length beyond the input, as a corrupt answer could carry.
  EXPECT_FALSE(decodePodRows(std::string("\x01\x00\xff\xff\xff\xff\x0f", 7)).ok());
}

TEST(ClickHouseRows, ColumnListsMatchTheirDefinitions) {
  for (ClickHouseTable table : {ClickHouseTable::kNodes, ClickHouseTable::kPods, ClickHouseTable::kContainers}) {
    const std::string list = clickHouseColumnList(table);
    const std::string definitions = clickHouseColumnDefinitions(table);
    EXPECT_EQ(std::count(list.begin(), list.end(), ','), std::count(definitions.begin(), definitions.end(), ','));
    EXPECT_EQ(list.rfind("day, node, ts_ms, version", 0), 0u) << list;
  }
}

TEST(ClickHouseUrl, NamesShardsDatabaseClusterAndUser) {
  auto url = parseClickHouseUrl("clickhouse://ch-0.ch:8123,ch-1.ch/metrics?cluster=two_shards&user=km&password=s%20");
  ASSERT_TRUE(url.ok()) << url.error().toString();
  EXPECT_EQ(url->endpoints, (std::vector<std::string>{"ch-0.ch:8123", "ch-1.ch:8123"}));
  EXPECT_EQ(url->database, "metrics");
  EXPECT_EQ(url->cluster, "two_shards");
  EXPECT_EQ(url->user, "km");
  EXPECT_EQ(url->password, "s%20");
  auto single = parseClickHouseUrl("clickhouse://127.0.0.1:9123/km");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->endpoints, std::vector<std::string>{"127.0.0.1:9123"});
  EXPECT_TRUE(single->cluster.empty());
}

TEST(ClickHouseUrl, WrongUrlsSayWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://ch:8123/km", "not a clickhouse:// URL"},
      {"clickhouse://ch:8123", "no database"},
      {"clickhouse://ch:8123/", "no database"},
      {"clickhouse:///km", "no host"},
      {"clickhouse://a,,b/km", "an empty host"},
      {"clickhouse://ch/km;drop", "database name"},
      {"clickhouse://ch/km?cluster=a-b", "cluster name"},
      {"clickhouse://ch/km?shards=2", "unknown parameter \"shards\""},
      {"clickhouse://ch/km?cluster", "without a value"},
  };
  for (const auto& [text, message] : cases) {
    auto url = parseClickHouseUrl(text);
    ASSERT_FALSE(url.ok()) << text;
    EXPECT_EQ(url.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(url.error().message.find(message), std::string::npos) << text << ": " << url.error().message;
  }
}

}  // namespace
}  // namespace kubemonitor::tsdb
