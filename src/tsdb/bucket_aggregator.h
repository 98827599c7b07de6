#pragma once
// Folds the samples of one step bucket into one point. Which NodeUsage fields are averaged and
// which keep their last value is one table (bucket_aggregator.cpp), shared by every engine.

#include <cstddef>
#include <cstdint>
#include <string>
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

// The start of the step bucket holding `timestamp_ms`: floor division, so that buckets before 1970
// align too (C++ '/' truncates toward zero). `step_ms` > 0.
inline int64_t bucketStart(int64_t timestamp_ms, int64_t step_ms) {
  return timestamp_ms - ((timestamp_ms % step_ms) + step_ms) % step_ms;
}

struct NodeSample;  // storage.h, which includes this header through object_values.h

// A node's raw samples, oldest first, folded into one point per step bucket as
// Storage::nodeSeries answers them: every engine folds through this one class.
class NodeSeriesFolder {
 public:
  NodeSeriesFolder(std::string_view node, int64_t step_ms, std::vector<NodeSample>& out)
      : node_(node), step_ms_(step_ms), out_(out) {}
  void add(int64_t timestamp_ms, const model::NodeUsage& usage, int64_t interval_ms, uint64_t pod_count);
  void finish();

 private:
  std::string node_;
  const int64_t step_ms_;
  std::vector<NodeSample>& out_;
  BucketAggregator bucket_;
  int64_t bucket_ms_ = 0;
  uint64_t pod_count_ = 0;  // the bucket's last, like the capacities
};

}  // namespace kubemonitor::tsdb
