#include "agent/kube_pod_names.h"

namespace kubemonitor::agent {
namespace {

model::ResourceSpec toSpec(const kube::ResourceRequirements& resources) {
  return {resources.cpu_request_millicores, resources.cpu_limit_millicores, resources.memory_request_bytes,
          resources.memory_limit_bytes};
}

}  // namespace

PodNames podNamesFromMetadata(const kube::PodMetadata& pod) {
  PodNames names;
  names.name = pod.name;
  names.namespace_name = pod.namespace_name;
  names.deployment = pod.deployment;
  names.workload_kind = pod.workload_kind;
  names.workload_name = pod.workload_name;
  names.spec = toSpec(pod.resources);
  names.restarts = pod.restart_count;
  for (const auto& container : pod.containers) {
    if (container.container_id.empty()) continue;  // not started yet: no cgroup to match
    names.containers_by_id.emplace(container.container_id, ContainerNames{container.name, toSpec(container.resources), container.restart_count});
  }
  return names;
}

KubePodNameSource::KubePodNameSource(const kube::PodCatalog& catalog) : catalog_(catalog) {}

std::shared_ptr<const PodNamesByUid> KubePodNameSource::snapshot() const {
  auto pods = catalog_.snapshot();
  std::lock_guard lock(mutex_);
  if (pods != converted_from_ || !converted_) {
    auto names = std::make_shared<PodNamesByUid>();
    if (pods) {
      names->reserve(pods->size());
      for (const auto& [uid, pod] : *pods) names->emplace(uid, podNamesFromMetadata(pod));
    }
    converted_ = std::move(names);
    converted_from_ = std::move(pods);
  }
  return converted_;
}

}  // namespace kubemonitor::agent
