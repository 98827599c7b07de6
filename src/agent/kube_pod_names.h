#pragma once
// PodNameSource over the Kubernetes API watcher's catalog: converts kube::PodMetadata into the
// agent's PodNames, once per catalog change (the conversion is cached by snapshot identity, so
// a quiet cluster costs nothing per cycle). Without the API, pods are reported by UID.

#include <memory>
#include <mutex>

#include "agent/pod_names.h"
#include "kube/pod_watcher.h"

namespace kubemonitor::agent {

// kube::PodMetadata → PodNames (containers keyed by runtime id; those not started are left out).
PodNames podNamesFromMetadata(const kube::PodMetadata& pod);

class KubePodNameSource final : public PodNameSource {
 public:
  // `catalog` must outlive this source.
  explicit KubePodNameSource(const kube::PodCatalog& catalog);
  std::shared_ptr<const PodNamesByUid> snapshot() const override;

 private:
  const kube::PodCatalog& catalog_;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const kube::PodMap> converted_from_;  // guarded by mutex_
  mutable std::shared_ptr<const PodNamesByUid> converted_;      // guarded by mutex_
};

}  // namespace kubemonitor::agent
