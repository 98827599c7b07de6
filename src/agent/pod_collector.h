#pragma once
// Per pod and per container usage from the cgroup tree, one cycle at a time: discovery, counters
// of every pod and container cgroup, network of the pod's namespace, rates against the previous
// cycle over the *measured* elapsed time.
//
// Rules kept here:
// - A cgroup seen for the first time has no baseline: its rates are 0 for that cycle.
// - A counter that went backwards (a container restarted into a reused cgroup, a process whose
//   /proc/<pid>/io counted disk I/O exited) gives a rate of 0, never a negative or huge one.
// - A cgroup that vanished between discovery and reading is skipped and counted (DESIGN rule 5).
// - Where the cgroup counts no disk I/O at all (v1 without blk-throttle accounting), the bytes are
//   the sum of /proc/<pid>/io read_bytes/write_bytes of the container's processes.
// - The sandbox ("pause") container is not listed among the containers, but its process gives the
//   pod's network namespace, and the pod cgroup's totals include it. Once known, its counters are
//   not read at all (nothing reports them): only its cgroup.procs, for the namespace.
// - The pod is read before its containers. Pressure stall time is charged to every ancestor of a
//   stalled task (Documentation/accounting/psi.rst, "Cgroup2 interface"), so a container's stall
//   is its pod's too: when the pod's "some" total did not grow since the last cycle and its avg10
//   is 0, no container of it stalled on that resource and its pressure file is not read (0). The
//   disk counters are recursive too: a pod that counted no byte needs no container disk files.
//   The kubepods cgroup is read first in each cycle and plays the same role for the pods.
// - OOM counters are read only in cycles after the host's /proc/vmstat oom_kill moved: every OOM
//   kill counts there and in the victim's cgroup at once (mm/oom_kill.c), so otherwise no cgroup's
//   count changed. A container whose spec has a CPU limit has its throttling read every cycle.
// - v1 limits come from memory.stat's hierarchical_memory_limit (the smallest limit of the cgroup
//   and its ancestors). One inherited from kubepods or above (node allocatable) is no limit of the
//   pod's or container's own: reported as 0, as memory.limit_in_bytes would say for them.
// - A known sandbox's cgroup.procs is re-read every CgroupReader::kRareFilesEveryCycles cycles: its
//   only process is the pause process, which lives as long as the sandbox cgroup (a new sandbox is
//   a new container cgroup, found by discovery).
//
// Thread safety: none; one collector per agent loop.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/pod_names.h"
#include "agent/pod_network.h"
#include "cgroup/cgroup_reader.h"
#include "cgroup/pod_discovery.h"
#include "common/clock.h"
#include "hostfs/host_fs.h"
#include "model/report.h"

namespace kubemonitor::agent {

struct PodCycleStats {
  size_t pods = 0;                  // pods reported
  size_t containers = 0;            // containers reported (sandboxes not included)
  size_t vanished = 0;              // cgroups or pods that disappeared mid-cycle
  size_t unnamed = 0;               // pods the name source did not know
  std::vector<Error> warnings;      // files missing or garbled (figures left at 0)
};

class PodCollector {
 public:
  // Every reference must outlive the collector.
  PodCollector(const hostfs::HostFs& fs, cgroup::CgroupReader& reader, cgroup::PodDiscovery& discovery,
               const Clock& clock);
  ~PodCollector();
  PodCollector(const PodCollector&) = delete;
  PodCollector& operator=(const PodCollector&) = delete;

  // One cycle. `names` may be null (no Kubernetes API).
  std::vector<model::PodUsage> collect(const PodNamesByUid* names, PodCycleStats& stats);

 private:
  struct CgroupSample {
    MonotonicTime taken_at{};
    uint64_t cpu_usage_ns = 0;
    uint64_t disk_read_bytes = 0;
    uint64_t disk_write_bytes = 0;
    cgroup::CgroupStats stats;  // what the cycle read (pods: for the next cycle's file choice)
    uint64_t cycle = 0;         // the collector cycle that took it
  };
  using Samples = std::unordered_map<std::string, CgroupSample>;
  struct NetworkSample {
    MonotonicTime taken_at{};
    std::string namespace_id;
    NetworkCounters counters;
  };

  // Fills `usage` from `stats` read at `now`, with rates against the cgroup's previous sample, and
  // makes this the cgroup's sample. `fallback_disk` is asked only when the cgroup counted no disk I/O.
  void finishCgroup(const std::string& cgroup_path, const cgroup::CgroupStats& stats, MonotonicTime now,
                    const std::function<cgroup::DiskBytes()>& fallback_disk, model::CgroupUsage& usage);
  bool readThisCycle(const std::string& cgroup_path) const;
  // The files worth reading for the children (pods of kubepods, containers of a pod) of a cgroup
  // whose own counters are `parent`.
  cgroup::ReadPlan childPlan(const std::string& parent_path, const cgroup::CgroupStats& parent) const;
  // Σ /proc/<pid>/io of `pids`: read_bytes and write_bytes − cancelled_write_bytes.
  cgroup::DiskBytes sumPidDisk(const std::vector<int>& pids);
  Result<std::string_view> readPidIo(int pid);
  void dropPidIo(std::unordered_map<int, std::unique_ptr<hostfs::RereadableFile>>::iterator it);
  // `sandbox_first`: pids[0…] are the sandbox's (the collector knows it), no need to look for it.
  void readNetwork(const std::string& uid, const std::vector<int>& pids, bool sandbox_first, model::PodUsage& pod,
                   PodCycleStats& stats);
  // Whether the container is the pod sandbox (a lone "pause" process); remembered per cgroup.
  bool isSandbox(const std::string& cgroup_path, const std::vector<int>& pids);

  const hostfs::HostFs& fs_;
  cgroup::CgroupReader& reader_;
  cgroup::PodDiscovery& discovery_;
  const Clock& clock_;
  std::string host_namespace_id_;
  Samples previous_;                                              // by cgroup path
  uint64_t cycle_ = 0;
  std::unordered_map<std::string, NetworkSample> previous_net_;   // by pod UID
  std::unordered_map<std::string, bool> sandbox_by_cgroup_;       // by container cgroup path
  // /proc/<pid>/io kept open for the disk fallback (ESRCH once the process exits: reopened then, a
  // reused pid is a new process), within the reader's kernel-memory budget (pinExternal); closed
  // when the pid was not asked for in a cycle.
  std::unordered_map<int, std::unique_ptr<hostfs::RereadableFile>> pid_io_files_;
  std::unordered_map<int, bool> pid_io_used_;  // this cycle's pids
  std::string io_buffer_;                      // the text of the last /proc/<pid>/io read
  // The sandbox's pids and the cycle they were read, by sandbox cgroup path.
  struct SandboxPids {
    std::vector<int> pids;
    uint64_t cycle = 0;
  };
  std::unordered_map<std::string, SandboxPids> sandbox_pids_;
  // /proc/vmstat, kept open: its oom_kill gates the cgroups' OOM files (see above).
  std::unique_ptr<hostfs::RereadableFile> vmstat_;
  std::optional<uint64_t> host_oom_kills_;  // oom_kill at the last cycle; nullopt = unknown
  // Whether an OOM kill may have happened since the last cycle (reads /proc/vmstat).
  bool oomKillsMayHaveMoved(PodCycleStats& stats);
  PodNetworkReader network_;
};

}  // namespace kubemonitor::agent
