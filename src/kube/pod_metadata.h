#pragma once
// What the Kubernetes API tells us about a pod that the cgroup tree cannot: names, owner workload,
// QoS class and the requests/limits from its spec. Plain values, copied freely.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kubemonitor::kube {

// Requests and limits from a pod spec; 0 means "not set" (Kubernetes has no zero limit).
struct ResourceRequirements {
  uint64_t cpu_request_millicores = 0;  // spec resources.requests.cpu, millicores (rounded up)
  uint64_t cpu_limit_millicores = 0;    // spec resources.limits.cpu, millicores
  uint64_t memory_request_bytes = 0;    // spec resources.requests.memory, bytes
  uint64_t memory_limit_bytes = 0;      // spec resources.limits.memory, bytes

  bool operator==(const ResourceRequirements&) const = default;
};

struct ContainerMetadata {
  std::string name;
  // Runtime id without its "containerd://", "cri-o://" or "docker://" scheme, from
  // status.containerStatuses[].containerID; empty while the container has not started.
  std::string container_id;
  ResourceRequirements resources;
  uint64_t restart_count = 0;  // counter: status.containerStatuses[].restartCount
};

struct PodMetadata {
  std::string uid;             // metadata.uid: the key the cgroup tree knows the pod by
  std::string name;            // metadata.name
  std::string namespace_name;  // metadata.namespace
  std::string node_name;       // spec.nodeName
  // The controlling owner as a workload: "Deployment" (ReplicaSet owned by a Deployment),
  // "ReplicaSet", "StatefulSet", "DaemonSet", "Job", any other kind as given; empty for a bare pod.
  std::string workload_kind;
  std::string workload_name;
  std::string deployment;      // the Deployment's name when workload_kind is "Deployment", else empty
  std::string owner_kind;      // the raw controller ownerReference (kind, name), e.g. ReplicaSet web-5d9c
  std::string owner_name;
  std::string pod_template_hash;  // metadata.labels["pod-template-hash"], for ReplicaSet-owned pods
  std::string qos_class;       // status.qosClass: Guaranteed, Burstable, BestEffort
  std::string phase;           // status.phase: Pending, Running, Succeeded, Failed, Unknown
  bool host_network = false;   // spec.hostNetwork: the pod shares the node's network namespace
  std::string resource_version;  // metadata.resourceVersion of this object
  std::vector<ContainerMetadata> containers;  // spec.containers in spec order (init containers excluded)
  ResourceRequirements resources;  // sum over spec.containers (not init containers)
  uint64_t restart_count = 0;      // counter: Σ restartCount over containerStatuses
};

// Pods by metadata.uid.
using PodMap = std::map<std::string, PodMetadata>;

}  // namespace kubemonitor::kube
