#pragma once
// Network counters of a pod: every container of a pod shares one network namespace, so the
// counters of /proc/<pid>/net/dev of any process in the pod are the pod's. The sandbox ("pause")
// process is preferred because it holds the namespace for the pod's whole life; an application
// process may be restarting.

#include <string>
#include <vector>

#include "common/result.h"
#include "hostfs/host_fs.h"

namespace kubemonitor::agent {

// Counters since the namespace was created, summed over its interfaces except `lo`.
struct NetworkCounters {
  uint64_t rx_bytes = 0, tx_bytes = 0;
  uint64_t rx_packets = 0, tx_packets = 0;
  uint64_t rx_errors = 0, tx_errors = 0;
  uint64_t rx_dropped = 0, tx_dropped = 0;
};

struct PodNetworkSample {
  bool host_network = false;  // the pod's processes are in the host's namespace: not pod traffic
  std::string namespace_id;   // "net:[4026532281]": identifies the namespace across cycles
  NetworkCounters counters;   // all 0 when host_network
};

// The ns/net link of pid 1 (else of kthreadd, pid 2): the host's namespace when the agent runs
// with hostPID.
Result<std::string> hostNetworkNamespace(const hostfs::HostFs& fs);

// How readPodNetwork orders the pids it tries.
enum class PidOrder {
  kFindSandbox,   // read each pid's comm until the "pause" process is found, try it first
  kSandboxFirst,  // the caller put the sandbox's pids first (it knows them): no comm reads
};

// Reads the pod's counters through one of `pids` (the processes of the pod's cgroup). Pids that
// exit meanwhile are skipped (DESIGN rule 5); kVanished when none is left, kNotFound when `pids`
// is empty (a pod between containers).
Result<PodNetworkSample> readPodNetwork(const hostfs::HostFs& fs, const std::vector<int>& pids,
                                        const std::string& host_namespace_id,
                                        PidOrder order = PidOrder::kFindSandbox);

}  // namespace kubemonitor::agent
