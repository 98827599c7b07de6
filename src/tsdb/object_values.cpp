#include "tsdb/object_values.h"

#include <algorithm>
#include <bit>
#include <type_traits>
#include <array>
#include <variant>

#include "tsdb/field_table.h"
#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb {
namespace {

using Member = std::variant<double ObjectValues::*, uint64_t ObjectValues::*>;

struct FieldRule {
  std::string_view name;
  Member member;
  FieldKind kind;
};

// The one list of ObjectValues fields. Averaging a counter would invent a value that never
// existed, and a capacity or pod count is a state whose newest reading is the true one.
constexpr std::array<FieldRule, 30> kFieldRules{{
    {"cpu_millicores", &ObjectValues::cpu_millicores, FieldKind::kGauge},
    {"memory_working_set_bytes", &ObjectValues::memory_working_set_bytes, FieldKind::kGauge},
    {"memory_rss_bytes", &ObjectValues::memory_rss_bytes, FieldKind::kGauge},
    {"memory_cache_bytes", &ObjectValues::memory_cache_bytes, FieldKind::kGauge},
    {"network_rx_bytes", &ObjectValues::network_rx_bytes, FieldKind::kCounter},
    {"network_tx_bytes", &ObjectValues::network_tx_bytes, FieldKind::kCounter},
    {"network_rx_bytes_per_sec", &ObjectValues::network_rx_bytes_per_sec, FieldKind::kGauge},
    {"network_tx_bytes_per_sec", &ObjectValues::network_tx_bytes_per_sec, FieldKind::kGauge},
    {"disk_read_bytes", &ObjectValues::disk_read_bytes, FieldKind::kCounter},
    {"disk_write_bytes", &ObjectValues::disk_write_bytes, FieldKind::kCounter},
    {"disk_read_bytes_per_sec", &ObjectValues::disk_read_bytes_per_sec, FieldKind::kGauge},
    {"disk_write_bytes_per_sec", &ObjectValues::disk_write_bytes_per_sec, FieldKind::kGauge},
    {"pod_count", &ObjectValues::pod_count, FieldKind::kCapacity},
    {"cpu_capacity_millicores", &ObjectValues::cpu_capacity_millicores, FieldKind::kCapacity},
    {"memory_capacity_bytes", &ObjectValues::memory_capacity_bytes, FieldKind::kCapacity},
    {"cpu_limit_millicores", &ObjectValues::cpu_limit_millicores, FieldKind::kCapacity},
    {"memory_limit_bytes", &ObjectValues::memory_limit_bytes, FieldKind::kCapacity},
    {"cpu_request_millicores", &ObjectValues::cpu_request_millicores, FieldKind::kCapacity},
    {"memory_request_bytes", &ObjectValues::memory_request_bytes, FieldKind::kCapacity},
    {"cpu_throttled_periods_per_sec", &ObjectValues::cpu_throttled_periods_per_sec, FieldKind::kGauge},
    {"cpu_throttled_ratio", &ObjectValues::cpu_throttled_ratio, FieldKind::kGauge},
    {"cpu_throttled_seconds_per_sec", &ObjectValues::cpu_throttled_seconds_per_sec, FieldKind::kGauge},
    {"oom_kills", &ObjectValues::oom_kills, FieldKind::kCounter},
    {"oom_kills_in_window", &ObjectValues::oom_kills_in_window, FieldKind::kIncrease},
    {"restarts", &ObjectValues::restarts, FieldKind::kCounter},
    {"cpu_pressure_some_percent", &ObjectValues::cpu_pressure_some_percent, FieldKind::kGauge},
    {"memory_pressure_some_percent", &ObjectValues::memory_pressure_some_percent, FieldKind::kGauge},
    {"memory_pressure_full_percent", &ObjectValues::memory_pressure_full_percent, FieldKind::kGauge},
    {"io_pressure_some_percent", &ObjectValues::io_pressure_some_percent, FieldKind::kGauge},
    {"io_pressure_full_percent", &ObjectValues::io_pressure_full_percent, FieldKind::kGauge},
}};

// Every field is 8 bytes: a field added without a rule changes the size and stops the build.
static_assert(sizeof(ObjectValues) == kFieldRules.size() * 8, "ObjectValues changed: update kFieldRules");

constexpr size_t countGauges() {
  size_t n = 0;
  for (const auto& rule : kFieldRules) n += rule.kind == FieldKind::kGauge ? 1 : 0;
  return n;
}

double percentOf(double used, double base) { return base > 0 ? used * 100.0 / base : 0; }

}  // namespace

std::string_view objectKindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kNode: return "node";
    case ObjectKind::kPod: return "pod";
    case ObjectKind::kNamespace: return "namespace";
    case ObjectKind::kDeployment: return "deployment";
    case ObjectKind::kContainer: return "container";
  }
  return "unknown";
}

bool objectValueWordIsDouble(size_t i) {
  static const std::array<bool, kObjectValueWords> is_double = [] {
    std::array<bool, kObjectValueWords> out{};
    const ObjectValues probe;
    for (const auto& rule : kFieldRules) {
      std::visit(
          [&](auto m) {
            const auto offset = reinterpret_cast<const char*>(&(probe.*m)) - reinterpret_cast<const char*>(&probe);
            out[static_cast<size_t>(offset) / 8] = std::is_same_v<decltype(m), double ObjectValues::*>;
          },
          rule.member);
    }
    return out;
  }();
  return is_double.at(i);
}

std::array<uint64_t, kObjectValueWords> objectValueWords(const ObjectValues& values) {
  return std::bit_cast<std::array<uint64_t, kObjectValueWords>>(values);
}

ObjectValues objectValuesOfWords(const std::array<uint64_t, kObjectValueWords>& words) {
  return std::bit_cast<ObjectValues>(words);
}

std::optional<FieldKind> objectFieldKind(std::string_view field_name) {
  for (const auto& rule : kFieldRules) {
    if (rule.name == field_name) return rule.kind;
  }
  return std::nullopt;
}

void addValues(ObjectValues& into, const ObjectValues& from) {
  // uint64 fields add exactly, so sums of byte counts never drift; doubles add in a fixed order.
  for (const auto& rule : kFieldRules) {
    std::visit([&](auto m) { into.*m += from.*m; }, rule.member);
  }
}

namespace {

// What a pod and a container share: their cgroup's usage, their spec, restarts, and the node's
// capacities. The memory limit is the spec's, else the cgroup's.
ObjectValues cgroupValues(const model::CgroupUsage& usage, const model::ResourceSpec& spec, uint64_t restarts,
                          const model::NodeUsage& node) {
  ObjectValues v;
  v.cpu_millicores = usage.cpu_millicores;
  v.memory_working_set_bytes = usage.memory_working_set_bytes;
  v.memory_rss_bytes = usage.memory_rss_bytes;
  v.memory_cache_bytes = usage.memory_cache_bytes;
  v.disk_read_bytes = usage.disk_read_bytes;
  v.disk_write_bytes = usage.disk_write_bytes;
  v.disk_read_bytes_per_sec = usage.disk_read_bytes_per_sec;
  v.disk_write_bytes_per_sec = usage.disk_write_bytes_per_sec;
  v.cpu_capacity_millicores = node.cpu_capacity_millicores;
  v.memory_capacity_bytes = node.memory_capacity_bytes;
  v.cpu_limit_millicores = spec.cpu_limit_millicores;
  v.memory_limit_bytes = spec.memory_limit_bytes != 0 ? spec.memory_limit_bytes : usage.memory_limit_bytes;
  v.cpu_request_millicores = spec.cpu_request_millicores;
  v.memory_request_bytes = spec.memory_request_bytes;
  v.cpu_throttled_periods_per_sec = usage.cpu_throttled_periods_per_sec;
  v.cpu_throttled_ratio = usage.cpu_throttled_ratio;
  v.cpu_throttled_seconds_per_sec = usage.cpu_throttled_seconds_per_sec;
  v.oom_kills = usage.oom_kills;
  v.restarts = restarts;
  v.cpu_pressure_some_percent = usage.cpu_pressure_some_percent;
  v.memory_pressure_some_percent = usage.memory_pressure_some_percent;
  v.memory_pressure_full_percent = usage.memory_pressure_full_percent;
  v.io_pressure_some_percent = usage.io_pressure_some_percent;
  v.io_pressure_full_percent = usage.io_pressure_full_percent;
  return v;
}

}  // namespace

ObjectValues podValues(const model::PodUsage& pod, const model::NodeUsage& node) {
  ObjectValues v = cgroupValues(pod.usage, pod.spec, pod.restarts, node);
  v.network_rx_bytes = pod.network.rx_bytes;
  v.network_tx_bytes = pod.network.tx_bytes;
  v.network_rx_bytes_per_sec = pod.network.rx_bytes_per_sec;
  v.network_tx_bytes_per_sec = pod.network.tx_bytes_per_sec;
  v.pod_count = 1;
  return v;
}

ObjectValues containerValues(const model::ContainerUsage& c, const model::NodeUsage& node) {
  return cgroupValues(c.usage, c.spec, c.restarts, node);
}

std::string containerSeriesName(std::string_view pod, std::string_view container) {
  std::string name;
  assignContainerSeriesName(name, pod, container);
  return name;
}

uint64_t podColumnsFor(std::span<const std::string> values) {
  // Each value podValues copies unchanged from one column of internal::kPodFields, by that column's
  // index (RouterColumnsTest checks every field read this way against the whole series).
  // memory_limit_bytes is absent: it is the spec's limit or else the cgroup's, two columns.
  struct DirectValue {
    std::string_view name;
    unsigned column;
  };
  static constexpr std::array<DirectValue, 26> kDirect{{
      {"cpu_millicores", 0},
      {"memory_working_set_bytes", 1},
      {"memory_rss_bytes", 2},
      {"memory_cache_bytes", 3},
      {"disk_read_bytes", 5},
      {"disk_write_bytes", 6},
      {"disk_read_bytes_per_sec", 7},
      {"disk_write_bytes_per_sec", 8},
      {"network_rx_bytes", 9},
      {"network_tx_bytes", 10},
      {"network_rx_bytes_per_sec", 11},
      {"network_tx_bytes_per_sec", 12},
      {"cpu_limit_millicores", 13},
      {"cpu_request_millicores", 15},
      {"memory_request_bytes", 16},
      {"cpu_throttled_periods_per_sec", 17},
      {"cpu_throttled_ratio", 18},
      {"cpu_throttled_seconds_per_sec", 19},
      {"oom_kills", 20},
      {"oom_kills_in_window", 20},  // folded from the oom_kills of the bucket's samples
      {"restarts", 21},
      {"cpu_pressure_some_percent", 22},
      {"memory_pressure_some_percent", 23},
      {"memory_pressure_full_percent", 24},
      {"io_pressure_some_percent", 25},
      {"io_pressure_full_percent", 26},
  }};
  static_assert(internal::kPodFields.size() <= 64, "one bit per pod column");
  if (values.empty()) return kAllPodColumns;
  uint64_t columns = 1;  // the first column carries the timestamps
  for (const std::string& value : values) {
    const auto direct = std::find_if(kDirect.begin(), kDirect.end(), [&](const DirectValue& d) { return d.name == value; });
    if (direct == kDirect.end()) return kAllPodColumns;
    columns |= uint64_t{1} << direct->column;
  }
  return columns;
}

void assignContainerSeriesName(std::string& out, std::string_view pod, std::string_view container) {
  out.reserve(pod.size() + 1 + container.size());
  out.assign(pod).append(1, '/').append(container);
}

ObjectValues nodeValues(const model::NodeUsage& node, uint64_t pod_count) {
  ObjectValues v;
  v.cpu_millicores = node.cpu_millicores;
  v.memory_working_set_bytes = node.memory_working_set_bytes;
  v.memory_rss_bytes = node.memory_rss_bytes;
  v.memory_cache_bytes = node.memory_cache_bytes;
  v.network_rx_bytes = node.network_rx_bytes;
  v.network_tx_bytes = node.network_tx_bytes;
  v.network_rx_bytes_per_sec = node.network_rx_bytes_per_sec;
  v.network_tx_bytes_per_sec = node.network_tx_bytes_per_sec;
  v.disk_read_bytes = node.disk_read_bytes;
  v.disk_write_bytes = node.disk_write_bytes;
  v.disk_read_bytes_per_sec = node.disk_read_bytes_per_sec;
  v.disk_write_bytes_per_sec = node.disk_write_bytes_per_sec;
  v.pod_count = pod_count;
  v.cpu_capacity_millicores = node.cpu_capacity_millicores;
  v.memory_capacity_bytes = node.memory_capacity_bytes;
  return v;
}

double objectCpuPercent(ObjectKind kind, const ObjectValues& values) {
  if (hasPodLabels(kind) && values.cpu_limit_millicores > 0) {
    return percentOf(values.cpu_millicores, static_cast<double>(values.cpu_limit_millicores));
  }
  return percentOf(values.cpu_millicores, static_cast<double>(values.cpu_capacity_millicores));
}

double objectMemoryPercent(ObjectKind kind, const ObjectValues& values) {
  uint64_t base = values.memory_capacity_bytes;
  if (hasPodLabels(kind) && values.memory_limit_bytes != 0 &&
      (base == 0 || values.memory_limit_bytes < base)) {
    base = values.memory_limit_bytes;  // an unlimited cgroup reports a huge limit: the node caps it
  }
  return percentOf(static_cast<double>(values.memory_working_set_bytes), static_cast<double>(base));
}

ObjectBucketAggregator::ObjectBucketAggregator() : sums_(countGauges(), 0.0) {}

void ObjectBucketAggregator::add(const ObjectValues& values) {
  size_t i = 0;
  for (const auto& rule : kFieldRules) {
    if (rule.kind == FieldKind::kGauge) sums_[i++] += internal::readAsDouble(values, rule.member);
  }
  foldMinMax(values, values);
  if (count_ == 0) {
    first_ = values;
  } else {
    addIncrease(last_, values);
  }
  last_ = values;
  ++count_;
}

void ObjectBucketAggregator::addIncrease(const ObjectValues& before, const ObjectValues& after) {
  if (after.oom_kills > before.oom_kills) increase_ += after.oom_kills - before.oom_kills;
}

void ObjectBucketAggregator::foldMinMax(const ObjectValues& low, const ObjectValues& high) {
  if (count_ == 0) {
    min_ = low;
    max_ = high;
    return;
  }
  for (const auto& rule : kFieldRules) {
    std::visit(
        [&](auto m) {
          min_.*m = std::min(min_.*m, low.*m);
          max_.*m = std::max(max_.*m, high.*m);
        },
        rule.member);
  }
}

void ObjectBucketAggregator::merge(const ObjectBucketAggregator& later) {
  if (later.count_ == 0) return;
  for (size_t i = 0; i < sums_.size(); ++i) sums_[i] += later.sums_[i];
  foldMinMax(later.min_, later.max_);
  if (count_ == 0) {
    first_ = later.first_;
  } else {
    addIncrease(last_, later.first_);
  }
  increase_ += later.increase_;
  last_ = later.last_;
  count_ += later.count_;
}

ObjectValues ObjectBucketAggregator::result() const {
  ObjectValues out = last_;
  if (count_ == 0) return out;
  out.oom_kills_in_window = increase_;
  size_t i = 0;
  for (const auto& rule : kFieldRules) {
    if (rule.kind == FieldKind::kGauge) {
      internal::writeFromDouble(out, rule.member, sums_[i++] / static_cast<double>(count_));
    }
  }
  return out;
}

void ObjectBucketAggregator::reset() {
  std::fill(sums_.begin(), sums_.end(), 0.0);
  last_ = {};
  min_ = {};
  max_ = {};
  first_ = {};
  increase_ = 0;
  count_ = 0;
}

}  // namespace kubemonitor::tsdb
