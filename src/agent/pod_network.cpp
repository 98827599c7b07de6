#include "agent/pod_network.h"

#include <algorithm>
#include <utility>

#include "common/text.h"
#include "procfs/net_dev.h"

namespace kubemonitor::agent {
namespace {

constexpr int kHostInitPid = 1;
constexpr int kKernelThreadDaemonPid = 2;  // kthreadd

// The sandbox process first (its comm is "pause" for containerd, CRI-O and Docker's
// infrastructure containers), then the others in ascending pid order: stable across cycles.
std::vector<int> candidateOrder(const hostfs::HostFs& fs, std::vector<int> pids) {
  std::sort(pids.begin(), pids.end());
  for (size_t i = 0; i < pids.size(); ++i) {
    auto comm = fs.readFile(fs.paths().procPidComm(pids[i]), 256);
    if (comm && text::trim(*comm) == "pause") {
      std::rotate(pids.begin(), pids.begin() + static_cast<std::ptrdiff_t>(i),
                  pids.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      break;
    }
  }
  return pids;
}

NetworkCounters sumWithoutLoopback(const std::vector<procfs::NetDevStats>& interfaces) {
  NetworkCounters sum;
  for (const auto& dev : interfaces) {
    if (dev.interface == "lo") continue;
    sum.rx_bytes += dev.rx_bytes;
    sum.tx_bytes += dev.tx_bytes;
    sum.rx_packets += dev.rx_packets;
    sum.tx_packets += dev.tx_packets;
    sum.rx_errors += dev.rx_errors;
    sum.tx_errors += dev.tx_errors;
    sum.rx_dropped += dev.rx_drops;
    sum.tx_dropped += dev.tx_drops;
  }
  return sum;
}

Result<PodNetworkSample> sampleOf(std::string_view net_dev, const std::string& namespace_id) {
  auto interfaces = procfs::parseNetDev(net_dev);
  if (!interfaces) return interfaces.error();
  PodNetworkSample sample;
  sample.namespace_id = namespace_id;
  sample.counters = sumWithoutLoopback(*interfaces);
  return sample;
}

}  // namespace

Result<std::string> hostNetworkNamespace(const hostfs::HostFs& fs) {
  auto init = fs.readLink(fs.paths().procPidNetNs(kHostInitPid));
  if (init) return init;
  // Reading another task's ns/ links is a ptrace-mode check: an init holding capabilities the
  // agent lacks refuses it (EACCES even for root). kthreadd, like every kernel thread, lives in
  // the initial network namespace, which is the host's.
  auto kthreadd = fs.readLink(fs.paths().procPidNetNs(kKernelThreadDaemonPid));
  if (kthreadd) return kthreadd;
  return init.error();
}

Result<PodNetworkSample> readPodNetwork(const hostfs::HostFs& fs, const std::vector<int>& pids,
                                        const std::string& host_namespace_id, PidOrder order) {
  PodNetworkReader reader(fs);
  return reader.read("", pids, host_namespace_id, order);
}

Result<std::string_view> PodNetworkReader::readNetDev(const std::string& pod_uid, int pid,
                                                      const std::string& namespace_id) {
  Kept& kept = kept_[pod_uid];
  kept.used = true;
  if (kept.file && kept.pid == pid && kept.namespace_id == namespace_id) {
    auto text = kept.file->read(buffer_);
    if (text || text.error().code != ErrorCode::kVanished) return text;
  }
  kept.file.reset();
  auto opened = fs_.openRereadable(fs_.paths().procPidNetDev(pid));
  if (!opened) return opened.error();
  kept = Kept{pid, namespace_id, std::move(*opened), true};
  return kept.file->read(buffer_);
}

Result<PodNetworkSample> PodNetworkReader::read(const std::string& pod_uid, const std::vector<int>& pids,
                                                const std::string& host_namespace_id, PidOrder order) {
  if (pids.empty()) return makeError(ErrorCode::kNotFound, "no process in the pod's cgroup");
  if (order == PidOrder::kSandboxFirst) {
    // The sandbox process the kept file was opened through is still in its cgroup (the caller
    // listed it this cycle), and a pause process never changes namespace: no ns/net check needed.
    auto kept = kept_.find(pod_uid);
    if (kept != kept_.end() && kept->second.file && kept->second.pid == pids.front()) {
      kept->second.used = true;
      if (auto text = kept->second.file->read(buffer_)) return sampleOf(*text, kept->second.namespace_id);
    }
  }
  Error last = makeError(ErrorCode::kVanished, "every process of the pod exited while being read");
  for (int pid : order == PidOrder::kFindSandbox ? candidateOrder(fs_, pids) : pids) {
    auto namespace_id = fs_.readLink(fs_.paths().procPidNetNs(pid));
    if (!namespace_id) {
      last = namespace_id.error();
      if (last.code == ErrorCode::kVanished || last.code == ErrorCode::kNotFound) continue;
      return last;  // e.g. kPermission: every pid would fail the same way
    }
    if (!host_namespace_id.empty() && *namespace_id == host_namespace_id) {
      PodNetworkSample sample;
      sample.namespace_id = *namespace_id;
      sample.host_network = true;
      return sample;
    }
    auto text = readNetDev(pod_uid, pid, *namespace_id);
    if (!text) {
      last = text.error();
      if (last.code == ErrorCode::kVanished || last.code == ErrorCode::kNotFound) continue;
      return last;
    }
    return sampleOf(*text, *namespace_id);
  }
  return last;
}

void PodNetworkReader::endCycle() {
  for (auto it = kept_.begin(); it != kept_.end();) {
    if (!std::exchange(it->second.used, false)) {
      it = kept_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace kubemonitor::agent
