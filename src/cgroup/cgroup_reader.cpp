#include "cgroup/cgroup_reader.h"

#include <algorithm>
#include <array>

#include "common/text.h"

namespace kubemonitor::cgroup {
namespace {

constexpr std::string_view kUnified = "";  // controller key meaning "the cgroup2 hierarchy"

// v1 candidates for disk bytes, in the order of DESIGN §2 plus BFQ's copy (Linux ≥ 5.0 with BFQ).
constexpr std::array<std::string_view, 4> kBlkioFiles = {
    "blkio.io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive",
    "blkio.throttle.io_service_bytes", "blkio.bfq.io_service_bytes_recursive"};

constexpr std::string_view kThrottleFlat = "blkio.throttle.io_service_bytes";
constexpr uint32_t kThrottleRecursiveBit = uint32_t{1} << 1;  // kBlkioFiles[1]

// What parseLimit treats as "no limit": v1 prints PAGE_COUNTER_MAX pages for an unlimited cgroup.
constexpr uint64_t kNoLimitBytes = uint64_t{1} << 62;

uint64_t flatValue(const FlatKeyed& values, std::string_view key) { return values.valueOr(key, 0); }

void warn(std::vector<Error>* warnings, Error error) {
  // A cgroup removed between two of its files is data (DESIGN rule 5); the next cycle drops it.
  if (error.code == ErrorCode::kVanished) return;
  if (warnings != nullptr) warnings->push_back(std::move(error));
}

// A cgroup directory that disappears between discovery and this read: the kernel answers ENOENT.
Error vanishedOr(Error error) {
  if (error.code == ErrorCode::kNotFound) {
    error.code = ErrorCode::kVanished;
    error.message = "cgroup removed: " + error.message;
  }
  return error;
}

}  // namespace

std::array<CgroupReader::FileName, CgroupReader::kFileCount> CgroupReader::fileNamesFor(const CgroupMounts& mounts) {
  std::array<FileName, kFileCount> names{};
  if (mounts.mode == CgroupMode::kV2) {
    names[kCpuUsage] = {kUnified, "cpu.stat"};  // usage_usec and the throttling figures in one file
    names[kCpuStat] = {kUnified, "cpu.stat"};
    names[kMemoryUsage] = {kUnified, "memory.current"};
    names[kMemoryStat] = {kUnified, "memory.stat"};
    names[kMemoryLimit] = {kUnified, "memory.max"};
    names[kMemoryEvents] = {kUnified, "memory.events"};
    names[kIoStat] = {kUnified, "io.stat"};
    names[kProcs] = {kUnified, "cgroup.procs"};
    names[kCpuQuota] = {kUnified, "cpu.max"};  // not read: v2's cpu.stat has the throttling anyway
  } else {
    const std::string_view cpuacct = mounts.v1.contains("cpuacct") ? "cpuacct" : "cpu";
    names[kCpuUsage] = {cpuacct, "cpuacct.usage"};
    names[kCpuStat] = {"cpu", "cpu.stat"};
    names[kMemoryUsage] = {"memory", "memory.usage_in_bytes"};
    names[kMemoryStat] = {"memory", "memory.stat"};
    names[kMemoryLimit] = {"memory", "memory.limit_in_bytes"};
    names[kMemoryEvents] = {"memory", "memory.oom_control"};
    for (size_t i = 0; i < kBlkioFiles.size(); ++i) names[kBlkio0 + i] = {"blkio", kBlkioFiles[i]};
    names[kProcs] = {cpuacct, "cgroup.procs"};
    names[kCpuQuota] = {"cpu", "cpu.cfs_quota_us"};
  }
  names[kCpuPsi] = {kUnified, "cpu.pressure"};
  names[kMemoryPsi] = {kUnified, "memory.pressure"};
  names[kIoPsi] = {kUnified, "io.pressure"};
  return names;
}

CgroupReader::CgroupReader(const hostfs::HostFs& fs, CgroupMounts mounts, size_t max_open_files,
                           size_t max_pinned_bytes)
    : fs_(fs),
      mounts_(std::move(mounts)),
      max_open_files_(max_open_files),
      max_pinned_bytes_(max_pinned_bytes),
      file_names_(fileNamesFor(mounts_)) {}

bool CgroupReader::budgetFull() const {
  return open_files_ >= max_open_files_ ||
         (open_files_ + 1) * kPinnedBytesPerFile + external_pinned_bytes_ + reserved_pinned_bytes_ > max_pinned_bytes_;
}

bool CgroupReader::pinExternal(size_t bytes) {
  std::lock_guard lock(mutex_);
  if (open_files_ * kPinnedBytesPerFile + external_pinned_bytes_ + reserved_pinned_bytes_ + bytes > max_pinned_bytes_) {
    return false;
  }
  external_pinned_bytes_ += bytes;
  return true;
}

void CgroupReader::unpinExternal(size_t bytes) {
  std::lock_guard lock(mutex_);
  external_pinned_bytes_ -= std::min(bytes, external_pinned_bytes_);
}

void CgroupReader::reservePinnedBytes(size_t bytes) {
  std::lock_guard lock(mutex_);
  reserved_pinned_bytes_ = bytes;
}

size_t CgroupReader::pinnedBytes() const {
  std::lock_guard lock(mutex_);
  return open_files_ * kPinnedBytesPerFile + external_pinned_bytes_ + reserved_pinned_bytes_;
}

void CgroupReader::beginCycle() {
  std::lock_guard lock(mutex_);
  ++cycle_;
}

void CgroupReader::evictUnused() {
  std::lock_guard lock(mutex_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    const bool cgroup_read = it->second.last_cycle == cycle_;
    // Files left out this cycle (a sandbox's counters, pressure of a pod without stalls) give
    // their kernel page back; reopening one later costs ~10 µs.
    for (auto& slot : it->second.files) {
      if (slot.file && (!cgroup_read || slot.last_cycle != cycle_)) {
        slot.file.reset();
        --open_files_;
      }
    }
    it = cgroup_read ? std::next(it) : cache_.erase(it);
  }
}

size_t CgroupReader::openFiles() const {
  std::lock_guard lock(mutex_);
  return open_files_;
}

CgroupReader::CachedCgroup& CgroupReader::cached(std::string_view cgroup_path) const {
  auto it = cache_.find(cgroup_path);
  if (it == cache_.end()) it = cache_.emplace(std::string(cgroup_path), CachedCgroup{}).first;
  it->second.last_cycle = cycle_;
  return it->second;
}

void CgroupReader::forget(std::string_view cgroup_path) const {
  auto it = cache_.find(cgroup_path);
  if (it == cache_.end()) return;
  for (const auto& slot : it->second.files) open_files_ -= slot.file ? 1 : 0;
  cache_.erase(it);
}

Result<std::filesystem::path> CgroupReader::directory(std::string_view controller,
                                                      std::string_view cgroup_path) const {
  const HierarchyMount* mount = controller == kUnified ? (mounts_.unified ? &*mounts_.unified : nullptr)
                                                       : mounts_.hierarchyFor(controller);
  if (mount == nullptr) {
    return makeError(ErrorCode::kNotFound, "hierarchy not mounted",
                     controller.empty() ? std::string("cgroup2") : std::string(controller));
  }
  std::string_view relative = cgroup_path;
  if (mount->root != "/") {
    if (relative.substr(0, mount->root.size()) != mount->root ||
        (relative.size() > mount->root.size() && relative[mount->root.size()] != '/')) {
      return makeError(ErrorCode::kNotFound, "cgroup lies outside the mounted root " + mount->root,
                       std::string(cgroup_path));
    }
    relative.remove_prefix(mount->root.size());
  }
  std::string absolute = mount->mount_point;
  if (!relative.empty() && relative.front() != '/') absolute += '/';
  absolute += relative;
  return fs_.paths().hostPath(absolute);
}

std::string_view CgroupReader::discoveryController() const {
  if (mounts_.mode == CgroupMode::kV2) return kUnified;
  return mounts_.v1.contains("cpuacct") ? "cpuacct" : "cpu";
}

Result<std::string_view> CgroupReader::readUnkept(const std::filesystem::path& path) const {
  // Opened, read once and closed: a cgroup file is a seq_file, whose short read is its end, so
  // the read to EOF that a regular file needs (a fourth system call per file) is left out.
  auto opened = fs_.openRereadable(path);
  if (!opened) return opened.error();
  return (*opened)->read(buffer_);
}

Result<std::string_view> CgroupReader::readFile(CachedCgroup& cgroup, std::string_view cgroup_path, File file) const {
  const FileName& name = file_names_[file];
  FileSlot& slot = cgroup.files[file];
  slot.last_cycle = cycle_;
  if (slot.missing) return makeError(ErrorCode::kNotFound, "no such file (remembered)", std::string(name.name));
  if (!slot.file) {
    auto dir = directory(name.controller, cgroup_path);
    if (!dir) return dir.error();
    if (budgetFull()) return readUnkept(*dir / name.name);
    auto opened = fs_.openRereadable(*dir / name.name);
    if (!opened) {
      if (opened.error().code == ErrorCode::kNotFound) slot.missing = true;
      if (opened.error().code != ErrorCode::kIo) return opened.error();
      // EMFILE/ENFILE (the descriptor limit is lower than the budget): read without keeping it.
      return readUnkept(*dir / name.name);
    }
    slot.file = std::move(*opened);
    ++open_files_;
    return slot.file->read(buffer_);
  }
  auto text = slot.file->read(buffer_);
  if (text || text.error().code != ErrorCode::kVanished) return text;
  // The cgroup this descriptor belonged to is gone; one made again at the same path (a container
  // restarted in place) is a new cgroup: open it afresh, once, and forget what the old one said.
  slot.file.reset();
  --open_files_;
  cgroup.remembered = {};
  auto dir = directory(name.controller, cgroup_path);
  if (!dir) return dir.error();
  auto reopened = fs_.openRereadable(*dir / name.name);
  if (!reopened) return text.error();
  slot.file = std::move(*reopened);
  ++open_files_;
  return slot.file->read(buffer_);
}

Result<CgroupStats> CgroupReader::read(std::string_view cgroup_path, std::vector<Error>* warnings,
                                       ReadPlan plan) const {
  std::lock_guard lock(mutex_);
  CachedCgroup& cgroup = cached(cgroup_path);
  CgroupStats stats;
  if (auto status = readCpu(cgroup, cgroup_path, plan.cpu_limited, stats, warnings); !status) {
    // Its files are closed: a cgroup made again at the same path (a restart) starts afresh.
    forget(cgroup_path);
    return status.error();
  }
  readMemory(cgroup, cgroup_path, plan.oom, stats, warnings);
  if (rareFilesDue(cgroup)) cgroup.remembered.rare_read_cycle = cycle_;
  if (plan.disk) readDisk(cgroup, cgroup_path, stats, warnings);
  readPressure(cgroup, cgroup_path, plan.pressure, stats, warnings);
  return stats;
}

bool CgroupReader::diskCountersAreHierarchical() const {
  std::lock_guard lock(mutex_);
  return mounts_.mode == CgroupMode::kV2 || (missing_blkio_files_ & kThrottleRecursiveBit) == 0;
}

Result<std::vector<int>> CgroupReader::pids(std::string_view cgroup_path) const {
  std::lock_guard lock(mutex_);
  auto text = readFile(cached(cgroup_path), cgroup_path, kProcs);
  if (!text) {
    forget(cgroup_path);
    return vanishedOr(text.error());
  }
  return parseCgroupProcs(*text);
}

Status CgroupReader::readCpu(CachedCgroup& cgroup, std::string_view cgroup_path, bool cpu_limited,
                             CgroupStats& stats, std::vector<Error>* warnings) const {
  if (mounts_.mode == CgroupMode::kV2) {
    auto text = readFile(cgroup, cgroup_path, kCpuUsage);
    if (!text) return vanishedOr(text.error());
    auto values = parseFlatKeyed(*text, "cpu.stat");
    if (!values) return values.error();
    if (!values->contains("usage_usec")) return makeError(ErrorCode::kParse, "no usage_usec", "cpu.stat");
    stats.cpu_usage_ns = flatValue(*values, "usage_usec") * 1000;
    stats.cpu_periods = flatValue(*values, "nr_periods");
    stats.cpu_throttled_periods = flatValue(*values, "nr_throttled");
    stats.cpu_throttled_ns = flatValue(*values, "throttled_usec") * 1000;
    return {};
  }
  auto usage = readFile(cgroup, cgroup_path, kCpuUsage);
  if (!usage) return vanishedOr(usage.error());
  auto usage_ns = parseSingleValue(*usage, "cpuacct.usage");
  if (!usage_ns) return usage_ns.error();
  stats.cpu_usage_ns = *usage_ns;
  Remembered& remembered = cgroup.remembered;
  if (!throttlingMayMove(cgroup, cgroup_path, cpu_limited, warnings)) {
    stats.cpu_periods = remembered.cpu_periods;
    stats.cpu_throttled_periods = remembered.cpu_throttled_periods;
    stats.cpu_throttled_ns = remembered.cpu_throttled_ns;
    return {};
  }
  auto throttling = readFile(cgroup, cgroup_path, kCpuStat);
  if (!throttling) return warn(warnings, throttling.error()), Status{};
  auto values = parseFlatKeyed(*throttling, "cpu.stat");
  if (!values) return warn(warnings, values.error()), Status{};
  stats.cpu_periods = flatValue(*values, "nr_periods");
  stats.cpu_throttled_periods = flatValue(*values, "nr_throttled");
  stats.cpu_throttled_ns = flatValue(*values, "throttled_time");
  remembered.throttling_read = true;
  remembered.cpu_periods = stats.cpu_periods;
  remembered.cpu_throttled_periods = stats.cpu_throttled_periods;
  remembered.cpu_throttled_ns = stats.cpu_throttled_ns;
  return {};
}

bool CgroupReader::rareFilesDue(const CachedCgroup& cgroup) const {
  const uint64_t last = cgroup.remembered.rare_read_cycle;
  return last == 0 || cycle_ - last >= kRareFilesEveryCycles;
}

bool CgroupReader::throttlingMayMove(CachedCgroup& cgroup, std::string_view cgroup_path, bool cpu_limited,
                                     std::vector<Error>* warnings) const {
  Remembered& remembered = cgroup.remembered;
  if (cpu_limited) return true;
  const bool had_quota = !remembered.quota_known || remembered.has_quota;
  if (rareFilesDue(cgroup)) {
    remembered.quota_known = false;
    auto text = readFile(cgroup, cgroup_path, kCpuQuota);
    // cpu.cfs_quota_us is a signed value, -1 = no quota (Documentation/scheduler/sched-bwc.rst).
    if (text && text::trim(*text) == "-1") {
      remembered.quota_known = true;
      remembered.has_quota = false;
    } else if (text && parseSingleValue(*text, "cpu.cfs_quota_us")) {
      remembered.quota_known = true;
      remembered.has_quota = true;
    } else if (!text && text.error().code != ErrorCode::kNotFound) {
      warn(warnings, text.error());
    }
  }
  // Counters from a quota the cgroup had before: read once, whatever the quota is now.
  if (!remembered.throttling_read) return true;
  // Without a quota the period timer never runs, so nr_periods, nr_throttled and throttled_time
  // stand still (kernel/sched/fair.c: do_sched_cfs_period_timer returns at quota == RUNTIME_INF;
  // throttle_cfs_rq needs runtime_enabled). Removing a quota unthrottles and adds to
  // throttled_time once: the cycle that finds it gone reads the counters one last time.
  return !remembered.quota_known || remembered.has_quota || had_quota;
}

void CgroupReader::readMemory(CachedCgroup& cgroup, std::string_view cgroup_path, bool oom, CgroupStats& stats,
                              std::vector<Error>* warnings) const {
  const bool v2 = mounts_.mode == CgroupMode::kV2;
  const std::string_view usage_file = file_names_[kMemoryUsage].name;
  auto usage_text = readFile(cgroup, cgroup_path, kMemoryUsage);
  auto usage = usage_text ? parseSingleValue(*usage_text, usage_file) : Result<uint64_t>(usage_text.error());
  if (!usage) return warn(warnings, usage.error());
  stats.memory_usage_bytes = *usage;

  auto stat_text = readFile(cgroup, cgroup_path, kMemoryStat);
  auto stat = stat_text ? parseFlatKeyed(*stat_text, "memory.stat") : Result<FlatKeyed>(stat_text.error());
  if (!stat) {
    warn(warnings, stat.error());
  } else {
    // v1's total_* include the descendants (a pod cgroup's containers); v2 is hierarchical anyway.
    const uint64_t inactive_file = flatValue(*stat, v2 ? "inactive_file" : "total_inactive_file");
    stats.memory_working_set_bytes = *usage > inactive_file ? *usage - inactive_file : 0;
    stats.memory_rss_bytes = flatValue(*stat, v2 ? "anon" : "total_rss");
    stats.memory_cache_bytes = flatValue(*stat, v2 ? "file" : "total_cache");
  }
  readMemoryLimit(cgroup, cgroup_path, stat ? &*stat : nullptr, stats, warnings);

  Remembered& remembered = cgroup.remembered;
  if (!oom && remembered.oom_read) {
    stats.oom_kills = remembered.oom_kills;
    return;
  }
  const std::string_view events_file = file_names_[kMemoryEvents].name;
  auto events_text = readFile(cgroup, cgroup_path, kMemoryEvents);
  auto events = events_text ? parseFlatKeyed(*events_text, events_file) : Result<FlatKeyed>(events_text.error());
  if (!events) {
    warn(warnings, events.error());
  } else {
    stats.oom_kills = flatValue(*events, "oom_kill");  // v1 has it since Linux 4.13
    remembered.oom_read = true;
    remembered.oom_kills = stats.oom_kills;
  }
}

void CgroupReader::readMemoryLimit(CachedCgroup& cgroup, std::string_view cgroup_path, const FlatKeyed* stat,
                                   CgroupStats& stats, std::vector<Error>* warnings) const {
  const bool v2 = mounts_.mode == CgroupMode::kV2;
  if (!v2 && stat != nullptr) {
    // memcg_stat_show prints the smallest memory.limit_in_bytes of the cgroup and its ancestors
    // (mm/memcontrol-v1.c): the limit in force, from a file read anyway.
    if (auto hierarchical = stat->find("hierarchical_memory_limit")) {
      stats.memory_limit_bytes = *hierarchical >= kNoLimitBytes ? 0 : *hierarchical;
      return;
    }
  }
  Remembered& remembered = cgroup.remembered;
  if (v2 && !rareFilesDue(cgroup)) {
    stats.memory_limit_bytes = remembered.memory_max_bytes;
    return;
  }
  const std::string_view limit_file = file_names_[kMemoryLimit].name;
  auto limit_text = readFile(cgroup, cgroup_path, kMemoryLimit);
  auto limit = limit_text ? parseLimit(*limit_text, limit_file) : Result<std::optional<uint64_t>>(limit_text.error());
  if (!limit) return warn(warnings, limit.error());
  stats.memory_limit_bytes = limit->value_or(0);
  remembered.memory_max_bytes = stats.memory_limit_bytes;
}

void CgroupReader::readDisk(CachedCgroup& cgroup, std::string_view cgroup_path, CgroupStats& stats,
                            std::vector<Error>* warnings) const {
  if (mounts_.mode == CgroupMode::kV2) {
    auto text = readFile(cgroup, cgroup_path, kIoStat);
    if (!text) {
      // io.stat exists only where the io controller is enabled for the cgroup's parent.
      if (text.error().code != ErrorCode::kNotFound) warn(warnings, text.error());
      return;
    }
    auto bytes = parseIoStat(*text);
    if (!bytes) return warn(warnings, bytes.error());
    stats.disk = *bytes;
    return;
  }
  if (mounts_.hierarchyFor("blkio") == nullptr) return;
  for (size_t i = 0; i < kBlkioFiles.size(); ++i) {
    const uint32_t bit = uint32_t{1} << i;
    if ((missing_blkio_files_ & bit) != 0) continue;
    // The non-recursive throttle file is only for kernels without the recursive one (< 4.x).
    if (kBlkioFiles[i] == kThrottleFlat && (missing_blkio_files_ & kThrottleRecursiveBit) == 0) continue;
    auto text = readFile(cgroup, cgroup_path, static_cast<File>(kBlkio0 + i));
    if (!text) {
      if (text.error().code == ErrorCode::kNotFound) {
        missing_blkio_files_ |= bit;
      } else {
        warn(warnings, text.error());
      }
      continue;
    }
    auto bytes = parseBlkioServiceBytes(*text, kBlkioFiles[i]);
    if (!bytes) {
      warn(warnings, bytes.error());
      continue;
    }
    // Each candidate is a counter, so their maximum is one too.
    stats.disk.read_bytes = std::max(stats.disk.read_bytes, bytes->read_bytes);
    stats.disk.write_bytes = std::max(stats.disk.write_bytes, bytes->write_bytes);
  }
}

void CgroupReader::readPressure(CachedCgroup& cgroup, std::string_view cgroup_path, uint8_t wanted,
                                CgroupStats& stats, std::vector<Error>* warnings) const {
  if (!mounts_.unified) return;
  struct Target {
    uint8_t bit;
    File file;
    Pressure* pressure;
  };
  for (auto [bit, file, pressure] : {Target{kCpuPressure, kCpuPsi, &stats.cpu_pressure},
                                     Target{kMemoryPressure, kMemoryPsi, &stats.memory_pressure},
                                     Target{kIoPressure, kIoPsi, &stats.io_pressure}}) {
    if ((wanted & bit) == 0) continue;
    auto text = readFile(cgroup, cgroup_path, file);
    if (!text) {
      // No PSI in this kernel, or (hybrid) no twin of this cgroup in the cgroup2 tree: not an error.
      if (text.error().code != ErrorCode::kNotFound) warn(warnings, text.error());
      continue;
    }
    auto parsed = parsePressure(*text, file_names_[file].name);
    if (!parsed) {
      warn(warnings, parsed.error());
      continue;
    }
    *pressure = *parsed;
    stats.has_pressure = true;
  }
}

}  // namespace kubemonitor::cgroup
