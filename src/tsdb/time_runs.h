#pragma once
// A set of timestamps (Unix ms) stored as runs of evenly spaced values: a node reports on its
// interval grid, so the timestamps of its samples that left the head (they are in blocks) are one
// run per stretch without outage, whatever the retention — instead of 8 bytes per sample.

#include <cstdint>
#include <iterator>
#include <map>

namespace kubemonitor::tsdb {

class TimeRuns {
 public:
  bool contains(int64_t ts_ms) const {
    auto it = runAtOrBefore(ts_ms);
    return it != runs_.end() && it->second.holds(it->first, ts_ms);
  }
  // Adds `ts_ms`; false when it was there already.
  bool insert(int64_t ts_ms) {
    if (contains(ts_ms)) return false;
    ++size_;
    auto before = runAtOrBefore(ts_ms);
    if (before != runs_.end() && ts_ms < before->second.last(before->first)) {
      // Off the grid inside a run (rare): split it so that runs never overlap.
      const int64_t first = before->first;
      const Run run = before->second;
      const uint64_t below = static_cast<uint64_t>((ts_ms - first) / run.step_ms) + 1;
      const uint64_t rest = run.count - below;
      before->second = Run{below, below == 1 ? 0 : run.step_ms};
      runs_.emplace(first + static_cast<int64_t>(below) * run.step_ms, Run{rest, rest == 1 ? 0 : run.step_ms});
      runs_.emplace(ts_ms, Run{1, 0});
      return true;
    }
    if (before != runs_.end()) {
      Run& run = before->second;
      const int64_t last = run.last(before->first);
      // A run of one takes any step; a longer run only its own.
      if (ts_ms > last && (run.count == 1 || ts_ms - last == run.step_ms)) {
        if (run.count == 1) run.step_ms = ts_ms - last;
        ++run.count;
        mergeWithNext(before);
        return true;
      }
    }
    auto after = before == runs_.end() ? runs_.begin() : std::next(before);
    if (after != runs_.end() && ts_ms < after->first &&
        (after->second.count == 1 || after->first - ts_ms == after->second.step_ms)) {
      Run run = after->second;
      if (run.count == 1) run.step_ms = after->first - ts_ms;
      ++run.count;
      runs_.erase(after);
      runs_.emplace(ts_ms, run);
      return true;
    }
    runs_.emplace(ts_ms, Run{1, 0});
    return true;
  }
  // Removes `ts_ms`; false when it was not there. A run cut in the middle becomes two.
  bool erase(int64_t ts_ms) {
    auto it = runAtOrBefore(ts_ms);
    if (it == runs_.end() || !it->second.holds(it->first, ts_ms)) return false;
    --size_;
    const int64_t first = it->first;
    const Run run = it->second;
    runs_.erase(it);
    const uint64_t index = run.count == 1 ? 0 : static_cast<uint64_t>((ts_ms - first) / run.step_ms);
    if (index > 0) runs_.emplace(first, Run{index, index == 1 ? 0 : run.step_ms});
    if (index + 1 < run.count) {
      const uint64_t rest = run.count - index - 1;
      runs_.emplace(ts_ms + run.step_ms, Run{rest, rest == 1 ? 0 : run.step_ms});
    }
    return true;
  }
  // Drops every timestamp below `cutoff_ms`; returns how many went.
  uint64_t eraseBelow(int64_t cutoff_ms) {
    uint64_t dropped = 0;
    while (!runs_.empty() && runs_.begin()->first < cutoff_ms) {
      auto it = runs_.begin();
      const int64_t first = it->first;
      const Run run = it->second;
      if (run.last(first) < cutoff_ms) {
        dropped += run.count;
        runs_.erase(it);
        continue;
      }
      // Cut inside the run: the first index at or after the cutoff (run.count > 1 here).
      const uint64_t index = static_cast<uint64_t>((cutoff_ms - first + run.step_ms - 1) / run.step_ms);
      dropped += index;
      runs_.erase(it);
      const uint64_t rest = run.count - index;
      runs_.emplace(first + static_cast<int64_t>(index) * run.step_ms, Run{rest, rest == 1 ? 0 : run.step_ms});
      break;
    }
    size_ -= dropped;
    return dropped;
  }
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t runs() const { return runs_.size(); }
  // Calls visit(first_ms, step_ms, count) for each run in time order (snapshots).
  template <typename Visit>
  void forEachRun(Visit&& visit) const {
    for (const auto& [first, run] : runs_) visit(first, run.step_ms, run.count);
  }
  // Appends a run read back from a snapshot; false when it does not follow the last one (count ≥ 1,
  // step > 0 when count > 1).
  bool appendRun(int64_t first_ms, int64_t step_ms, uint64_t count) {
    if (count == 0 || (count > 1 && step_ms <= 0) || count > (uint64_t{1} << 40)) return false;
    // first_ms + step_ms × count must stay representable (a corrupt snapshot may say anything).
    int64_t span_ms = 0, end_ms = 0;
    if (count > 1 && (__builtin_mul_overflow(step_ms, static_cast<int64_t>(count), &span_ms) ||
                      __builtin_add_overflow(first_ms, span_ms, &end_ms))) {
      return false;
    }
    if (!runs_.empty() && runs_.rbegin()->second.last(runs_.rbegin()->first) >= first_ms) return false;
    runs_.emplace_hint(runs_.end(), first_ms, Run{count, count == 1 ? 0 : step_ms});
    size_ += count;
    return true;
  }

 private:
  struct Run {
    uint64_t count = 0;  // ≥ 1
    int64_t step_ms = 0;  // 0 while count == 1
    int64_t last(int64_t first) const { return first + static_cast<int64_t>(count - 1) * step_ms; }
    bool holds(int64_t first, int64_t ts) const {
      if (ts < first || ts > last(first)) return false;
      return count == 1 ? ts == first : (ts - first) % step_ms == 0;
    }
  };
  using Runs = std::map<int64_t, Run>;  // key: the run's first timestamp
  Runs::const_iterator runAtOrBefore(int64_t ts_ms) const {
    auto it = runs_.upper_bound(ts_ms);
    return it == runs_.begin() ? runs_.end() : std::prev(it);
  }
  Runs::iterator runAtOrBefore(int64_t ts_ms) {
    auto it = runs_.upper_bound(ts_ms);
    return it == runs_.begin() ? runs_.end() : std::prev(it);
  }
  // Joins `it` with the run after it when that one continues it on the same step.
  void mergeWithNext(Runs::iterator it) {
    auto next = std::next(it);
    if (next == runs_.end()) return;
    Run& run = it->second;
    const int64_t last = run.last(it->first);
    if (next->first - last != run.step_ms) return;
    if (next->second.count > 1 && next->second.step_ms != run.step_ms) return;
    run.count += next->second.count;
    runs_.erase(next);
  }

  Runs runs_;
  uint64_t size_ = 0;
};

}  // namespace kubemonitor::tsdb
