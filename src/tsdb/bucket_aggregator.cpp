#include "tsdb/bucket_aggregator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <type_traits>
#include <variant>

#include "tsdb/field_table.h"
#include "tsdb/storage.h"

namespace kubemonitor::tsdb {
namespace {

using model::NodeUsage;
using UsageMember = std::variant<double NodeUsage::*, uint64_t NodeUsage::*, uint32_t NodeUsage::*>;

struct FieldRule {
  std::string_view name;
  UsageMember member;
  Aggregation aggregation;
};

// The one list of how each NodeUsage field folds. Counters are cumulative since boot, so their
// average would be meaningless; capacities change only on resize/hot-plug, where the newest value
// is the true one; uptime is a clock, whose bucket-end reading is the honest one.
constexpr std::array<FieldRule, 20> kFieldRules{{
    {"cpu_millicores", &NodeUsage::cpu_millicores, Aggregation::kMean},
    {"cpu_capacity_millicores", &NodeUsage::cpu_capacity_millicores, Aggregation::kLast},
    {"cpu_count", &NodeUsage::cpu_count, Aggregation::kLast},
    {"memory_capacity_bytes", &NodeUsage::memory_capacity_bytes, Aggregation::kLast},
    {"memory_working_set_bytes", &NodeUsage::memory_working_set_bytes, Aggregation::kMean},
    {"memory_used_bytes", &NodeUsage::memory_used_bytes, Aggregation::kMean},
    {"memory_rss_bytes", &NodeUsage::memory_rss_bytes, Aggregation::kMean},
    {"memory_cache_bytes", &NodeUsage::memory_cache_bytes, Aggregation::kMean},
    {"memory_buffers_bytes", &NodeUsage::memory_buffers_bytes, Aggregation::kMean},
    {"network_rx_bytes", &NodeUsage::network_rx_bytes, Aggregation::kLast},
    {"network_tx_bytes", &NodeUsage::network_tx_bytes, Aggregation::kLast},
    {"network_rx_bytes_per_sec", &NodeUsage::network_rx_bytes_per_sec, Aggregation::kMean},
    {"network_tx_bytes_per_sec", &NodeUsage::network_tx_bytes_per_sec, Aggregation::kMean},
    {"disk_read_bytes", &NodeUsage::disk_read_bytes, Aggregation::kLast},
    {"disk_write_bytes", &NodeUsage::disk_write_bytes, Aggregation::kLast},
    {"disk_read_bytes_per_sec", &NodeUsage::disk_read_bytes_per_sec, Aggregation::kMean},
    {"disk_write_bytes_per_sec", &NodeUsage::disk_write_bytes_per_sec, Aggregation::kMean},
    {"filesystem_capacity_bytes", &NodeUsage::filesystem_capacity_bytes, Aggregation::kLast},
    {"filesystem_used_bytes", &NodeUsage::filesystem_used_bytes, Aggregation::kMean},
    {"uptime_seconds", &NodeUsage::uptime_seconds, Aggregation::kLast},
}};

// A NodeUsage field added without a rule would silently keep its last value; catch it here.
static_assert(sizeof(NodeUsage) <= kFieldRules.size() * sizeof(double), "NodeUsage grew: add its FieldRule");

constexpr size_t countMeanFields() {
  size_t n = 0;
  for (const auto& rule : kFieldRules) n += rule.aggregation == Aggregation::kMean ? 1 : 0;
  return n;
}
constexpr size_t kMeanFieldCount = countMeanFields();

using internal::readAsDouble;
using internal::writeFromDouble;

}  // namespace

Aggregation aggregationOf(std::string_view field_name) {
  for (const auto& rule : kFieldRules) {
    if (rule.name == field_name) return rule.aggregation;
  }
  return Aggregation::kMean;
}

BucketAggregator::BucketAggregator() : sums_(kMeanFieldCount, 0.0) {}

void BucketAggregator::add(const model::NodeUsage& usage, int64_t interval_ms) {
  size_t i = 0;
  for (const auto& rule : kFieldRules) {
    if (rule.aggregation == Aggregation::kMean) sums_[i++] += readAsDouble(usage, rule.member);
  }
  last_ = usage;
  last_interval_ms_ = interval_ms;
  ++count_;
}

model::NodeUsage BucketAggregator::result() const {
  model::NodeUsage out = last_;
  if (count_ == 0) return out;
  size_t i = 0;
  for (const auto& rule : kFieldRules) {
    if (rule.aggregation == Aggregation::kMean) {
      writeFromDouble(out, rule.member, sums_[i++] / static_cast<double>(count_));
    }
  }
  return out;
}

void BucketAggregator::reset() {
  std::fill(sums_.begin(), sums_.end(), 0.0);
  last_ = {};
  last_interval_ms_ = 0;
  count_ = 0;
}

void NodeSeriesFolder::add(int64_t timestamp_ms, const model::NodeUsage& usage, int64_t interval_ms,
                           uint64_t pod_count) {
  const int64_t this_bucket_ms = bucketStart(timestamp_ms, step_ms_);
  if (!bucket_.empty() && this_bucket_ms != bucket_ms_) finish();
  bucket_ms_ = this_bucket_ms;
  bucket_.add(usage, interval_ms);
  pod_count_ = pod_count;
}

void NodeSeriesFolder::finish() {
  if (bucket_.empty()) return;
  out_.push_back(NodeSample{node_, bucket_ms_, bucket_.intervalMs(), bucket_.result(), pod_count_});
  bucket_.reset();
}

}  // namespace kubemonitor::tsdb
