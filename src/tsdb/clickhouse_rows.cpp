#include "tsdb/clickhouse_rows.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <map>
#include <tuple>
#include <type_traits>

#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb {
namespace {

using internal::kContainerFields;
using internal::kNodeFields;
using internal::kPodFields;

static_assert(std::endian::native == std::endian::little, "RowBinary is little-endian; so is every target we build for");

// Column names of the tables' value fields, in report_fields.h order (the API's field names).
constexpr std::array<std::string_view, kNodeFields.size()> kNodeFieldNames{
    "cpu_millicores",           "cpu_capacity_millicores", "cpu_count",
    "memory_capacity_bytes",    "memory_working_set_bytes", "memory_used_bytes",
    "memory_rss_bytes",         "memory_cache_bytes",       "memory_buffers_bytes",
    "network_rx_bytes",         "network_tx_bytes",         "network_rx_bytes_per_sec",
    "network_tx_bytes_per_sec", "disk_read_bytes",          "disk_write_bytes",
    "disk_read_bytes_per_sec",  "disk_write_bytes_per_sec", "filesystem_capacity_bytes",
    "filesystem_used_bytes",    "uptime_seconds"};
constexpr std::array<std::string_view, kPodFields.size()> kPodFieldNames{
    "cpu_millicores",
    "memory_working_set_bytes",
    "memory_rss_bytes",
    "memory_cache_bytes",
    "memory_cgroup_limit_bytes",
    "disk_read_bytes",
    "disk_write_bytes",
    "disk_read_bytes_per_sec",
    "disk_write_bytes_per_sec",
    "network_rx_bytes",
    "network_tx_bytes",
    "network_rx_bytes_per_sec",
    "network_tx_bytes_per_sec",
    "cpu_limit_millicores",
    "memory_limit_bytes",
    "cpu_request_millicores",
    "memory_request_bytes",
    "cpu_throttled_periods_per_sec",
    "cpu_throttled_ratio",
    "cpu_throttled_seconds_per_sec",
    "oom_kills",
    "restarts",
    "cpu_pressure_some_percent",
    "memory_pressure_some_percent",
    "memory_pressure_full_percent",
    "io_pressure_some_percent",
    "io_pressure_full_percent"};
constexpr std::array<std::string_view, kContainerFields.size()> kContainerFieldNames{
    "cpu_millicores",
    "memory_working_set_bytes",
    "memory_rss_bytes",
    "memory_cache_bytes",
    "memory_cgroup_limit_bytes",
    "disk_read_bytes",
    "disk_write_bytes",
    "disk_read_bytes_per_sec",
    "disk_write_bytes_per_sec",
    "cpu_throttled_periods_per_sec",
    "cpu_throttled_ratio",
    "cpu_throttled_seconds_per_sec",
    "oom_kills",
    "restarts",
    "cpu_pressure_some_percent",
    "memory_pressure_some_percent",
    "memory_pressure_full_percent",
    "io_pressure_some_percent",
    "io_pressure_full_percent",
    "cpu_request_millicores",
    "cpu_limit_millicores",
    "memory_request_bytes",
    "memory_limit_bytes"};

struct Column {
  std::string_view name;
  std::string_view type;
};
constexpr std::array<Column, 4> kKeyColumns{{{"day", "Date"}, {"node", "String"}, {"ts_ms", "Int64"}, {"version", "UInt64"}}};
constexpr std::array<Column, 2> kNodeColumns{{{"interval_ms", "Int64"}, {"pod_count", "UInt64"}}};
constexpr std::array<Column, 9> kPodColumns{{{"pod_index", "UInt32"},
                                              {"namespace", "String"},
                                              {"pod", "String"},
                                              {"name", "String"},
                                              {"uid", "String"},
                                              {"deployment", "String"},
                                              {"qos_class", "String"},
                                              {"workload_kind", "String"},
                                              {"workload_name", "String"}}};
constexpr std::array<Column, 5> kContainerColumns{{{"pod_index", "UInt32"},
                                                    {"container_index", "UInt32"},
                                                    {"namespace", "String"},
                                                    {"pod", "String"},
                                                    {"container", "String"}}};

std::vector<Column> columnsOf(ClickHouseTable table) {
  std::vector<Column> out(kKeyColumns.begin(), kKeyColumns.end());
  switch (table) {
    case ClickHouseTable::kNodes:
      out.insert(out.end(), kNodeColumns.begin(), kNodeColumns.end());
      for (size_t i = 0; i < kNodeFields.size(); ++i) {
        const bool is_double = std::holds_alternative<double model::NodeUsage::*>(kNodeFields[i]);
        const bool is_u32 = std::holds_alternative<uint32_t model::NodeUsage::*>(kNodeFields[i]);
        out.push_back({kNodeFieldNames[i], is_double ? "Float64" : is_u32 ? "UInt32" : "UInt64"});
      }
      break;
    case ClickHouseTable::kPods:
      out.insert(out.end(), kPodColumns.begin(), kPodColumns.end());
      for (size_t i = 0; i < kPodFields.size(); ++i) {
        out.push_back({kPodFieldNames[i], kPodFields[i].as_double ? "Float64" : "UInt64"});
      }
      break;
    case ClickHouseTable::kContainers:
      out.insert(out.end(), kContainerColumns.begin(), kContainerColumns.end());
      for (size_t i = 0; i < kContainerFields.size(); ++i) {
        out.push_back({kContainerFieldNames[i], kContainerFields[i].as_double ? "Float64" : "UInt64"});
      }
      break;
  }
  return out;
}

class RowWriter {
 public:
  explicit RowWriter(std::string& out) : out_(out) {}
  template <typename T>
  void number(T value) {
    static_assert(std::is_arithmetic_v<T>);
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out_.append(bytes, sizeof(T));
  }
  void string(std::string_view s) {
    uint64_t n = s.size();
    do {
      uint8_t byte = n & 0x7f;
      n >>= 7;
      if (n != 0) byte |= 0x80;
      out_.push_back(static_cast<char>(byte));
    } while (n != 0);
    out_.append(s);
  }

 private:
  std::string& out_;
};

class RowReader {
 public:
  explicit RowReader(std::string_view in) : in_(in) {}
  bool done() const { return pos_ == in_.size(); }
  bool failed() const { return failed_; }
  template <typename T>
  T number() {
    T value{};
    if (in_.size() - pos_ < sizeof(T)) {
      failed_ = true;
      pos_ = in_.size();
      return value;
    }
    std::memcpy(&value, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }
  std::string string() {
    uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
      if (pos_ >= in_.size() || shift > 63) {
        failed_ = true;
        pos_ = in_.size();
        return {};
      }
      const auto byte = static_cast<uint8_t>(in_[pos_++]);
      n |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (n > in_.size() - pos_) {
      failed_ = true;
      pos_ = in_.size();
      return {};
    }
    std::string out(in_.substr(pos_, n));
    pos_ += n;
    return out;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

constexpr int64_t kMsPerDay = 86'400'000;

void writeKey(RowWriter& w, const model::Report& report, uint64_t version) {
  const int64_t day = report.timestamp_ms >= 0 ? report.timestamp_ms / kMsPerDay : 0;
  w.number(static_cast<uint16_t>(day));
  w.string(report.node);
  w.number(report.timestamp_ms);
  w.number(version);
}

template <typename Row>
void readKey(RowReader& r, Row& row) {
  r.number<uint16_t>();  // day: derived from ts_ms
  row.node = r.string();
  row.timestamp_ms = r.number<int64_t>();
  row.version = r.number<uint64_t>();
}

template <typename Field, typename Object>
void writeFields(RowWriter& w, const Field& fields, Object& object) {
  for (const auto& field : fields) {
    if (field.as_double) {
      w.number(*field.as_double(object));
    } else {
      w.number(*field.as_uint(object));
    }
  }
}

template <typename Field, typename Object>
void readFields(RowReader& r, const Field& fields, Object& object) {
  for (const auto& field : fields) {
    if (field.as_double) {
      *field.as_double(object) = r.number<double>();
    } else {
      *field.as_uint(object) = r.number<uint64_t>();
    }
  }
}

std::string podKeyName(const model::PodUsage& pod) { return pod.name.empty() ? pod.uid : pod.name; }

template <typename Row, typename ReadOne>
Result<std::vector<Row>> decodeRows(std::string_view bytes, std::string_view what, ReadOne&& read_one) {
  std::vector<Row> out;
  RowReader r(bytes);
  while (!r.done()) {
    Row row;
    read_one(r, row);
    if (r.failed()) return makeError(ErrorCode::kTruncated, "ClickHouse " + std::string(what) + " rows end mid-row");
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

std::string clickHouseColumnDefinitions(ClickHouseTable table) {
  std::string out;
  for (const Column& c : columnsOf(table)) {
    if (!out.empty()) out += ", ";
    out += std::string(c.name) + " " + std::string(c.type);
  }
  return out;
}

std::string clickHouseColumnList(ClickHouseTable table) {
  std::string out;
  for (const Column& c : columnsOf(table)) {
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

ReportRows encodeReportRows(const model::Report& report, uint64_t version) {
  ReportRows rows;
  RowWriter node(rows.nodes);
  writeKey(node, report, version);
  node.number(report.interval_ms);
  node.number(static_cast<uint64_t>(report.pods.size()));
  for (const auto& member : kNodeFields) {
    std::visit([&](auto m) { node.number(report.node_usage.*m); }, member);
  }
  RowWriter pods(rows.pods);
  RowWriter containers(rows.containers);
  for (uint32_t p = 0; p < report.pods.size(); ++p) {
    model::PodUsage pod = report.pods[p];  // the field accessors take a mutable usage
    const std::string key = podKeyName(pod);
    writeKey(pods, report, version);
    pods.number(p);
    for (const std::string* s : std::initializer_list<const std::string*>{&pod.namespace_name, &key, &pod.name, &pod.uid, &pod.deployment, &pod.qos_class,
                                 &pod.workload_kind, &pod.workload_name}) {
      pods.string(*s);
    }
    writeFields(pods, kPodFields, pod);
    for (uint32_t c = 0; c < pod.containers.size(); ++c) {
      model::ContainerUsage& container = pod.containers[c];
      writeKey(containers, report, version);
      containers.number(p);
      containers.number(c);
      containers.string(pod.namespace_name);
      containers.string(key);
      containers.string(container.name);
      writeFields(containers, kContainerFields, container);
    }
  }
  return rows;
}

Result<std::vector<NodeRow>> decodeNodeRows(std::string_view bytes) {
  return decodeRows<NodeRow>(bytes, "node", [](RowReader& r, NodeRow& row) {
    readKey(r, row);
    row.interval_ms = r.number<int64_t>();
    row.pod_count = r.number<uint64_t>();
    for (const auto& member : kNodeFields) {
      std::visit(
          [&](auto m) {
            using T = std::remove_reference_t<decltype(row.usage.*m)>;
            row.usage.*m = r.number<T>();
          },
          member);
    }
  });
}

Result<std::vector<PodRow>> decodePodRows(std::string_view bytes) {
  return decodeRows<PodRow>(bytes, "pod", [](RowReader& r, PodRow& row) {
    readKey(r, row);
    row.pod_index = r.number<uint32_t>();
    model::PodUsage& pod = row.pod;
    pod.namespace_name = r.string();
    r.string();  // the key name: name, or uid when unnamed
    pod.name = r.string();
    pod.uid = r.string();
    pod.deployment = r.string();
    pod.qos_class = r.string();
    pod.workload_kind = r.string();
    pod.workload_name = r.string();
    readFields(r, kPodFields, pod);
  });
}

Result<std::vector<ContainerRow>> decodeContainerRows(std::string_view bytes) {
  return decodeRows<ContainerRow>(bytes, "container", [](RowReader& r, ContainerRow& row) {
    readKey(r, row);
    row.pod_index = r.number<uint32_t>();
    row.container_index = r.number<uint32_t>();
    r.string();  // namespace
    r.string();  // pod key
    row.container.name = r.string();
    readFields(r, kContainerFields, row.container);
  });
}

std::vector<model::Report> assembleReports(std::vector<NodeRow> nodes, std::vector<PodRow> pods,
                                           std::vector<ContainerRow> containers) {
  // The visible copy of each (node, ts): its highest version. Keys view into `nodes`.
  using Key = std::tuple<std::string_view, int64_t>;
  std::map<Key, const NodeRow*> visible;
  for (const NodeRow& row : nodes) {
    auto [it, inserted] = visible.emplace(Key{row.node, row.timestamp_ms}, &row);
    if (!inserted && row.version > it->second->version) it->second = &row;
  }
  std::vector<model::Report> out;
  out.reserve(visible.size());
  std::map<Key, std::pair<size_t, uint64_t>> report_of;  // → (index in out, visible version)
  for (const auto& [key, row] : visible) {
    model::Report report;
    report.node = row->node;
    report.timestamp_ms = row->timestamp_ms;
    report.interval_ms = row->interval_ms;
    report.node_usage = row->usage;
    report_of.emplace(key, std::pair{out.size(), row->version});
    out.push_back(std::move(report));
  }
  // Pods in their report's order; each attached one remembered by (report, pod_index) for its containers.
  std::sort(pods.begin(), pods.end(), [](const PodRow& a, const PodRow& b) { return a.pod_index < b.pod_index; });
  std::map<std::pair<size_t, uint32_t>, size_t> pod_position;
  for (PodRow& row : pods) {
    auto it = report_of.find(Key{row.node, row.timestamp_ms});
    if (it == report_of.end() || it->second.second != row.version) continue;
    model::Report& report = out[it->second.first];
    pod_position.emplace(std::pair{it->second.first, row.pod_index}, report.pods.size());
    report.pods.push_back(std::move(row.pod));
  }
  std::sort(containers.begin(), containers.end(), [](const ContainerRow& a, const ContainerRow& b) {
    return std::tie(a.pod_index, a.container_index) < std::tie(b.pod_index, b.container_index);
  });
  for (ContainerRow& row : containers) {
    auto it = report_of.find(Key{row.node, row.timestamp_ms});
    if (it == report_of.end() || it->second.second != row.version) continue;
    auto pod_it = pod_position.find(std::pair{it->second.first, row.pod_index});
    if (pod_it == pod_position.end()) continue;
    out[it->second.first].pods[pod_it->second].containers.push_back(std::move(row.container));
  }
  return out;
}

}  // namespace kubemonitor::tsdb
