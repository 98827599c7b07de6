#pragma once
// Internal to tsdb: a report as ClickHouse rows, and rows back into reports.
//
// Three wide tables, one row per node report, per pod of it and per container of those, each with
// every field the embedded engine keeps (report_fields.h), in ClickHouse's RowBinary format
// (little-endian numbers, doubles bit for bit, strings as a LEB128 length then bytes):
//   nodes       (day, node, ts_ms, version, interval_ms, pod_count, <node fields>)
//   pods        (day, node, ts_ms, version, pod_index, namespace, pod, name, uid, deployment,
//                qos_class, workload_kind, workload_name, <pod fields>)
//   containers  (day, node, ts_ms, version, pod_index, container_index, namespace, pod, container,
//                <container fields>)
// `version` (ns of the ingesting replica's wall clock) tells copies of one (node, ts_ms) apart: the
// copy a reader sees is the node row with the highest version and the pod and container rows of
// that version, so a replay replaces its earlier copy whole, on whichever replica it arrived.
// `pod` is the pod's key name (its name, or its UID when the agent had no API access).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/report.h"

namespace kubemonitor::tsdb {

enum class ClickHouseTable { kNodes, kPods, kContainers };

// "name Type, name Type, …" for CREATE TABLE, and "name, name, …" for INSERT and SELECT.
std::string clickHouseColumnDefinitions(ClickHouseTable table);
std::string clickHouseColumnList(ClickHouseTable table);

struct ReportRows {
  std::string nodes, pods, containers;  // RowBinary
};
// `report` with its pods in sortPods() order (the order the engine sums them in).
ReportRows encodeReportRows(const model::Report& report, uint64_t version);

// Rows as SELECT <clickHouseColumnList(table)> … FORMAT RowBinary answers them.
struct NodeRow {
  std::string node;
  int64_t timestamp_ms = 0;
  uint64_t version = 0;
  int64_t interval_ms = 0;
  uint64_t pod_count = 0;
  model::NodeUsage usage;
};
struct PodRow {
  std::string node;
  int64_t timestamp_ms = 0;
  uint64_t version = 0;
  uint32_t pod_index = 0;
  model::PodUsage pod;  // identity, labels and the kept fields; no containers
};
struct ContainerRow {
  std::string node;
  int64_t timestamp_ms = 0;
  uint64_t version = 0;
  uint32_t pod_index = 0;
  uint32_t container_index = 0;
  model::ContainerUsage container;
};
// kParse / kTruncated for bytes that are not such rows.
Result<std::vector<NodeRow>> decodeNodeRows(std::string_view bytes);
Result<std::vector<PodRow>> decodePodRows(std::string_view bytes);
Result<std::vector<ContainerRow>> decodeContainerRows(std::string_view bytes);

// The reports the rows make: one per (node, ts_ms) of `nodes` at its highest version, with the
// pods and containers of that version in their original order. Rows of other versions (an earlier
// copy of a replayed report) and pods whose node row is absent are dropped. Sorted by (node, ts).
std::vector<model::Report> assembleReports(std::vector<NodeRow> nodes, std::vector<PodRow> pods,
                                           std::vector<ContainerRow> containers);

}  // namespace kubemonitor::tsdb
