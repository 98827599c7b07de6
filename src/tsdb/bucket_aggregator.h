#pragma once
// Folds the samples of one step bucket into one point. Which NodeUsage fields are averaged and
// which keep their last value is one table (bucket_aggregator.cpp), shared by every engine.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/report.h"

namespace kubemonitor::tsdb {

enum class Aggregation {
  kMean,  // gauges: the average over the bucket (cpu_millicores, *_per_sec, memory_*_bytes, ...)
  kLast,  // counters (cumulative since boot), capacities and clocks: the bucket's newest value
};

// How `field_name` (as on the wire) is folded; kMean for names it does not know.
Aggregation aggregationOf(std::string_view field_name);

// Not thread-safe; one per bucket. Samples must be added oldest first.
class BucketAggregator {
 public:
  BucketAggregator();
  void add(const model::NodeUsage& usage, int64_t interval_ms);
  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  // The folded usage; the newest interval. Requires !empty().
  model::NodeUsage result() const;
  int64_t intervalMs() const { return last_interval_ms_; }
  void reset();

 private:
  std::vector<double> sums_;  // one per kMean field, in table order
  model::NodeUsage last_;
  int64_t last_interval_ms_ = 0;
  size_t count_ = 0;
};

}  // namespace kubemonitor::tsdb
