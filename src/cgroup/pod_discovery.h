#pragma once
// Finds every pod and container cgroup that kubelet made, from the cgroup tree alone (DESIGN §2).
// kubelet's layouts (pkg/kubelet/cm/cgroup_manager_linux.go, qos_container_manager_linux.go):
//   cgroupfs  /kubepods/pod<uid>/<ctr>                    Guaranteed
//             /kubepods/burstable/pod<uid>/<ctr>          Burstable
//             /kubepods/besteffort/pod<uid>/<ctr>         BestEffort
//   systemd   /kubepods.slice/kubepods-pod<uid_>.slice/<ctr>
//             /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/<ctr>
//             /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice/<ctr>
// where <uid_> is the pod UID with '-' written as '_' and <ctr> is named by the runtime
// (container_resolver.h). The kubepods directory is looked for at the top of the hierarchy and
// one level down (a kubelet run with --cgroup-root, or inside a kind node's container).
//
// Cost per call: one listing of kubepods and of each QoS directory, so a new pod is found on the
// next cycle. A pod's own directory (its containers) is listed when the pod is new, when its link
// count changed (on cgroupfs a directory's st_nlink is 2 + its subdirectories: one stat instead
// of a listing, so a container started in a known pod is found on the next call), when
// relistPod() is asked for it (a container of it vanished: a restart that removed one cgroup and
// made another keeps the count), and on every `full_rescan_every`-th call; in between its
// container list is remembered. A directory that vanishes mid-walk is counted and skipped (DESIGN
// rule 5).

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cgroup/cgroup_reader.h"
#include "cgroup/container_resolver.h"
#include "hostfs/host_fs.h"

namespace kubemonitor::cgroup {

enum class QosClass { kGuaranteed, kBurstable, kBestEffort };
std::string_view qosClassName(QosClass qos);  // "Guaranteed", "Burstable", "BestEffort"

struct DiscoveredContainer {
  ContainerRef ref;
  std::string cgroup_path;  // as /proc/<pid>/cgroup spells it: "/kubepods/burstable/pod<uid>/<id>"
};

struct DiscoveredPod {
  std::string uid;  // with dashes, as the Kubernetes API spells it
  QosClass qos = QosClass::kBestEffort;
  std::string cgroup_path;
  std::vector<DiscoveredContainer> containers;  // sorted by directory name
};

struct Discovery {
  std::vector<DiscoveredPod> pods;  // sorted by cgroup path
  std::string kubepods_path;        // "" when this node has no kubepods cgroup (yet)
  size_t vanished = 0;              // directories that disappeared while we walked
  std::vector<Error> errors;        // other listing failures (permission, I/O)
};

// The pod UID in a pod directory name ("pod<uid>" or "...-pod<uid_>.slice"); "" if it is not one.
std::string podUidFromDirectory(std::string_view directory_name);

struct PodDiscoveryOptions {
  // The kubepods cgroup ("/kubepods", "/kubepods.slice", ...); empty: looked for (see above).
  std::string kubepods_path;
  // Every n-th call lists every pod's directory again (≥ 1; 1 = every call): a safety net, the
  // link counts find new containers in between.
  uint64_t full_rescan_every = 12;
};

class PodDiscovery {
 public:
  using Options = PodDiscoveryOptions;

  // `fs` and `reader` must outlive this object.
  PodDiscovery(const hostfs::HostFs& fs, const CgroupReader& reader, ResolverChain resolvers,
               PodDiscoveryOptions options = PodDiscoveryOptions());

  // Not thread-safe (it updates the remembered container lists).
  Discovery discover();
  // Lists the pod's containers now (a container of it vanished) and remembers them; kNotFound
  // when the pod itself is gone.
  Result<std::vector<DiscoveredContainer>> relistPod(const std::string& pod_path);

 private:
  struct KnownPod {
    std::vector<DiscoveredContainer> containers;
    uint64_t link_count = 0;  // st_nlink of the pod directory when it was listed
  };
  std::string findKubepods(Discovery& result) const;
  void walkPods(const std::string& parent_path, QosClass qos, Discovery& result);
  void addPod(std::string pod_path, std::string uid, QosClass qos, Discovery& result);
  // Whether the pod directory still has the subdirectory count it had when `known` was listed.
  bool unchangedSinceListed(const std::string& pod_path, const KnownPod& known) const;
  Result<KnownPod> listContainers(const std::string& pod_path) const;
  Result<std::vector<hostfs::DirEntry>> list(std::string_view cgroup_path) const;

  const hostfs::HostFs& fs_;
  const CgroupReader& reader_;
  ResolverChain resolvers_;
  const Options options_;
  uint64_t calls_ = 0;
  std::unordered_map<std::string, KnownPod> containers_by_pod_;  // by pod path
  std::unordered_map<std::string, KnownPod> seen_this_call_;
};

}  // namespace kubemonitor::cgroup
