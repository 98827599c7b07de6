#pragma once
// A v1 memory cgroup of the benchmark's own (kmbench-<pid>-<name> at the top of the memory
// hierarchy) for one measured process, so that its footprint is what the memory controller
// charges it — RSS, page cache and kernel memory (kept files' seq_file buffers, sockets, page
// tables) — as `kubectl top` would show for the agent pod. Removed by the destructor (after the
// process in it ended).

#include <cstdint>
#include <string>

namespace kubemonitor::bench {

struct MemoryCharge {
  uint64_t peak_bytes = 0;    // memory.max_usage_in_bytes: the high-water mark of the charge
  uint64_t usage_bytes = 0;   // memory.usage_in_bytes now
  uint64_t rss_bytes = 0;     // memory.stat total_rss now
  uint64_t cache_bytes = 0;   // memory.stat total_cache now
  uint64_t kernel_bytes = 0;  // usage − rss − cache: kernel memory charged to it (floored at 0)
};

class MemoryCgroup {
 public:
  explicit MemoryCgroup(const std::string& name);
  ~MemoryCgroup();
  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;

  bool ok() const { return !dir_.empty(); }
  // The file a process writes "0" (itself) to, to join: `sh -c 'echo 0 > PROCS; exec …'`.
  std::string procsFile() const { return dir_ + "/cgroup.procs"; }
  MemoryCharge charge() const;

 private:
  std::string dir_;  // "" when the memory hierarchy is not there or not writable
};

}  // namespace kubemonitor::bench
