#pragma once
// Reads the counters of one cgroup (a container's or a pod's) in any cgroup mode, through HostFs.
// Which files, per mode (kernel docs: cgroup-v1/cpuacct.rst, cgroup-v1/memory.rst,
// cgroup-v1/blkio-controller.rst, cgroup-v2.rst, accounting/psi.rst):
//
//   quantity            v1 / hybrid                                   v2
//   CPU time            cpuacct.usage (ns)                            cpu.stat usage_usec
//   throttling          cpu.stat nr_periods, nr_throttled,            cpu.stat nr_periods, nr_throttled,
//                       throttled_time (ns): only where a CFS quota   throttled_usec
//                       applies (cpu.cfs_quota_us every
//                       kRareFilesEveryCycles, or ReadPlan::cpu_limited)
//   memory usage        memory.usage_in_bytes                         memory.current
//   working set         usage − total_inactive_file (floored at 0)    current − inactive_file
//   RSS / cache         memory.stat total_rss / total_cache           memory.stat anon / file
//   limit               memory.stat hierarchical_memory_limit         memory.max (every
//                       (memory.limit_in_bytes where absent)          kRareFilesEveryCycles)
//   OOM kills           memory.oom_control oom_kill                   memory.events oom_kill
//                       (only when ReadPlan::oom)
//   disk bytes          the largest of blkio.{,throttle.,bfq.}         io.stat rbytes / wbytes
//                       io_service_bytes_recursive (each counts the
//                       same I/O at a different layer; some stay 0)
//   pressure            cgroup2 tree's *.pressure when mounted        cpu/memory/io.pressure
//
// Files stay open between cycles (hostfs::RereadableFile, pread from offset 0): on cgroupfs an
// open + close costs ~5.5 µs more than a pread of the kept file (measured on this project's
// kernel 6.18 VM). A kept file pins kernel memory charged to the agent's memory cgroup — its
// seq_file buffer (one page), struct file and kernfs_open_file: kPinnedBytesPerFile, measured —
// so files are kept within a budget in bytes (`max_pinned_bytes`, shared with the collector's
// kept /proc files through pinExternal) and at most `max_open_files` descriptors; past either,
// files are opened per read. A file is closed when
// its cgroup vanishes or when a cycle (beginCycle … evictUnused) did not read it. Every read
// lands in one buffer of the reader and is parsed before the next: a kept file costs a descriptor
// and a few bytes of bookkeeping, not a buffer of its own.
//
// Thread safety: every call may run on any thread; they serialise on one mutex.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cgroup/cgroup_files.h"
#include "cgroup/cgroup_mounts.h"
#include "hostfs/host_fs.h"

namespace kubemonitor::cgroup {

struct CgroupStats {
  uint64_t cpu_usage_ns = 0;              // counter: CPU time of all tasks, since the cgroup was made
  uint64_t cpu_periods = 0;               // counter: CFS enforcement periods
  uint64_t cpu_throttled_periods = 0;     // counter: periods in which the cgroup hit its quota
  uint64_t cpu_throttled_ns = 0;          // counter: time spent throttled
  uint64_t memory_usage_bytes = 0;        // gauge
  uint64_t memory_working_set_bytes = 0;  // gauge: usage − inactive file pages, floored at 0
  uint64_t memory_rss_bytes = 0;          // gauge: anonymous memory
  uint64_t memory_cache_bytes = 0;        // gauge: page cache
  // gauge: 0 = unlimited. v1: the limit in force (the smallest of the cgroup's and its ancestors',
  // memory.stat hierarchical_memory_limit); v2: the cgroup's own memory.max.
  uint64_t memory_limit_bytes = 0;
  uint64_t oom_kills = 0;                 // counter
  DiskBytes disk;                         // counters, summed over devices
  bool has_pressure = false;              // the kernel exposes PSI for this cgroup
  Pressure cpu_pressure, memory_pressure, io_pressure;
};

// Which pressure files read() reads (a bit set).
enum PressureFiles : uint8_t {
  kNoPressure = 0,
  kCpuPressure = 1,
  kMemoryPressure = 2,
  kIoPressure = 4,
  kAllPressure = kCpuPressure | kMemoryPressure | kIoPressure,
};

// What read() reads besides CPU usage and memory usage/stat. A caller that knows a file would read
// zero or what it read before leaves it out; its figures then stay 0 (pressure, disk) or keep the
// value last read (OOM kills).
struct ReadPlan {
  uint8_t pressure = kAllPressure;  // PressureFiles bits
  bool disk = true;                 // blkio.* (v1) or io.stat (v2)
  // memory.oom_control (v1) / memory.events (v2). False when the host counted no OOM kill since
  // the last cycle (/proc/vmstat oom_kill): every kill counts there and in the victim's cgroup at
  // once (mm/oom_kill.c __oom_kill_process), so no cgroup's count can have moved.
  bool oom = true;
  // The pod spec gives the container a CPU limit, so kubelet set a CFS quota: read the v1
  // throttling counters every cycle without waiting for the quota file's cadence.
  bool cpu_limited = false;
};

class CgroupReader {
 public:
  // Each kept file pins a seq_file page (4 KiB) of kernel memory charged to the agent's memory
  // cgroup: 6144 files (24 MiB) keep every file of ~110 pods (4 cgroups × ~12 files each) open.
  static constexpr size_t kDefaultMaxOpenFiles = 6144;
  // Kernel memory one kept cgroup or /proc file pins: 4,456 bytes on kernel 6.18 (the memory
  // cgroup's usage grew by 4,456,448 bytes for 1,000 files opened and read once).
  static constexpr size_t kPinnedBytesPerFile = 4456;
  // What all kept files may pin (cgroup files here, the collector's /proc files): at 110 pods
  // each pod's net/dev and ~900 of the ~1,700 files a cycle reads; the rest are opened per read.
  // It trades ~5.5 µs of CPU per extra open against 4.4 KiB of memory charged to the agent, and
  // is the most that keeps the agent's memory cgroup under 10 MB at 110 pods (docs/benchmarks.md).
  static constexpr size_t kDefaultMaxPinnedBytes = size_t{5} << 20;
  // Files whose answer changes only when someone writes a limit (v1 cpu.cfs_quota_us, v2
  // memory.max) are read once every this many cycles of their cgroup (60 s at the default 5 s),
  // and on the cgroup's first cycle.
  static constexpr uint64_t kRareFilesEveryCycles = 12;

  // `fs` must outlive the reader.
  CgroupReader(const hostfs::HostFs& fs, CgroupMounts mounts, size_t max_open_files = kDefaultMaxOpenFiles,
               size_t max_pinned_bytes = kDefaultMaxPinnedBytes);

  const CgroupMounts& mounts() const { return mounts_; }

  // The directory (a host path, under the host root) of `cgroup_path` ("/kubepods/pod<uid>", as
  // /proc/<pid>/cgroup spells it) in the hierarchy of `controller`; in v2 mode the controller is
  // ignored. kNotFound when that hierarchy is not mounted or the path lies outside its root.
  Result<std::filesystem::path> directory(std::string_view controller, std::string_view cgroup_path) const;

  // The hierarchy that discovery walks: cpuacct's in v1/hybrid (cpu's when cpuacct is missing), the
  // cgroup2 one in v2.
  std::string_view discoveryController() const;

  // Every counter of one cgroup. CPU time is required: kVanished when the cgroup was removed (its
  // CPU file is gone), other errors as they come. The rest is best effort: a file missing or
  // garbled leaves its figures at 0 and adds an Error to `warnings` (missing PSI is no warning).
  // Only the files `plan` names are read; the figures of the others stay 0.
  Result<CgroupStats> read(std::string_view cgroup_path, std::vector<Error>* warnings, ReadPlan plan = {}) const;

  // Whether a cgroup's disk counters include its descendants' (v2 io.stat, v1 *_recursive files;
  // not the flat blkio.throttle.io_service_bytes of kernels without the recursive one).
  bool diskCountersAreHierarchical() const;

  // The processes directly in the cgroup (cgroup.procs of the discovery hierarchy).
  Result<std::vector<int>> pids(std::string_view cgroup_path) const;

  // A collection cycle: files of cgroups not read between beginCycle() and evictUnused() are closed.
  void beginCycle();
  void evictUnused();
  size_t openFiles() const;  // descriptors held now
  // The collector's kept /proc files share the budget: true when `bytes` more fit (and are now
  // counted), false when the file should be read and closed instead.
  bool pinExternal(size_t bytes);
  void unpinExternal(size_t bytes);
  // Held back, ahead of every other kept file, for files worth more per byte (the collector's one
  // net/dev per pod: an open there also costs a namespace check).
  void reservePinnedBytes(size_t bytes);
  size_t pinnedBytes() const;  // kept files' estimated kernel memory, cgroup and external

 private:
  // Every file read() and pids() may read, in any mode; kFileNames_ says which file it is.
  enum File : uint8_t {
    kCpuUsage, kCpuStat, kMemoryUsage, kMemoryStat, kMemoryLimit, kMemoryEvents,
    kBlkio0, kBlkio1, kBlkio2, kBlkio3, kIoStat, kCpuPsi, kMemoryPsi, kIoPsi, kProcs, kCpuQuota, kFileCount
  };
  struct FileName {
    std::string_view controller;  // "" = the cgroup2 hierarchy
    std::string_view name;
  };
  struct FileSlot {
    std::unique_ptr<hostfs::RereadableFile> file;  // null: not opened (yet, or over the budget)
    uint64_t last_cycle = 0;                       // the cycle that read it last
    bool missing = false;                          // the file does not exist for this cgroup
  };
  // What a cgroup's files said when last read, for the cycles that leave them out. Cleared when
  // the cgroup was made again at the same path (a new cgroup starts from its own files).
  struct Remembered {
    bool oom_read = false;         // oom_kills holds a value read from this cgroup
    uint64_t oom_kills = 0;
    bool throttling_read = false;  // cpu_* below hold a value read from this cgroup (v1)
    uint64_t cpu_periods = 0, cpu_throttled_periods = 0, cpu_throttled_ns = 0;
    // The rarely changing files: v1 cpu.cfs_quota_us, v2 memory.max; re-read every
    // kRareFilesEveryCycles cycles.
    uint64_t rare_read_cycle = 0;   // 0 = never read
    bool quota_known = false;       // the quota file was read (missing: unknown, so read cpu.stat)
    bool has_quota = false;         // cfs_quota_us is not -1
    uint64_t memory_max_bytes = 0;  // v2 memory.max, 0 = max
  };
  struct CachedCgroup {
    std::array<FileSlot, kFileCount> files;
    uint64_t last_cycle = 0;
    Remembered remembered;
  };
  // Heterogeneous lookup: a cycle looks cgroups up by string_view without building strings.
  struct PathHash {
    using is_transparent = void;
    size_t operator()(std::string_view path) const { return std::hash<std::string_view>{}(path); }
  };
  using Cache = std::unordered_map<std::string, CachedCgroup, PathHash, std::equal_to<>>;

  static std::array<FileName, kFileCount> fileNamesFor(const CgroupMounts& mounts);
  CachedCgroup& cached(std::string_view cgroup_path) const;
  // The file's current text, valid until the next readFile. kVanished when the cgroup was removed
  // since the file was opened.
  Result<std::string_view> readFile(CachedCgroup& cgroup, std::string_view cgroup_path, File file) const;
  Result<std::string_view> readUnkept(const std::filesystem::path& path) const;
  bool budgetFull() const;  // no room for one more kept cgroup file
  void forget(std::string_view cgroup_path) const;  // closes the cgroup's files (it vanished)
  Status readCpu(CachedCgroup& cgroup, std::string_view path, bool cpu_limited, CgroupStats& stats,
                 std::vector<Error>* warnings) const;
  // v1: whether the throttling counters can have moved since they were last read (a CFS quota is
  // set, or was when they were read, or is not known).
  bool throttlingMayMove(CachedCgroup& cgroup, std::string_view path, bool cpu_limited, std::vector<Error>* warnings) const;
  bool rareFilesDue(const CachedCgroup& cgroup) const;
  void readMemory(CachedCgroup& cgroup, std::string_view path, bool oom, CgroupStats& stats,
                  std::vector<Error>* warnings) const;
  void readMemoryLimit(CachedCgroup& cgroup, std::string_view path, const FlatKeyed* stat, CgroupStats& stats,
                       std::vector<Error>* warnings) const;
  void readDisk(CachedCgroup& cgroup, std::string_view path, CgroupStats& stats, std::vector<Error>* warnings) const;
  void readPressure(CachedCgroup& cgroup, std::string_view path, uint8_t pressure, CgroupStats& stats,
                    std::vector<Error>* warnings) const;

  const hostfs::HostFs& fs_;
  const CgroupMounts mounts_;
  const size_t max_open_files_;
  const size_t max_pinned_bytes_;
  mutable size_t external_pinned_bytes_ = 0;  // guarded by mutex_
  size_t reserved_pinned_bytes_ = 0;          // guarded by mutex_
  const std::array<FileName, kFileCount> file_names_;
  mutable std::mutex mutex_;
  mutable Cache cache_;                 // by cgroup path; guarded by mutex_
  mutable std::string buffer_;          // the text of the last readFile; guarded by mutex_
  mutable size_t open_files_ = 0;       // guarded by mutex_
  uint64_t cycle_ = 0;                  // guarded by mutex_
  // v1 blkio files found missing once are missing in every cgroup of the hierarchy (the file set
  // is per hierarchy): one bit per candidate file, so later cycles skip the failed open.
  mutable uint32_t missing_blkio_files_ = 0;  // guarded by mutex_
};

}  // namespace kubemonitor::cgroup
