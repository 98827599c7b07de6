#include "agent/pod_collector.h"

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "agent/node_usage.h"
#include "common/text.h"
#include "procfs/pid_io.h"

namespace kubemonitor::agent {
namespace {

// Kernel memory a kept /proc/<pid>/net/dev pins: 5,504 bytes on kernel 6.18 (measured as the
// cgroup files' kPinnedBytesPerFile: 1,000 files opened and read once).
constexpr size_t kPinnedBytesPerNetDev = 5504;

// Docker's and kubectl's short form of a container id.
constexpr size_t kShortIdLength = 12;

double secondsBetween(MonotonicTime earlier, MonotonicTime later) {
  return std::chrono::duration<double>(later - earlier).count();
}

// How much a counter grew; 0 when it went back (a cgroup re-made at the same path).
uint64_t counterDelta(uint64_t previous, uint64_t current) { return current >= previous ? current - previous : 0; }

void copyStats(const cgroup::CgroupStats& stats, model::CgroupUsage& usage) {
  usage.cpu_usage_ns = stats.cpu_usage_ns;
  usage.cpu_periods = stats.cpu_periods;
  usage.cpu_throttled_periods = stats.cpu_throttled_periods;
  usage.cpu_throttled_ns = stats.cpu_throttled_ns;
  usage.memory_usage_bytes = stats.memory_usage_bytes;
  usage.memory_working_set_bytes = stats.memory_working_set_bytes;
  usage.memory_rss_bytes = stats.memory_rss_bytes;
  usage.memory_cache_bytes = stats.memory_cache_bytes;
  usage.memory_limit_bytes = stats.memory_limit_bytes;
  usage.oom_kills = stats.oom_kills;
  usage.disk_read_bytes = stats.disk.read_bytes;
  usage.disk_write_bytes = stats.disk.write_bytes;
  usage.cpu_pressure_some_percent = stats.cpu_pressure.some_avg10_percent;
  usage.memory_pressure_some_percent = stats.memory_pressure.some_avg10_percent;
  usage.memory_pressure_full_percent = stats.memory_pressure.full_avg10_percent;
  usage.io_pressure_some_percent = stats.io_pressure.some_avg10_percent;
  usage.io_pressure_full_percent = stats.io_pressure.full_avg10_percent;
}

}  // namespace

PodCollector::PodCollector(const hostfs::HostFs& fs, cgroup::CgroupReader& reader,
                           cgroup::PodDiscovery& discovery, const Clock& clock)
    : fs_(fs), reader_(reader), discovery_(discovery), clock_(clock), network_(fs) {}

PodCollector::~PodCollector() {
  reader_.unpinExternal(pid_io_files_.size() * cgroup::CgroupReader::kPinnedBytesPerFile);
  reader_.reservePinnedBytes(0);
}

std::vector<model::PodUsage> PodCollector::collect(const PodNamesByUid* names, PodCycleStats& stats) {
  reader_.beginCycle();
  cgroup::Discovery found = discovery_.discover();
  stats.vanished += found.vanished;
  for (auto& error : found.errors) stats.warnings.push_back(std::move(error));
  if (host_namespace_id_.empty()) {
    // Without hostPID (or on a host refusing the link) host-network pods cannot be told apart;
    // their traffic is then reported as the pod's, and the warning says why.
    auto host_ns = hostNetworkNamespace(fs_);
    if (host_ns) {
      host_namespace_id_ = *host_ns;
    } else {
      stats.warnings.push_back(host_ns.error());
    }
  }

  ++cycle_;  // samples stamped with it are this cycle's; the others are dropped at its end
  // Each pod's net/dev (kept, 5.4 KiB) saves the most per byte pinned: its share comes first.
  reader_.reservePinnedBytes(found.pods.size() * kPinnedBytesPerNetDev);
  const bool oom_may_have_moved = oomKillsMayHaveMoved(stats);
  // The kubepods cgroup is the pods' parent: the same rule as between a pod and its containers.
  cgroup::ReadPlan pod_plan;
  pod_plan.oom = oom_may_have_moved;
  uint64_t inherited_limit_bytes = 0;  // v1: kubepods' limit in force, which no pod set itself
  if (!found.kubepods_path.empty()) {
    if (auto top = reader_.read(found.kubepods_path, &stats.warnings, pod_plan)) {
      if (reader_.mounts().mode != cgroup::CgroupMode::kV2) inherited_limit_bytes = top->memory_limit_bytes;
      pod_plan = childPlan(found.kubepods_path, *top);
      pod_plan.oom = oom_may_have_moved;
      CgroupSample& sample = previous_[found.kubepods_path];
      sample.stats = *top;
      sample.cycle = cycle_;
    }
  }
  std::unordered_set<std::string> sandboxes_seen;  // sandbox cgroups still there this cycle
  std::vector<model::PodUsage> pods;
  pods.reserve(found.pods.size());
  for (const auto& pod : found.pods) {
    model::PodUsage out;
    out.uid = pod.uid;
    out.qos_class = std::string(cgroup::qosClassName(pod.qos));
    const PodNames* known = nullptr;
    if (names != nullptr) {
      if (auto it = names->find(pod.uid); it != names->end()) known = &it->second;
    }
    if (known != nullptr) {
      out.name = known->name;
      out.namespace_name = known->namespace_name;
      out.deployment = known->deployment;
      out.workload_kind = known->workload_kind;
      out.workload_name = known->workload_name;
      out.spec = known->spec;
      out.restarts = known->restarts;
    } else {
      ++stats.unnamed;
    }

    auto pod_stats = reader_.read(pod.cgroup_path, &stats.warnings, pod_plan);
    const MonotonicTime pod_read_at = clock_.monotonicNow();
    if (!pod_stats) {
      if (pod_stats.error().code != ErrorCode::kVanished) stats.warnings.push_back(pod_stats.error());
      ++stats.vanished;  // the whole pod went away after discovery
      continue;
    }
    cgroup::ReadPlan container_plan = childPlan(pod.cgroup_path, *pod_stats);
    container_plan.oom = oom_may_have_moved;
    auto ownLimit = [&](cgroup::CgroupStats& read) {
      if (inherited_limit_bytes != 0 && read.memory_limit_bytes >= inherited_limit_bytes) read.memory_limit_bytes = 0;
    };
    ownLimit(*pod_stats);

    std::vector<int> sandbox_pids;                  // the pod's network namespace, preferably
    std::vector<const cgroup::DiscoveredContainer*> apps;  // application containers read this cycle
    std::unordered_map<const cgroup::DiscoveredContainer*, std::vector<int>> app_pids;  // read for the disk fallback
    cgroup::DiskBytes children_disk;                 // for a pod cgroup that counts no disk I/O itself
    auto addSandbox = [&](const cgroup::DiscoveredContainer& container, const std::vector<int>& pids) {
      sandbox_pids.insert(sandbox_pids.end(), pids.begin(), pids.end());
      sandboxes_seen.insert(container.cgroup_path);
    };
    // Returns false when the container's cgroup vanished (a restart, or the pod going away).
    auto readContainer = [&](const cgroup::DiscoveredContainer& container) {
      const auto sandbox = sandbox_by_cgroup_.find(container.cgroup_path);
      if (sandbox != sandbox_by_cgroup_.end() && sandbox->second) {
        SandboxPids& known_pids = sandbox_pids_[container.cgroup_path];
        if (known_pids.cycle == 0 || cycle_ - known_pids.cycle >= cgroup::CgroupReader::kRareFilesEveryCycles) {
          auto pids = reader_.pids(container.cgroup_path);
          if (!pids) return pids.error().code != ErrorCode::kVanished;
          known_pids = {std::move(*pids), cycle_};
        }
        addSandbox(container, known_pids.pids);
        return true;
      }
      const ContainerNames* container_names = nullptr;
      if (known != nullptr) {
        if (auto it = known->containers_by_id.find(container.ref.id); it != known->containers_by_id.end()) {
          container_names = &it->second;
        }
      }
      cgroup::ReadPlan plan = container_plan;
      plan.cpu_limited = container_names != nullptr && container_names->spec.cpu_limit_millicores != 0;
      auto read = reader_.read(container.cgroup_path, &stats.warnings, plan);
      const MonotonicTime now = clock_.monotonicNow();
      if (!read) {
        if (read.error().code != ErrorCode::kVanished) stats.warnings.push_back(read.error());
        return false;
      }
      std::optional<std::vector<int>> pids;
      auto containerPids = [&]() -> const std::vector<int>& {
        if (!pids) {
          auto listed = reader_.pids(container.cgroup_path);
          if (!listed && listed.error().code != ErrorCode::kVanished) stats.warnings.push_back(listed.error());
          pids = listed ? std::move(*listed) : std::vector<int>{};
        }
        return *pids;
      };
      if (sandbox == sandbox_by_cgroup_.end() && isSandbox(container.cgroup_path, containerPids())) {
        sandbox_pids_[container.cgroup_path] = {*pids, cycle_};
        addSandbox(container, *pids);
        return true;
      }
      ownLimit(*read);
      model::ContainerUsage usage;
      finishCgroup(container.cgroup_path, *read, now, [&] { return sumPidDisk(containerPids()); }, usage.usage);
      children_disk.read_bytes += usage.usage.disk_read_bytes;
      children_disk.write_bytes += usage.usage.disk_write_bytes;
      if (pids) app_pids.emplace(&container, std::move(*pids));
      apps.push_back(&container);
      usage.id = container.ref.id;
      usage.name = container_names != nullptr ? container_names->name : container.ref.id.substr(0, kShortIdLength);
      if (container_names != nullptr) {
        usage.spec = container_names->spec;
        usage.restarts = container_names->restarts;
      }
      out.containers.push_back(std::move(usage));
      return true;
    };
    size_t vanished_containers = 0;
    for (const auto& container : pod.containers) {
      if (!readContainer(container)) ++vanished_containers;
    }
    std::vector<cgroup::DiscoveredContainer> fresh;  // outlives `apps`, which may point into it
    if (vanished_containers > 0) {
      stats.vanished += vanished_containers;
      // A container cgroup went away: its replacement (a restart makes a new cgroup) is read now,
      // not a cycle later. When the pod itself is gone, it is skipped as a whole.
      auto relisted = discovery_.relistPod(pod.cgroup_path);
      if (!relisted) {
        ++stats.vanished;
        continue;
      }
      fresh = std::move(*relisted);
      for (const auto& container : fresh) {
        if (!readThisCycle(container.cgroup_path) && !sandboxes_seen.contains(container.cgroup_path)) {
          readContainer(container);
        }
      }
    }
    finishCgroup(pod.cgroup_path, *pod_stats, pod_read_at, [&] { return children_disk; }, out.usage);

    // The namespace through the sandbox; without one, through any application process.
    std::vector<int> network_pids = std::move(sandbox_pids);
    const bool sandbox_known = !network_pids.empty();
    if (!sandbox_known) {
      for (const auto* app : apps) {
        auto it = app_pids.find(app);
        if (it == app_pids.end()) {
          auto listed = reader_.pids(app->cgroup_path);
          if (!listed) continue;
          it = app_pids.emplace(app, std::move(*listed)).first;
        }
        network_pids.insert(network_pids.end(), it->second.begin(), it->second.end());
      }
    }
    readNetwork(pod.uid, network_pids, sandbox_known, out, stats);
    stats.containers += out.containers.size();
    // v1 counts an OOM kill only in the cgroup that hit its limit (a container's kill leaves the pod
    // cgroup's oom_kill at 0); v2's memory.events is hierarchical. The larger of the pod's own count
    // and its containers' sum is right for both without counting a kill twice.
    uint64_t container_oom_kills = 0;
    for (const auto& c : out.containers) container_oom_kills += c.usage.oom_kills;
    out.usage.oom_kills = std::max(out.usage.oom_kills, container_oom_kills);
    pods.push_back(std::move(out));
  }
  std::erase_if(previous_, [&](const auto& entry) { return entry.second.cycle != cycle_; });
  std::erase_if(sandbox_by_cgroup_, [&](const auto& entry) {
    return !previous_.contains(entry.first) && !sandboxes_seen.contains(entry.first);
  });
  std::erase_if(sandbox_pids_, [&](const auto& entry) { return !sandboxes_seen.contains(entry.first); });
  for (auto it = pid_io_files_.begin(); it != pid_io_files_.end();) {
    auto next = std::next(it);
    if (!pid_io_used_.contains(it->first)) dropPidIo(it);
    it = next;
  }
  pid_io_used_.clear();
  network_.endCycle();
  reader_.evictUnused();
  // Namespaces of pods gone this cycle are forgotten with them.
  std::erase_if(previous_net_, [&](const auto& entry) {
    return std::none_of(pods.begin(), pods.end(), [&](const model::PodUsage& p) { return p.uid == entry.first; });
  });
  stats.pods = pods.size();
  return pods;
}

bool PodCollector::oomKillsMayHaveMoved(PodCycleStats& stats) {
  const std::optional<uint64_t> before = host_oom_kills_;
  host_oom_kills_.reset();
  Result<std::string_view> text = makeError(ErrorCode::kNotFound, "not opened");
  if (vmstat_) text = vmstat_->read(io_buffer_);
  if (!text) {
    vmstat_.reset();
    auto opened = fs_.openRereadable(fs_.paths().procVmstat());
    if (opened) {
      vmstat_ = std::move(*opened);
      text = vmstat_->read(io_buffer_);
    } else {
      text = opened.error();
    }
  }
  if (text) {
    if (auto values = cgroup::parseFlatKeyed(*text, "vmstat")) host_oom_kills_ = values->find("oom_kill");
  }
  // Without the host's count (a kernel before 4.13, no /proc) every cycle reads the OOM files.
  if (!host_oom_kills_ && text) {
    stats.warnings.push_back(makeError(ErrorCode::kParse, "no oom_kill", fs_.paths().procVmstat().string()));
  }
  return !before || !host_oom_kills_ || *before != *host_oom_kills_;
}

cgroup::ReadPlan PodCollector::childPlan(const std::string& parent_path, const cgroup::CgroupStats& parent) const {
  cgroup::ReadPlan plan;
  // The disk files are recursive (blkio.*_recursive, io.stat): a parent that counted no byte has
  // no child that did.
  plan.disk = !reader_.diskCountersAreHierarchical() || parent.disk.read_bytes != 0 || parent.disk.write_bytes != 0;
  if (!parent.has_pressure) {
    plan.pressure = cgroup::kNoPressure;  // no PSI in this kernel or tree: none below either
    return plan;
  }
  const auto previous = previous_.find(parent_path);
  if (previous == previous_.end()) return plan;
  const cgroup::CgroupStats& before = previous->second.stats;
  auto stalled = [](const cgroup::Pressure& now, const cgroup::Pressure& then) {
    return now.some_avg10_percent > 0 || now.some_total_us != then.some_total_us;
  };
  plan.pressure = cgroup::kNoPressure;
  if (stalled(parent.cpu_pressure, before.cpu_pressure)) plan.pressure |= cgroup::kCpuPressure;
  if (stalled(parent.memory_pressure, before.memory_pressure)) plan.pressure |= cgroup::kMemoryPressure;
  if (stalled(parent.io_pressure, before.io_pressure)) plan.pressure |= cgroup::kIoPressure;
  return plan;
}

bool PodCollector::readThisCycle(const std::string& cgroup_path) const {
  const auto it = previous_.find(cgroup_path);
  return it != previous_.end() && it->second.cycle == cycle_;
}

void PodCollector::finishCgroup(const std::string& cgroup_path, const cgroup::CgroupStats& stats, MonotonicTime now,
                                const std::function<cgroup::DiskBytes()>& fallback_disk, model::CgroupUsage& usage) {
  copyStats(stats, usage);
  if (usage.disk_read_bytes == 0 && usage.disk_write_bytes == 0) {
    const cgroup::DiskBytes fallback = fallback_disk();
    usage.disk_read_bytes = fallback.read_bytes;
    usage.disk_write_bytes = fallback.write_bytes;
  }
  // The sample is updated in place: no map node or key is made again each cycle.
  auto [it, is_new] = previous_.try_emplace(cgroup_path);
  CgroupSample& sample = it->second;
  if (!is_new) {
    const double seconds = secondsBetween(sample.taken_at, now);
    // CPU-seconds per second × 1000 = millicores; counterRate gives ns per second.
    usage.cpu_millicores =
        model::toReportedPrecision(counterRate(sample.cpu_usage_ns, usage.cpu_usage_ns, seconds) / 1e6);
    usage.disk_read_bytes_per_sec = reportedRate(sample.disk_read_bytes, usage.disk_read_bytes, seconds);
    usage.disk_write_bytes_per_sec = reportedRate(sample.disk_write_bytes, usage.disk_write_bytes, seconds);
    const uint64_t periods = counterDelta(sample.stats.cpu_periods, stats.cpu_periods);
    const uint64_t throttled = counterDelta(sample.stats.cpu_throttled_periods, stats.cpu_throttled_periods);
    usage.cpu_throttled_periods_per_sec = reportedRate(sample.stats.cpu_throttled_periods, stats.cpu_throttled_periods, seconds);
    usage.cpu_throttled_seconds_per_sec =
        model::toReportedPrecision(counterRate(sample.stats.cpu_throttled_ns, stats.cpu_throttled_ns, seconds) / 1e9);
    // A share of the CFS periods that ran in the interval: 0 when none ran (no quota, or idle).
    usage.cpu_throttled_ratio =
        periods > 0 ? model::toReportedPrecision(static_cast<double>(std::min(throttled, periods)) / static_cast<double>(periods)) : 0;
  }
  sample = CgroupSample{now, usage.cpu_usage_ns, usage.disk_read_bytes, usage.disk_write_bytes, stats, cycle_};
}

Result<std::string_view> PodCollector::readPidIo(int pid) {
  pid_io_used_[pid] = true;
  auto kept = pid_io_files_.find(pid);
  if (kept != pid_io_files_.end()) {
    auto text = kept->second->read(io_buffer_, 4096);
    if (text || text.error().code != ErrorCode::kVanished) return text;
    dropPidIo(kept);  // the process exited; the pid may belong to a new one now
  }
  auto opened = fs_.openRereadable(fs_.paths().procPidIo(pid));
  if (!opened) return opened.error();
  auto text = (*opened)->read(io_buffer_, 4096);
  // Kept only within the kernel-memory budget shared with the cgroup files (their saving per
  // byte pinned is about the same: an open of ~4–5 µs per 4.4 KiB).
  if (text && reader_.pinExternal(cgroup::CgroupReader::kPinnedBytesPerFile)) pid_io_files_.emplace(pid, std::move(*opened));
  return text;
}

void PodCollector::dropPidIo(std::unordered_map<int, std::unique_ptr<hostfs::RereadableFile>>::iterator it) {
  reader_.unpinExternal(cgroup::CgroupReader::kPinnedBytesPerFile);
  pid_io_files_.erase(it);
}

cgroup::DiskBytes PodCollector::sumPidDisk(const std::vector<int>& pids) {
  cgroup::DiskBytes sum;
  for (int pid : pids) {
    auto text = readPidIo(pid);
    if (!text) continue;  // exited, or no task I/O accounting: nothing to add
    auto io = procfs::parsePidIo(*text);
    if (!io) continue;
    sum.read_bytes += io->read_bytes;
    // Bytes that were dirtied and then truncated away never reached the disk.
    sum.write_bytes += io->write_bytes > io->cancelled_write_bytes ? io->write_bytes - io->cancelled_write_bytes : 0;
  }
  return sum;
}

bool PodCollector::isSandbox(const std::string& cgroup_path, const std::vector<int>& pids) {
  if (auto known = sandbox_by_cgroup_.find(cgroup_path); known != sandbox_by_cgroup_.end()) return known->second;
  if (pids.size() != 1) return false;  // not known yet (no process, or several): ask again next cycle
  auto comm = fs_.readFile(fs_.paths().procPidComm(pids.front()), 256);
  if (!comm) return false;
  const bool sandbox = text::trim(*comm) == "pause";
  sandbox_by_cgroup_.emplace(cgroup_path, sandbox);
  return sandbox;
}

void PodCollector::readNetwork(const std::string& uid, const std::vector<int>& pids, bool sandbox_first,
                               model::PodUsage& pod, PodCycleStats& stats) {
  if (pids.empty()) return;  // between containers: no namespace to read this cycle
  auto sample = network_.read(uid, pids, host_namespace_id_, sandbox_first ? PidOrder::kSandboxFirst : PidOrder::kFindSandbox);
  if (!sample) {
    if (sample.error().code != ErrorCode::kVanished && sample.error().code != ErrorCode::kNotFound) {
      stats.warnings.push_back(sample.error());
    }
    return;
  }
  pod.host_network = sample->host_network;
  if (sample->host_network) return;
  const MonotonicTime now = clock_.monotonicNow();
  const NetworkCounters& c = sample->counters;
  auto& net = pod.network;
  net.rx_bytes = c.rx_bytes, net.tx_bytes = c.tx_bytes;
  net.rx_packets = c.rx_packets, net.tx_packets = c.tx_packets;
  net.rx_errors = c.rx_errors, net.tx_errors = c.tx_errors;
  net.rx_dropped = c.rx_dropped, net.tx_dropped = c.tx_dropped;
  auto it = previous_net_.find(uid);
  // A new namespace (the sandbox was recreated) starts its counters again: no rate this cycle.
  if (it != previous_net_.end() && it->second.namespace_id == sample->namespace_id) {
    const double seconds = secondsBetween(it->second.taken_at, now);
    net.rx_bytes_per_sec = reportedRate(it->second.counters.rx_bytes, c.rx_bytes, seconds);
    net.tx_bytes_per_sec = reportedRate(it->second.counters.tx_bytes, c.tx_bytes, seconds);
  }
  previous_net_.insert_or_assign(uid, NetworkSample{now, sample->namespace_id, c});
}

}  // namespace kubemonitor::agent
