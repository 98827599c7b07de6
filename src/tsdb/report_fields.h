#pragma once
// Internal to tsdb: the report fields the embedded engine keeps (report_record.cpp, block.cpp), one
// table each so that the WAL record and the block file cannot drift apart.

#include <array>
#include <cstdint>
#include <variant>

#include "model/report.h"

namespace kubemonitor::tsdb::internal {

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
inline constexpr std::array<PodField, 15> kPodFields{{
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
}};

}  // namespace kubemonitor::tsdb::internal
