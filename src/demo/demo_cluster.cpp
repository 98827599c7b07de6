#include "demo/demo_cluster.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <tuple>

#include "common/json_writer.h"

namespace kubemonitor::demo {
namespace {

constexpr unsigned kDatagramBytes = 1200;  // fits the veth's 1500-byte MTU: one packet each
constexpr unsigned kDiscardPort = 9;       // nothing listens: the peer answers ICMP, so rx moves too

// A 64-hex-digit container id, unique per run, pod and container.
std::string containerId(uint32_t run_id, int pod, int container) {
  char id[65];
  std::snprintf(id, sizeof id, "%08x%04x%04x%048x", run_id, pod, container, 0xd3e0u);
  return id;
}

std::string podUid(uint32_t run_id, int pod) {
  char uid[37];
  std::snprintf(uid, sizeof uid, "%08x-d3e0-4000-8000-%012x", run_id, pod);
  return uid;
}

DemoContainer container(std::string name, WorkloadSpec workload, std::string cpu_request, std::string cpu_limit,
                        std::string memory_request, std::string memory_limit) {
  DemoContainer c;
  c.name = std::move(name);
  c.workload = workload;
  c.cpu_request = std::move(cpu_request);
  c.cpu_limit = std::move(cpu_limit);
  c.memory_request = std::move(memory_request);
  c.memory_limit = std::move(memory_limit);
  return c;
}

// A pod of Deployment `deployment`, named as its ReplicaSet names pods: <deployment>-<hash>-<suffix>.
DemoPod pod(std::string namespace_name, std::string deployment, std::string hash, std::string_view suffix,
            hosttest::Qos qos, std::vector<DemoContainer> containers) {
  DemoPod p;
  p.name = deployment + "-" + hash + "-" + std::string(suffix);
  p.namespace_name = std::move(namespace_name);
  p.deployment = std::move(deployment);
  p.template_hash = std::move(hash);
  p.qos = qos;
  p.containers = std::move(containers);
  return p;
}

void writeResources(JsonWriter& json, const DemoContainer& c) {
  json.key("resources").beginObject();
  for (const auto& [kind, cpu, memory] : {std::tuple{"requests", &c.cpu_request, &c.memory_request},
                                          std::tuple{"limits", &c.cpu_limit, &c.memory_limit}}) {
    if (cpu->empty() && memory->empty()) continue;
    json.key(kind).beginObject();
    if (!cpu->empty()) json.field("cpu", *cpu);
    if (!memory->empty()) json.field("memory", *memory);
    json.endObject();
  }
  json.endObject();
}

std::string_view qosName(hosttest::Qos qos) {
  switch (qos) {
    case hosttest::Qos::kGuaranteed:
      return "Guaranteed";
    case hosttest::Qos::kBurstable:
      return "Burstable";
    case hosttest::Qos::kBestEffort:
      return "BestEffort";
  }
  return "BestEffort";
}

}  // namespace

std::vector<DemoPod> demoPods(uint32_t run_id) {
  using Kind = WorkloadSpec::Kind;
  // Gentle on a 2-core machine: one container spins at 15 %, the rest sleep between rounds.
  using hosttest::Qos;
  const std::vector<DemoPod> shapes = {
      pod("shop", "web", "6d8f5b7c9d", "x7k2p", Qos::kBurstable,
          {container("nginx", {Kind::kUdpSendEvery, 40, 1}, "100m", "500m", "32Mi", "128Mi"),
           container("log-shipper", {Kind::kHold, 12, 0}, "50m", "", "16Mi", "")}),
      pod("shop", "web", "6d8f5b7c9d", "q4m9z", Qos::kBurstable,
          {container("nginx", {Kind::kUdpSendEvery, 20, 1}, "100m", "500m", "32Mi", "128Mi"),
           container("log-shipper", {Kind::kHold, 12, 0}, "50m", "", "16Mi", "")}),
      pod("shop", "api", "58b4c6f7d8", "h2t6w", Qos::kBurstable,
          {container("api", {Kind::kSpinDuty, 15, 0}, "250m", "1", "64Mi", "256Mi"),
           container("cache", {Kind::kHold, 48, 0}, "50m", "200m", "64Mi", "128Mi")}),
      pod("shop", "api", "58b4c6f7d8", "n8r3c", Qos::kBurstable,
          {container("api", {Kind::kUdpSendEvery, 10, 2}, "250m", "1", "64Mi", "256Mi"),
           container("cache", {Kind::kHold, 32, 0}, "50m", "200m", "64Mi", "128Mi")}),
      pod("batch", "worker", "7c9f8d6b5f", "b5v8j", Qos::kGuaranteed,
          {container("worker", {Kind::kDirectWriteEvery, 4, 2}, "200m", "200m", "96Mi", "96Mi")}),
      pod("batch", "worker", "7c9f8d6b5f", "l6d4s", Qos::kGuaranteed,
          {container("worker", {Kind::kDirectWriteEvery, 2, 3}, "200m", "200m", "96Mi", "96Mi")}),
  };
  std::vector<DemoPod> pods;
  for (size_t i = 0; i < shapes.size(); ++i) {
    DemoPod made = shapes[i];
    const int index = static_cast<int>(i) + 1;
    made.uid = podUid(run_id, index);
    made.sandbox_id = containerId(run_id, index, 0);
    for (size_t c = 0; c < made.containers.size(); ++c) {
      made.containers[c].container_id = containerId(run_id, index, static_cast<int>(c) + 1);
    }
    pods.push_back(std::move(made));
  }
  return pods;
}

std::string replicaSetName(const DemoPod& pod) { return pod.deployment + "-" + pod.template_hash; }

std::string podJson(const DemoPod& pod, std::string_view node_name) {
  std::string out;
  JsonWriter json(out);
  json.beginObject().field("apiVersion", "v1").field("kind", "Pod");
  json.key("metadata").beginObject();
  json.field("name", pod.name).field("namespace", pod.namespace_name).field("uid", pod.uid);
  json.key("labels")
      .beginObject()
      .field("app", pod.deployment)
      .field("pod-template-hash", pod.template_hash)
      .endObject();
  json.key("ownerReferences").beginArray().beginObject();
  json.field("apiVersion", "apps/v1").field("kind", "ReplicaSet").field("name", replicaSetName(pod));
  json.field("uid", pod.uid.substr(0, 8) + "-rs").field("controller", true).endObject().endArray();
  json.endObject();

  json.key("spec").beginObject().field("nodeName", node_name);
  json.key("containers").beginArray();
  for (const auto& c : pod.containers) {
    json.beginObject().field("name", c.name).field("image", "kubemonitor-demo/" + c.name + ":1.0");
    writeResources(json, c);
    json.endObject();
  }
  json.endArray().endObject();

  json.key("status").beginObject().field("phase", "Running").field("qosClass", qosName(pod.qos));
  json.key("containerStatuses").beginArray();
  for (const auto& c : pod.containers) {
    json.beginObject().field("name", c.name).field("ready", true).field("restartCount", 0);
    json.field("image", "kubemonitor-demo/" + c.name + ":1.0").field("containerID", "containerd://" + c.container_id);
    json.endObject();
  }
  json.endArray().endObject();
  json.endObject();
  return out;
}

std::vector<std::string> workloadArgs(const WorkloadSpec& spec, int network_index, const std::string& scratch_file) {
  const std::string amount = std::to_string(spec.amount);
  const std::string period = std::to_string(spec.period_seconds);
  switch (spec.kind) {
    case WorkloadSpec::Kind::kSpinDuty:
      return {"spin-duty", amount};
    case WorkloadSpec::Kind::kHold:
      return {"hold", amount};
    case WorkloadSpec::Kind::kDirectWriteEvery:
      return {"direct-write-every", scratch_file, amount, period};
    case WorkloadSpec::Kind::kUdpSendEvery:
      return {"udp-send-every",
              "10.213." + std::to_string(network_index) + ".1",
              std::to_string(kDiscardPort),
              amount,
              std::to_string(kDatagramBytes),
              period};
  }
  return {};
}


DemoCluster::DemoCluster(std::string node_name, uint32_t run_id)
    : node_name_(std::move(node_name)), pods_(demoPods(run_id)), host_(hosttest::Layout::kCgroupfs) {}

Result<std::unique_ptr<DemoCluster>> DemoCluster::create(std::string node_name, uint32_t run_id) {
  if (auto reason = hosttest::FakePodHost::unsupportedReason(); !reason.empty()) {
    return makeError(ErrorCode::kPermission, "cannot build the demo pods: " + reason);
  }
  std::unique_ptr<DemoCluster> cluster(new DemoCluster(std::move(node_name), run_id));
  if (auto built = cluster->build(); !built) return built.error();  // the destructor removes the rest
  return cluster;
}

Status DemoCluster::build() {
  auto firstError = [this](const std::string& stage) {
    return makeError(ErrorCode::kIo, stage + ": " + host_.errors().front());
  };
  if (!host_.errors().empty()) return firstError("cgroup root");
  for (size_t i = 0; i < pods_.size(); ++i) {
    const DemoPod& pod = pods_[i];
    const int index = static_cast<int>(i) + 1;
    const std::string pod_path = host_.addPod(pod.qos, pod.uid);
    const std::string netns = host_.addNetworkNamespace(index);
    // The sandbox first: it holds the pod's network namespace, as kubelet's pause container does.
    pids_.push_back(host_.start(host_.addContainer(pod_path, pod.sandbox_id), netns, {"pause"}).pid);
    for (const auto& c : pod.containers) {
      const std::string scratch =
          c.workload.kind == WorkloadSpec::Kind::kDirectWriteEvery ? host_.scratchFile(pod.name) : std::string();
      pids_.push_back(
          host_.start(host_.addContainer(pod_path, c.container_id), netns, workloadArgs(c.workload, index, scratch))
              .pid);
    }
    if (!host_.errors().empty()) return firstError("pod " + pod.namespace_name + "/" + pod.name);
  }
  if (auto started = api_.start(); !started) return started.error();
  for (const auto& pod : pods_) {
    if (auto added = api_.addPod(podJson(pod, node_name_)); !added) return added.error();
    api_.setReplicaSet(pod.namespace_name, replicaSetName(pod), pod.deployment);
  }
  return {};
}

}  // namespace kubemonitor::demo
