#pragma once
// Internal to tsdb: the report fields the embedded engine keeps (report_record.cpp, block.cpp), one
// table each so that the WAL record and the block file cannot drift apart.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "model/report.h"

namespace kubemonitor::tsdb::internal {

using model::ContainerUsage;
using model::NodeUsage;
using model::PodUsage;

template <typename S>
using Member = std::variant<double S::*, uint64_t S::*, uint32_t S::*>;

// Every NodeUsage field: nodeSeries() serves them all.
inline constexpr std::array<Member<NodeUsage>, 20> kNodeFields{{
    &NodeUsage::cpu_millicores,           &NodeUsage::cpu_capacity_millicores,  &NodeUsage::cpu_count,
    &NodeUsage::memory_capacity_bytes,    &NodeUsage::memory_working_set_bytes, &NodeUsage::memory_used_bytes,
    &NodeUsage::memory_rss_bytes,         &NodeUsage::memory_cache_bytes,       &NodeUsage::memory_buffers_bytes,
    &NodeUsage::network_rx_bytes,         &NodeUsage::network_tx_bytes,         &NodeUsage::network_rx_bytes_per_sec,
    &NodeUsage::network_tx_bytes_per_sec, &NodeUsage::disk_read_bytes,          &NodeUsage::disk_write_bytes,
    &NodeUsage::disk_read_bytes_per_sec,  &NodeUsage::disk_write_bytes_per_sec, &NodeUsage::filesystem_capacity_bytes,
    &NodeUsage::filesystem_used_bytes,    &NodeUsage::uptime_seconds,
}};
static_assert(sizeof(NodeUsage) <= kNodeFields.size() * 8, "NodeUsage changed: update kNodeFields");

// The pod fields podValues() reads, as (struct, member) accessors over the PodUsage.
struct PodField {
  double* (*as_double)(PodUsage&);
  uint64_t* (*as_uint)(PodUsage&);
};
inline constexpr std::array<PodField, 27> kPodFields{{
    {[](PodUsage& p) { return &p.usage.cpu_millicores; }, nullptr},
    {nullptr, [](PodUsage& p) { return &p.usage.memory_working_set_bytes; }},
    {nullptr, [](PodUsage& p) { return &p.usage.memory_rss_bytes; }},
    {nullptr, [](PodUsage& p) { return &p.usage.memory_cache_bytes; }},
    {nullptr, [](PodUsage& p) { return &p.usage.memory_limit_bytes; }},
    {nullptr, [](PodUsage& p) { return &p.usage.disk_read_bytes; }},
    {nullptr, [](PodUsage& p) { return &p.usage.disk_write_bytes; }},
    {[](PodUsage& p) { return &p.usage.disk_read_bytes_per_sec; }, nullptr},
    {[](PodUsage& p) { return &p.usage.disk_write_bytes_per_sec; }, nullptr},
    {nullptr, [](PodUsage& p) { return &p.network.rx_bytes; }},
    {nullptr, [](PodUsage& p) { return &p.network.tx_bytes; }},
    {[](PodUsage& p) { return &p.network.rx_bytes_per_sec; }, nullptr},
    {[](PodUsage& p) { return &p.network.tx_bytes_per_sec; }, nullptr},
    {nullptr, [](PodUsage& p) { return &p.spec.cpu_limit_millicores; }},
    {nullptr, [](PodUsage& p) { return &p.spec.memory_limit_bytes; }},
    // Version 2 of the WAL record and pod entry type 3 of the blocks (issue 14) add these; older
    // records and entries hold the first kPodFieldsV1 only, the rest read as 0.
    {nullptr, [](PodUsage& p) { return &p.spec.cpu_request_millicores; }},
    {nullptr, [](PodUsage& p) { return &p.spec.memory_request_bytes; }},
    {[](PodUsage& p) { return &p.usage.cpu_throttled_periods_per_sec; }, nullptr},
    {[](PodUsage& p) { return &p.usage.cpu_throttled_ratio; }, nullptr},
    {[](PodUsage& p) { return &p.usage.cpu_throttled_seconds_per_sec; }, nullptr},
    {nullptr, [](PodUsage& p) { return &p.usage.oom_kills; }},
    {nullptr, [](PodUsage& p) { return &p.restarts; }},
    {[](PodUsage& p) { return &p.usage.cpu_pressure_some_percent; }, nullptr},
    {[](PodUsage& p) { return &p.usage.memory_pressure_some_percent; }, nullptr},
    {[](PodUsage& p) { return &p.usage.memory_pressure_full_percent; }, nullptr},
    {[](PodUsage& p) { return &p.usage.io_pressure_some_percent; }, nullptr},
    {[](PodUsage& p) { return &p.usage.io_pressure_full_percent; }, nullptr},
}};
inline constexpr size_t kPodFieldsV1 = 15;

// The labels a version-2 record and a type-3 pod entry keep after (uid, name, namespace, deployment).
inline constexpr std::array<std::string PodUsage::*, 3> kPodLabelsV2{
    &PodUsage::qos_class, &PodUsage::workload_kind, &PodUsage::workload_name};

// Per container, what the container routes serve (issue 14). Older records and entries hold the
// first kContainerFieldsV1 (CPU, working set: kubectl top's columns).
struct ContainerField {
  double* (*as_double)(ContainerUsage&);
  uint64_t* (*as_uint)(ContainerUsage&);
};
inline constexpr std::array<ContainerField, 23> kContainerFields{{
    {[](ContainerUsage& c) { return &c.usage.cpu_millicores; }, nullptr},
    {nullptr, [](ContainerUsage& c) { return &c.usage.memory_working_set_bytes; }},
    {nullptr, [](ContainerUsage& c) { return &c.usage.memory_rss_bytes; }},
    {nullptr, [](ContainerUsage& c) { return &c.usage.memory_cache_bytes; }},
    {nullptr, [](ContainerUsage& c) { return &c.usage.memory_limit_bytes; }},
    {nullptr, [](ContainerUsage& c) { return &c.usage.disk_read_bytes; }},
    {nullptr, [](ContainerUsage& c) { return &c.usage.disk_write_bytes; }},
    {[](ContainerUsage& c) { return &c.usage.disk_read_bytes_per_sec; }, nullptr},
    {[](ContainerUsage& c) { return &c.usage.disk_write_bytes_per_sec; }, nullptr},
    {[](ContainerUsage& c) { return &c.usage.cpu_throttled_periods_per_sec; }, nullptr},
    {[](ContainerUsage& c) { return &c.usage.cpu_throttled_ratio; }, nullptr},
    {[](ContainerUsage& c) { return &c.usage.cpu_throttled_seconds_per_sec; }, nullptr},
    {nullptr, [](ContainerUsage& c) { return &c.usage.oom_kills; }},
    {nullptr, [](ContainerUsage& c) { return &c.restarts; }},
    {[](ContainerUsage& c) { return &c.usage.cpu_pressure_some_percent; }, nullptr},
    {[](ContainerUsage& c) { return &c.usage.memory_pressure_some_percent; }, nullptr},
    {[](ContainerUsage& c) { return &c.usage.memory_pressure_full_percent; }, nullptr},
    {[](ContainerUsage& c) { return &c.usage.io_pressure_some_percent; }, nullptr},
    {[](ContainerUsage& c) { return &c.usage.io_pressure_full_percent; }, nullptr},
    {nullptr, [](ContainerUsage& c) { return &c.spec.cpu_request_millicores; }},
    {nullptr, [](ContainerUsage& c) { return &c.spec.cpu_limit_millicores; }},
    {nullptr, [](ContainerUsage& c) { return &c.spec.memory_request_bytes; }},
    {nullptr, [](ContainerUsage& c) { return &c.spec.memory_limit_bytes; }},
}};
inline constexpr size_t kContainerFieldsV1 = 2;

}  // namespace kubemonitor::tsdb::internal
