// Fuzzes the reading of ClickHouse's RowBinary answers (clickhouse_rows.h): any bytes decode to
// rows or to an error, never a crash or an allocation beyond the input; the reports the rows make
// encode to rows that make the same reports again.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tsdb/clickhouse_rows.h"
#include "tsdb/report_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemonitor::tsdb;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The same bytes as each table's answer: the formats share their key columns, so a prefix of
  // one table's rows is often a plausible start of another's.
  auto nodes = decodeNodeRows(input);
  auto pods = decodePodRows(input);
  auto containers = decodeContainerRows(input);
  if (!nodes) return 0;
  const auto reports = assembleReports(*nodes, pods ? *pods : std::vector<PodRow>{},
                                       containers ? *containers : std::vector<ContainerRow>{});
  for (const auto& report : reports) {
    const ReportRows rows = encodeReportRows(report, 1);
    auto n = decodeNodeRows(rows.nodes);
    auto p = decodePodRows(rows.pods);
    auto c = decodeContainerRows(rows.containers);
    if (!n || !p || !c) std::abort();  // our own rows must decode
    const auto again = assembleReports(std::move(*n), std::move(*p), std::move(*c));
    if (again.size() != 1 || encodeReportRecord(again[0]) != encodeReportRecord(report)) std::abort();
  }
  return 0;
}
