#pragma once
// The slice of the Kubernetes API that `kubectl top` reads, served from kubemonitor's data so that
// `kubectl --server http://HOST:PORT top nodes|pods` works without metrics-server:
//   GET /api, /apis, /version              discovery (APIVersions, APIGroupList, version.Info)
//   GET /api/v1                            APIResourceList with nodes
//   GET /api/v1/nodes[/{name}]             NodeList / Node with capacity and allocatable
//   GET /apis/metrics.k8s.io/v1beta1       APIResourceList with nodes and pods
//   GET /apis/metrics.k8s.io/v1beta1/nodes[/{name}]   NodeMetricsList / NodeMetrics
//   GET /apis/metrics.k8s.io/v1beta1/pods, /namespaces/{ns}/pods[/{name}]   PodMetricsList / PodMetrics
// Shapes follow the Kubernetes API reference (meta/v1 and metrics.k8s.io/v1beta1 types).
// Thread-safe like the Router: state lives in the Storage.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "server/http_message.h"
#include "server/request_target.h"
#include "tsdb/storage.h"

namespace kubemonitor::server {

class KubeApiView {
 public:
  // `storage` and `clock` must outlive the view. `node_grace_ms`: nodes silent for longer are
  // left out of lists (0 keeps them), as the REST views do. `stale_after_ms`: the pods' liveness
  // rule (tsdb::LatestFilter::stale_after_ms), as in the REST pod views.
  KubeApiView(const tsdb::Storage& storage, const Clock& clock, int64_t node_grace_ms, int64_t stale_after_ms = 0);

  // True for the paths above ("api" followed by nothing or "v1", "apis", "version").
  static bool handles(const std::vector<std::string>& segments);
  // GET only; `segments` as RequestTarget splits them.
  HttpResponse handle(const std::vector<std::string>& segments) const;

 private:
  HttpResponse nodeList(bool metrics) const;
  HttpResponse node(const std::string& name, bool metrics) const;
  std::vector<tsdb::NodeSample> liveNodes() const;
  // Live pods, of one namespace when `ns` is not empty.
  HttpResponse podList(const std::string& ns) const;
  HttpResponse pod(const std::string& ns, const std::string& name) const;

  const tsdb::Storage& storage_;
  const Clock& clock_;
  const int64_t node_grace_ms_;
  const int64_t stale_after_ms_;
};

}  // namespace kubemonitor::server
