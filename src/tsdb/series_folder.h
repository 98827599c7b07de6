#pragma once
// Folds a series' time-ordered samples (or rollup buckets) into step buckets, each point labelled
// by the newest sample of its bucket and stamped with the bucket start. Shared by MemoryStorage
// (raw samples) and EmbeddedStorage (rollups), so both cut and fold buckets the same way.

#include <cstdint>
#include <vector>

#include "tsdb/object_values.h"
#include "tsdb/storage.h"

namespace kubemonitor::tsdb {

class ObjectSeriesFolder {
 public:
  explicit ObjectSeriesFolder(std::vector<ObjectSample>& out) : out_(out) {}
  // One raw sample, in bucket `bucket_ms` (buckets in increasing order).
  void add(int64_t bucket_ms, const ObjectSample& labels, const ObjectValues& values) {
    enter(bucket_ms, labels);
    bucket_.add(values);
  }
  // A whole rollup bucket.
  void merge(int64_t bucket_ms, const ObjectSample& labels, const ObjectBucketAggregator& values) {
    enter(bucket_ms, labels);
    bucket_.merge(values);
  }
  // Emits the last bucket; call once after the last sample.
  void finish() {
    if (bucket_.empty()) return;
    labels_.timestamp_ms = bucket_ms_;
    labels_.values = bucket_.result();
    // The rise from the previous point's last sample to this bucket's first, which neither bucket
    // sees alone (a kill between two buckets belongs to the later one).
    const uint64_t first_kills = bucket_.first().oom_kills;
    if (have_previous_ && first_kills > previous_oom_kills_) labels_.values.oom_kills_in_window += first_kills - previous_oom_kills_;
    previous_oom_kills_ = bucket_.last().oom_kills;
    have_previous_ = true;
    out_.push_back(labels_);
    bucket_.reset();
  }

 private:
  void enter(int64_t bucket_ms, const ObjectSample& labels) {
    if (!bucket_.empty() && bucket_ms != bucket_ms_) finish();
    bucket_ms_ = bucket_ms;
    labels_ = labels;
  }

  std::vector<ObjectSample>& out_;
  ObjectBucketAggregator bucket_;
  ObjectSample labels_;
  int64_t bucket_ms_ = 0;
  uint64_t previous_oom_kills_ = 0;  // oom_kills of the last sample of the previous point
  bool have_previous_ = false;
};

}  // namespace kubemonitor::tsdb
