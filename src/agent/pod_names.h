#pragma once
// What the agent knows about a pod beyond its cgroup: names, owner and resources, keyed by pod UID.
// The Kubernetes API watcher (kube_pod_names.h) fills it; without the API the map is empty and
// pods are reported by UID (DESIGN §2).

#include <memory>
#include <string>
#include <unordered_map>

#include "model/report.h"

namespace kubemonitor::agent {

struct ContainerNames {
  std::string name;           // spec name ("nginx")
  model::ResourceSpec spec;   // this container's requests and limits
  uint64_t restarts = 0;      // counter: restartCount from the API
};

struct PodNames {
  std::string name;
  std::string namespace_name;
  std::string deployment;     // empty unless owned by a Deployment (via its ReplicaSet)
  std::string workload_kind;  // Deployment, StatefulSet, DaemonSet, Job, ReplicaSet, ... or empty
  std::string workload_name;
  model::ResourceSpec spec;   // sum over the containers
  uint64_t restarts = 0;      // counter: Σ restartCount of the pod's containers
  // Runtime container id (64 hex, no "containerd://" scheme) → its names; the sandbox has none.
  std::unordered_map<std::string, ContainerNames> containers_by_id;
};

using PodNamesByUid = std::unordered_map<std::string, PodNames>;

// Thread safety: snapshot() may be called from the collecting thread while the source updates
// itself on another; a snapshot is immutable.
class PodNameSource {
 public:
  virtual ~PodNameSource() = default;
  virtual std::shared_ptr<const PodNamesByUid> snapshot() const = 0;
};

}  // namespace kubemonitor::agent
