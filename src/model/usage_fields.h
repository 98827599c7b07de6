#pragma once
// Table-driven JSON fields of the usage structs. One table per struct drives both the encoder and
// the decoder, so the two cannot drift, and adding a field is one line.
//
// Internal to the model module (included by its .cpp files and tests only).

#include <simdjson.h>

#include <array>
#include <bitset>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/field_selection.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "model/report.h"

namespace kubemonitor::model::fields {

template <typename S>
using Member = std::variant<double S::*, uint64_t S::*, uint32_t S::*>;

template <typename S>
struct Field {
  std::string_view name;  // the JSON key (DESIGN §3 names; units in the name)
  Member<S> member;
};

inline Error fieldError(std::string_view field, std::string_view what) {
  return makeError(ErrorCode::kParse, std::string(what), std::string(field));
}

template <typename S, size_t N>
void writeFields(JsonWriter& writer, const std::array<Field<S>, N>& table, const S& value,
                 const FieldSelection& selected = {}) {
  for (const auto& field : table) {
    if (!selected(field.name)) continue;
    writer.key(field.name);
    std::visit([&](auto member) { writer.number(value.*member); }, field.member);
  }
}

// Decodes one number into the member; negative, non-finite and out-of-range values are errors.
template <typename S>
Status decodeValue(const Field<S>& field, simdjson::dom::element element, S& value) {
  if (auto* as_double = std::get_if<double S::*>(&field.member)) {
    double v = 0;
    if (element.get_double().get(v) || !std::isfinite(v) || v < 0) {
      return fieldError(field.name, "expected a finite number ≥ 0");
    }
    value.*(*as_double) = v;
    return {};
  }
  uint64_t v = 0;
  if (element.get_uint64().get(v)) return fieldError(field.name, "expected an integer ≥ 0");
  if (auto* as_u64 = std::get_if<uint64_t S::*>(&field.member)) {
    value.*(*as_u64) = v;
  } else {
    if (v > UINT32_MAX) return fieldError(field.name, "integer out of range");
    value.*std::get<uint32_t S::*>(field.member) = static_cast<uint32_t>(v);
  }
  return {};
}

// Tracks which fields of a table an object held, so that missing ones can be named.
template <size_t N>
class SeenFields {
 public:
  void mark(size_t index) { seen_.set(index); }
  template <typename S>
  Status requireAll(const std::array<Field<S>, N>& table) const {
    for (size_t i = 0; i < N; ++i) {
      if (!seen_.test(i)) return fieldError(table[i].name, "missing field");
    }
    return {};
  }

 private:
  std::bitset<N> seen_;
};

// If `key` names a field of `table`, decodes it and returns true in `matched`.
template <typename S, size_t N>
Status decodeIfField(const std::array<Field<S>, N>& table, std::string_view key, simdjson::dom::element element,
                     S& value, SeenFields<N>& seen, bool& matched) {
  for (size_t i = 0; i < N; ++i) {
    if (table[i].name != key) continue;
    matched = true;
    seen.mark(i);
    return decodeValue(table[i], element, value);
  }
  matched = false;
  return {};
}

// If `key` names a field of `table`, decodes it and returns true in `matched`; for tables of
// optional fields (nothing to require afterwards).
template <typename S, size_t N>
Status decodeIfOptionalField(const std::array<Field<S>, N>& table, std::string_view key,
                             simdjson::dom::element element, S& value, bool& matched) {
  SeenFields<N> unused;
  return decodeIfField(table, key, element, value, unused, matched);
}

inline constexpr std::array<Field<NodeUsage>, 20> kNodeUsage{{
    {"cpu_millicores", &NodeUsage::cpu_millicores},
    {"cpu_capacity_millicores", &NodeUsage::cpu_capacity_millicores},
    {"cpu_count", &NodeUsage::cpu_count},
    {"memory_capacity_bytes", &NodeUsage::memory_capacity_bytes},
    {"memory_working_set_bytes", &NodeUsage::memory_working_set_bytes},
    {"memory_used_bytes", &NodeUsage::memory_used_bytes},
    {"memory_rss_bytes", &NodeUsage::memory_rss_bytes},
    {"memory_cache_bytes", &NodeUsage::memory_cache_bytes},
    {"memory_buffers_bytes", &NodeUsage::memory_buffers_bytes},
    {"network_rx_bytes", &NodeUsage::network_rx_bytes},
    {"network_tx_bytes", &NodeUsage::network_tx_bytes},
    {"network_rx_bytes_per_sec", &NodeUsage::network_rx_bytes_per_sec},
    {"network_tx_bytes_per_sec", &NodeUsage::network_tx_bytes_per_sec},
    {"disk_read_bytes", &NodeUsage::disk_read_bytes},
    {"disk_write_bytes", &NodeUsage::disk_write_bytes},
    {"disk_read_bytes_per_sec", &NodeUsage::disk_read_bytes_per_sec},
    {"disk_write_bytes_per_sec", &NodeUsage::disk_write_bytes_per_sec},
    {"filesystem_capacity_bytes", &NodeUsage::filesystem_capacity_bytes},
    {"filesystem_used_bytes", &NodeUsage::filesystem_used_bytes},
    {"uptime_seconds", &NodeUsage::uptime_seconds},
}};

inline constexpr std::array<Field<CgroupUsage>, 20> kCgroupUsage{{
    {"cpu_millicores", &CgroupUsage::cpu_millicores},
    {"cpu_usage_ns", &CgroupUsage::cpu_usage_ns},
    {"cpu_periods", &CgroupUsage::cpu_periods},
    {"cpu_throttled_periods", &CgroupUsage::cpu_throttled_periods},
    {"cpu_throttled_ns", &CgroupUsage::cpu_throttled_ns},
    {"memory_usage_bytes", &CgroupUsage::memory_usage_bytes},
    {"memory_working_set_bytes", &CgroupUsage::memory_working_set_bytes},
    {"memory_rss_bytes", &CgroupUsage::memory_rss_bytes},
    {"memory_cache_bytes", &CgroupUsage::memory_cache_bytes},
    {"memory_cgroup_limit_bytes", &CgroupUsage::memory_limit_bytes},
    {"oom_kills", &CgroupUsage::oom_kills},
    {"disk_read_bytes", &CgroupUsage::disk_read_bytes},
    {"disk_write_bytes", &CgroupUsage::disk_write_bytes},
    {"disk_read_bytes_per_sec", &CgroupUsage::disk_read_bytes_per_sec},
    {"disk_write_bytes_per_sec", &CgroupUsage::disk_write_bytes_per_sec},
    {"cpu_pressure_some_percent", &CgroupUsage::cpu_pressure_some_percent},
    {"memory_pressure_some_percent", &CgroupUsage::memory_pressure_some_percent},
    {"memory_pressure_full_percent", &CgroupUsage::memory_pressure_full_percent},
    {"io_pressure_some_percent", &CgroupUsage::io_pressure_some_percent},
    {"io_pressure_full_percent", &CgroupUsage::io_pressure_full_percent},
}};

inline constexpr std::array<Field<NetworkUsage>, 10> kNetworkUsage{{
    {"network_rx_bytes", &NetworkUsage::rx_bytes},
    {"network_tx_bytes", &NetworkUsage::tx_bytes},
    {"network_rx_packets", &NetworkUsage::rx_packets},
    {"network_tx_packets", &NetworkUsage::tx_packets},
    {"network_rx_errors", &NetworkUsage::rx_errors},
    {"network_tx_errors", &NetworkUsage::tx_errors},
    {"network_rx_dropped", &NetworkUsage::rx_dropped},
    {"network_tx_dropped", &NetworkUsage::tx_dropped},
    {"network_rx_bytes_per_sec", &NetworkUsage::rx_bytes_per_sec},
    {"network_tx_bytes_per_sec", &NetworkUsage::tx_bytes_per_sec},
}};

// Fields added after schema 1 (issue 14): decoded when present, 0 when an older agent sends none,
// so that agents and servers can be upgraded in any order.
inline constexpr std::array<Field<CgroupUsage>, 3> kCgroupRates{{
    {"cpu_throttled_periods_per_sec", &CgroupUsage::cpu_throttled_periods_per_sec},
    {"cpu_throttled_ratio", &CgroupUsage::cpu_throttled_ratio},
    {"cpu_throttled_seconds_per_sec", &CgroupUsage::cpu_throttled_seconds_per_sec},
}};

// Requests and limits sit in their own "resources" object: "memory_limit_bytes" there is the
// spec's limit, while the cgroup's own limit is "memory_cgroup_limit_bytes".
inline constexpr std::array<Field<ResourceSpec>, 4> kResourceSpec{{
    {"cpu_request_millicores", &ResourceSpec::cpu_request_millicores},
    {"cpu_limit_millicores", &ResourceSpec::cpu_limit_millicores},
    {"memory_request_bytes", &ResourceSpec::memory_request_bytes},
    {"memory_limit_bytes", &ResourceSpec::memory_limit_bytes},
}};

}  // namespace kubemonitor::model::fields
