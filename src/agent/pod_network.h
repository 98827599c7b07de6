#pragma once
// Network counters of a pod: every container of a pod shares one network namespace, so the
// counters of /proc/<pid>/net/dev of any process in the pod are the pod's. The sandbox ("pause")
// process is preferred because it holds the namespace for the pod's whole life; an application
// process may be restarting.

#include <memory>
#include <string>
#include <unordered_map>
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
  kSandboxFirst,  // the caller put the sandbox's pids, listed from its cgroup this cycle, first:
                  // no comm reads, and a pod's kept file opened through that same pid is read
                  // without checking ns/net again (a pause process does not change namespace)
};

// Reads the pod's counters through one of `pids` (the processes of the pod's cgroup). Pids that
// exit meanwhile are skipped (DESIGN rule 5); kVanished when none is left, kNotFound when `pids`
// is empty (a pod between containers).
Result<PodNetworkSample> readPodNetwork(const hostfs::HostFs& fs, const std::vector<int>& pids,
                                        const std::string& host_namespace_id,
                                        PidOrder order = PidOrder::kFindSandbox);

// readPodNetwork for every pod of a node, cycle after cycle: each pod's /proc/<pid>/net/dev stays
// open (an open file is bound to the namespace it was opened in), so a cycle costs a readlink of
// ns/net (the namespace check) and a pread per pod instead of an open, a read and a close. A
// file is reopened when the pid or its namespace changed, and closed when its pod was not read
// in a cycle (endCycle). Thread safety: none.
class PodNetworkReader {
 public:
  explicit PodNetworkReader(const hostfs::HostFs& fs) : fs_(fs) {}
  Result<PodNetworkSample> read(const std::string& pod_uid, const std::vector<int>& pids,
                                const std::string& host_namespace_id, PidOrder order);
  void endCycle();
  size_t openFiles() const { return kept_.size(); }

 private:
  struct Kept {
    int pid = 0;
    std::string namespace_id;
    std::unique_ptr<hostfs::RereadableFile> file;
    bool used = false;  // read in this cycle
  };
  // The net/dev text of `pid` in `namespace_id`, through the pod's kept file.
  Result<std::string_view> readNetDev(const std::string& pod_uid, int pid, const std::string& namespace_id);

  const hostfs::HostFs& fs_;
  std::unordered_map<std::string, Kept> kept_;  // by pod UID
  std::string buffer_;
};

}  // namespace kubemonitor::agent
