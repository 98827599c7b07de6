#include "server/kube_api_view.h"

#include "common/json_writer.h"
#include "common/time_format.h"
#include "server/kube_quantity.h"

namespace kubemonitor::server {
namespace {

constexpr std::string_view kMetricsGroup = "metrics.k8s.io";
constexpr std::string_view kMetricsGroupVersion = "metrics.k8s.io/v1beta1";

HttpResponse json(std::string body) { return jsonResponse(200, std::move(body)); }

// A Kubernetes Status object (meta/v1), which kubectl prints as the reason of a failure.
HttpResponse kubeStatus(int code, std::string_view reason, const std::string& message) {
  std::string body;
  JsonWriter w(body);
  w.beginObject()
      .field("kind", "Status")
      .field("apiVersion", "v1")
      .key("metadata")
      .beginObject()
      .endObject()
      .field("status", "Failure")
      .field("message", message)
      .field("reason", reason)
      .field("code", code)
      .endObject();
  return jsonResponse(code, std::move(body));
}

HttpResponse apiVersions() {
  std::string body;
  JsonWriter w(body);
  w.beginObject().field("kind", "APIVersions").key("versions").beginArray().string("v1").endArray();
  w.key("serverAddressByClientCIDRs").beginArray().endArray().endObject();
  return json(std::move(body));
}

void writeGroupVersion(JsonWriter& w) {
  w.beginObject().field("groupVersion", kMetricsGroupVersion).field("version", "v1beta1").endObject();
}

HttpResponse apiGroupList() {
  std::string body;
  JsonWriter w(body);
  w.beginObject().field("kind", "APIGroupList").field("apiVersion", "v1").key("groups").beginArray();
  w.beginObject().field("name", kMetricsGroup).key("versions").beginArray();
  writeGroupVersion(w);
  w.endArray().key("preferredVersion");
  writeGroupVersion(w);
  w.endObject().endArray().endObject();
  return json(std::move(body));
}

struct ResourceInfo {
  std::string_view name;
  std::string_view kind;
  bool namespaced;
};

HttpResponse resourceList(std::string_view group_version, std::initializer_list<ResourceInfo> resources) {
  std::string body;
  JsonWriter w(body);
  w.beginObject().field("kind", "APIResourceList").field("apiVersion", "v1").field("groupVersion", group_version);
  w.key("resources").beginArray();
  for (const auto& r : resources) {
    w.beginObject().field("name", r.name).field("singularName", "").field("namespaced", r.namespaced).field("kind", r.kind);
    w.key("verbs").beginArray().string("get").string("list").endArray().endObject();
  }
  w.endArray().endObject();
  return json(std::move(body));
}

HttpResponse versionInfo() {
  std::string body;
  JsonWriter w(body);
  // kubectl only reads this for `kubectl version`; say plainly what answers.
  w.beginObject()
      .field("major", "1")
      .field("minor", "32")
      .field("gitVersion", "v1.32.0-kubemonitor")
      .field("platform", "linux/amd64")
      .endObject();
  return json(std::move(body));
}

std::string windowText(int64_t interval_ms) {
  const int64_t seconds = interval_ms > 0 ? (interval_ms + 999) / 1000 : 5;
  return std::to_string(seconds) + "s";
}

void writeNodeMetrics(JsonWriter& w, const tsdb::NodeSample& sample) {
  const std::string timestamp = formatRfc3339(sample.timestamp_ms);
  w.beginObject().field("kind", "NodeMetrics").field("apiVersion", kMetricsGroupVersion);
  w.key("metadata").beginObject().field("name", sample.node).field("creationTimestamp", timestamp);
  w.key("labels").beginObject().field("kubernetes.io/hostname", sample.node).endObject().endObject();
  w.field("timestamp", timestamp).field("window", windowText(sample.interval_ms));
  w.key("usage").beginObject();
  w.field("cpu", cpuQuantity(sample.usage.cpu_millicores));
  w.field("memory", memoryQuantity(sample.usage.memory_working_set_bytes));
  w.endObject().endObject();
}

// A Node as `kubectl top nodes` needs it: status.capacity and status.allocatable (the percentage
// base). kubemonitor knows the machine's capacity, not kubelet's reservations, so allocatable =
// capacity here; the decision is written in docs/decisions.md.
void writeNode(JsonWriter& w, const tsdb::NodeSample& sample) {
  w.beginObject().field("kind", "Node").field("apiVersion", "v1");
  w.key("metadata").beginObject().field("name", sample.node);
  w.key("labels").beginObject().field("kubernetes.io/hostname", sample.node).endObject().endObject();
  w.key("status").beginObject();
  for (std::string_view key : {"capacity", "allocatable"}) {
    w.key(key).beginObject();
    w.field("cpu", std::to_string(sample.usage.cpu_capacity_millicores) + "m");
    w.field("memory", memoryQuantity(sample.usage.memory_capacity_bytes));
    w.endObject();
  }
  w.endObject().endObject();
}

// PodMetrics: usage per container, as metrics-server reports it (kubectl top pods sums the
// containers; --containers prints them).
void writePodMetrics(JsonWriter& w, const tsdb::ObjectSample& pod, const std::vector<tsdb::ContainerSample>& containers) {
  const std::string timestamp = formatRfc3339(pod.timestamp_ms);
  w.beginObject().field("kind", "PodMetrics").field("apiVersion", kMetricsGroupVersion);
  w.key("metadata").beginObject().field("name", pod.key.name).field("namespace", pod.key.namespace_name);
  w.field("creationTimestamp", timestamp).key("labels").beginObject().endObject().endObject();
  w.field("timestamp", timestamp).field("window", windowText(pod.interval_ms));
  w.key("containers").beginArray();
  for (const auto& c : containers) {
    w.beginObject().field("name", c.name).key("usage").beginObject();
    w.field("cpu", cpuQuantity(c.values.cpu_millicores)).field("memory", memoryQuantity(c.values.memory_working_set_bytes));
    w.endObject().endObject();
  }
  w.endArray().endObject();
}

}  // namespace

HttpResponse KubeApiView::podList(const std::string& ns) const {
  std::string body;
  JsonWriter w(body);
  w.beginObject().field("kind", "PodMetricsList").field("apiVersion", kMetricsGroupVersion);
  w.key("metadata").beginObject().endObject().key("items").beginArray();
  const auto pods = storage_.latest(tsdb::ObjectKind::kPod, tsdb::LatestFilter{ns, "", "", stale_after_ms_});
  std::vector<tsdb::ObjectKey> keys;
  keys.reserve(pods.size());
  for (const auto& pod : pods) keys.push_back(pod.key);
  const auto containers = storage_.latestContainersOf(keys);
  for (size_t i = 0; i < pods.size(); ++i) writePodMetrics(w, pods[i], containers[i]);
  w.endArray().endObject();
  return json(std::move(body));
}

HttpResponse KubeApiView::pod(const std::string& ns, const std::string& name) const {
  // Only a live pod: like metrics-server, which forgets a pod once it is gone.
  for (const auto& pod : storage_.latest(tsdb::ObjectKind::kPod, tsdb::LatestFilter{ns, "", "", stale_after_ms_})) {
    if (pod.key.name != name) continue;
    std::string body;
    JsonWriter w(body);
    writePodMetrics(w, pod, storage_.latestContainers(pod.key));
    return json(std::move(body));
  }
  return kubeStatus(404, "NotFound", "podmetrics.metrics.k8s.io \"" + name + "\" not found");
}

KubeApiView::KubeApiView(const tsdb::Storage& storage, const Clock& clock, int64_t node_grace_ms,
                         int64_t stale_after_ms)
    : storage_(storage), clock_(clock), node_grace_ms_(node_grace_ms), stale_after_ms_(stale_after_ms) {}

bool KubeApiView::handles(const std::vector<std::string>& s) {
  if (s.empty()) return false;
  if (s[0] == "apis" || s[0] == "version") return true;
  return s[0] == "api" && (s.size() == 1 || s[1] == "v1");
}

HttpResponse KubeApiView::handle(const std::vector<std::string>& s) const {
  const std::string path = [&] {
    std::string p;
    for (const auto& segment : s) p += "/" + segment;
    return p;
  }();
  if (s.size() == 1 && s[0] == "version") return versionInfo();
  if (s[0] == "api") {
    if (s.size() == 1) return apiVersions();
    if (s.size() == 2) return resourceList("v1", {{"nodes", "Node", false}});
    if (s[2] == "nodes" && s.size() == 3) return nodeList(false);
    if (s[2] == "nodes" && s.size() == 4) return node(s[3], false);
  } else if (s[0] == "apis") {
    if (s.size() == 1) return apiGroupList();
    const bool metrics = s.size() >= 3 && s[1] == kMetricsGroup && s[2] == "v1beta1";
    if (metrics && s.size() == 3) {
      return resourceList(kMetricsGroupVersion, {{"nodes", "NodeMetrics", false}, {"pods", "PodMetrics", true}});
    }
    if (metrics && s.size() == 4 && s[3] == "nodes") return nodeList(true);
    if (metrics && s.size() == 5 && s[3] == "nodes") return node(s[4], true);
    if (metrics && s.size() == 4 && s[3] == "pods") return podList("");
    if (metrics && s.size() == 6 && s[3] == "namespaces" && s[5] == "pods") return podList(s[4]);
    if (metrics && s.size() == 7 && s[3] == "namespaces" && s[5] == "pods") return pod(s[4], s[6]);
  }
  return kubeStatus(404, "NotFound", "the server could not find the requested resource (" + path + ")");
}

std::vector<tsdb::NodeSample> KubeApiView::liveNodes() const {
  std::vector<tsdb::NodeSample> nodes = storage_.latestNodes();
  if (node_grace_ms_ <= 0) return nodes;
  const int64_t oldest_ms = toUnixMs(clock_.wallNow()) - node_grace_ms_;
  std::erase_if(nodes, [&](const tsdb::NodeSample& n) { return n.timestamp_ms < oldest_ms; });
  return nodes;
}

HttpResponse KubeApiView::nodeList(bool metrics) const {
  std::string body;
  JsonWriter w(body);
  w.beginObject()
      .field("kind", metrics ? "NodeMetricsList" : "NodeList")
      .field("apiVersion", metrics ? kMetricsGroupVersion : std::string_view("v1"));
  w.key("metadata").beginObject().endObject().key("items").beginArray();
  for (const auto& sample : liveNodes()) metrics ? writeNodeMetrics(w, sample) : writeNode(w, sample);
  w.endArray().endObject();
  return json(std::move(body));
}

HttpResponse KubeApiView::node(const std::string& name, bool metrics) const {
  auto sample = storage_.latestNode(name);
  if (!sample) {
    return kubeStatus(404, "NotFound",
                      std::string(metrics ? "nodemetrics" : "nodes") + " \"" + name + "\" not found");
  }
  std::string body;
  JsonWriter w(body);
  metrics ? writeNodeMetrics(w, *sample) : writeNode(w, *sample);
  return json(std::move(body));
}

}  // namespace kubemonitor::server
