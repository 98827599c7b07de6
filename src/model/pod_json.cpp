#include "model/pod_json.h"

#include <string>
#include <string_view>
#include <unordered_set>

#include "model/usage_fields.h"

namespace kubemonitor::model {
namespace {

using fields::fieldError;

Status decodeCount(simdjson::dom::element element, std::string_view name, uint64_t& out) {
  if (element.get_uint64().get(out)) return fieldError(name, "expected an integer ≥ 0");
  return {};
}

// Prefixes an error's subject with where it happened ("pods[3].containers[0].cpu_millicores").
Error located(Error error, const std::string& where) {
  error.subject = where + "." + error.subject;
  return error;
}

void writeResources(JsonWriter& writer, const ResourceSpec& spec) {
  writer.key("resources").beginObject();
  fields::writeFields(writer, fields::kResourceSpec, spec);
  writer.endObject();
}

void writeContainer(JsonWriter& writer, const ContainerUsage& container) {
  writer.beginObject().field("name", container.name).field("id", container.id);
  fields::writeFields(writer, fields::kCgroupUsage, container.usage);
  fields::writeFields(writer, fields::kCgroupRates, container.usage);
  writer.field("restarts", container.restarts);
  writeResources(writer, container.spec);
  writer.endObject();
}

Status decodeString(simdjson::dom::element element, std::string_view name, std::string& out) {
  std::string_view text;
  if (element.get_string().get(text)) return fieldError(name, "expected a string");
  if (text.size() > 253) return fieldError(name, "longer than 253 characters");
  out.assign(text);
  return {};
}

Status decodeResources(simdjson::dom::element element, ResourceSpec& spec) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) return fieldError("resources", "expected an object");
  fields::SeenFields<fields::kResourceSpec.size()> seen;
  for (auto [key, member] : object) {
    bool matched = false;
    if (auto status = fields::decodeIfField(fields::kResourceSpec, key, member, spec, seen, matched); !status) {
      return located(status.error(), "resources");
    }
  }
  if (auto status = seen.requireAll(fields::kResourceSpec); !status) return located(status.error(), "resources");
  return {};
}

Status decodeContainer(simdjson::dom::element element, ContainerUsage& container) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) return fieldError("container", "expected an object");
  fields::SeenFields<fields::kCgroupUsage.size()> seen;
  for (auto [key, member] : object) {
    Status status;
    if (key == "name") {
      status = decodeString(member, "name", container.name);
    } else if (key == "id") {
      status = decodeString(member, "id", container.id);
    } else if (key == "resources") {
      status = decodeResources(member, container.spec);
    } else if (key == "restarts") {
      status = decodeCount(member, "restarts", container.restarts);
    } else {
      bool matched = false;
      status = fields::decodeIfField(fields::kCgroupUsage, key, member, container.usage, seen, matched);
      if (status && !matched) {
        status = fields::decodeIfOptionalField(fields::kCgroupRates, key, member, container.usage, matched);
      }
    }
    if (!status) return status;
  }
  return seen.requireAll(fields::kCgroupUsage);
}

Status decodeContainers(simdjson::dom::element element, std::vector<ContainerUsage>& containers) {
  simdjson::dom::array array;
  if (element.get_array().get(array)) return fieldError("containers", "expected an array");
  containers.reserve(array.size());
  for (simdjson::dom::element item : array) {
    ContainerUsage container;
    if (auto status = decodeContainer(item, container); !status) {
      return located(status.error(), "containers[" + std::to_string(containers.size()) + "]");
    }
    containers.push_back(std::move(container));
  }
  return {};
}

// Decodes a pod's own keys; returns matched=false for keys that belong to the usage tables.
Status decodePodKey(std::string_view key, simdjson::dom::element member, PodUsage& pod, bool& matched) {
  matched = true;
  if (key == "uid") return decodeString(member, "uid", pod.uid);
  if (key == "name") return decodeString(member, "name", pod.name);
  if (key == "namespace") return decodeString(member, "namespace", pod.namespace_name);
  if (key == "deployment") return decodeString(member, "deployment", pod.deployment);
  if (key == "workload_kind") return decodeString(member, "workload_kind", pod.workload_kind);
  if (key == "workload_name") return decodeString(member, "workload_name", pod.workload_name);
  if (key == "qos_class") return decodeString(member, "qos_class", pod.qos_class);
  if (key == "host_network") {
    if (member.get_bool().get(pod.host_network)) return fieldError("host_network", "expected true or false");
    return {};
  }
  if (key == "resources") return decodeResources(member, pod.spec);
  if (key == "restarts") return decodeCount(member, "restarts", pod.restarts);
  if (key == "containers") return decodeContainers(member, pod.containers);
  matched = false;
  return {};
}

Status decodePod(simdjson::dom::element element, PodUsage& pod) {
  simdjson::dom::object object;
  if (element.get_object().get(object)) return fieldError("pod", "expected an object");
  fields::SeenFields<fields::kCgroupUsage.size()> seen_usage;
  fields::SeenFields<fields::kNetworkUsage.size()> seen_network;
  for (auto [key, member] : object) {
    bool matched = false;
    if (auto status = decodePodKey(key, member, pod, matched); !status || matched) {
      if (!status) return status;
      continue;
    }
    if (auto status = fields::decodeIfField(fields::kCgroupUsage, key, member, pod.usage, seen_usage, matched);
        !status || matched) {
      if (!status) return status;
      continue;
    }
    if (auto status = fields::decodeIfField(fields::kNetworkUsage, key, member, pod.network, seen_network, matched);
        !status || matched) {
      if (!status) return status;
      continue;
    }
    if (auto status = fields::decodeIfOptionalField(fields::kCgroupRates, key, member, pod.usage, matched); !status) {
      return status;
    }
    // Anything else is derived (cpu_percent) or from a newer agent: ignored.
  }
  if (pod.uid.empty()) return fieldError("uid", "missing field");
  if (auto status = seen_usage.requireAll(fields::kCgroupUsage); !status) return status;
  return seen_network.requireAll(fields::kNetworkUsage);
}

}  // namespace

void writePod(JsonWriter& writer, const PodUsage& pod, const NodeUsage& node) {
  writer.beginObject()
      .field("uid", pod.uid)
      .field("name", pod.name)
      .field("namespace", pod.namespace_name)
      .field("deployment", pod.deployment)
      .field("workload_kind", pod.workload_kind)
      .field("workload_name", pod.workload_name)
      .field("qos_class", pod.qos_class)
      .field("host_network", pod.host_network)
      .field("restarts", pod.restarts);
  fields::writeFields(writer, fields::kCgroupUsage, pod.usage);
  fields::writeFields(writer, fields::kCgroupRates, pod.usage);
  fields::writeFields(writer, fields::kNetworkUsage, pod.network);
  writer.field("cpu_percent", podCpuPercent(pod, node)).field("memory_percent", podMemoryPercent(pod, node));
  writeResources(writer, pod.spec);
  writer.key("containers").beginArray();
  for (const auto& container : pod.containers) writeContainer(writer, container);
  writer.endArray();
  writer.endObject();
}

Status decodePods(simdjson::dom::element value, std::vector<PodUsage>& pods) {
  simdjson::dom::array array;
  if (value.get_array().get(array)) return fieldError("pods", "expected an array");
  pods.reserve(array.size());
  std::unordered_set<std::string> uids;  // a pod twice in one report would count twice in sums
  for (simdjson::dom::element item : array) {
    PodUsage pod;
    const std::string where = "pods[" + std::to_string(pods.size()) + "]";
    if (auto status = decodePod(item, pod); !status) return located(status.error(), where);
    if (!uids.insert(pod.uid).second) return located(fieldError("uid", "duplicate pod uid " + pod.uid), where);
    pods.push_back(std::move(pod));
  }
  return {};
}

}  // namespace kubemonitor::model
