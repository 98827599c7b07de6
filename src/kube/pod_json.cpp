#include "kube/pod_json.h"

#include <simdjson.h>

#include "kube/quantity.h"

namespace kubemonitor::kube {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Error jsonError(std::string_view what, std::string_view subject = {}) {
  return makeError(ErrorCode::kParse, std::string(what), std::string(subject));
}

// Reading the DOM: a missing key or a value of another type reads as "absent" (optional fields).
// Node carries simdjson's error along a chain of lookups, so obj["a"]["b"] on a missing "a" is safe.
using Node = simdjson::simdjson_result<element>;

Node wrap(element value) { return Node(std::move(value)); }

std::string_view stringAt(Node parent, std::string_view key) {
  std::string_view out;
  if (parent[key].get_string().get(out)) return {};
  return out;
}

bool boolAt(Node parent, std::string_view key) {
  bool out = false;
  if (parent[key].get_bool().get(out)) return false;
  return out;
}

bool hasObject(Node parent, std::string_view key) {
  object out;
  return !parent[key].get_object().get(out);
}

// Reads resources.requests/limits; quantities that do not parse are an error (the API server
// validates them, so this is a corrupted body, not a pod to guess at).
Status readResources(Node container, ResourceRequirements& out) {
  if (!hasObject(container, "resources")) return {};
  Node resources = container["resources"];
  struct Target {
    std::string_view group, resource;
    uint64_t* field;
    bool cpu;
  };
  const Target targets[] = {
      {"requests", "cpu", &out.cpu_request_millicores, true},
      {"limits", "cpu", &out.cpu_limit_millicores, true},
      {"requests", "memory", &out.memory_request_bytes, false},
      {"limits", "memory", &out.memory_limit_bytes, false},
  };
  for (const auto& target : targets) {
    if (!hasObject(resources, target.group)) continue;
    Node group = resources[target.group];
    element value;
    if (group[target.resource].get(value)) continue;
    std::string_view text;
    if (value.get_string().get(text)) {
      return jsonError("resources." + std::string(target.group) + "." + std::string(target.resource) +
                       " is not a quantity string");
    }
    auto parsed = target.cpu ? parseCpuQuantityMillicores(text) : parseMemoryQuantityBytes(text);
    if (!parsed) return parsed.error();
    *target.field = *parsed;
  }
  return {};
}

std::optional<OwnerReference> controllerOwner(Node metadata) {
  array owners;
  if (metadata["ownerReferences"].get_array().get(owners)) return std::nullopt;
  for (element owner_element : owners) {
    Node owner = wrap(owner_element);
    if (!boolAt(owner, "controller")) continue;
    return OwnerReference{std::string(stringAt(owner, "kind")), std::string(stringAt(owner, "name"))};
  }
  return std::nullopt;
}

// Owner → workload (DESIGN §2): a ReplicaSet named "<deployment>-<pod-template-hash>" belongs to a
// Deployment; the API confirms this later (PodWatcher) when it may read ReplicaSets.
void applyOwner(PodMetadata& pod, const std::optional<OwnerReference>& owner) {
  if (!owner) return;
  pod.owner_kind = owner->kind;
  pod.owner_name = owner->name;
  pod.workload_kind = owner->kind;
  pod.workload_name = owner->name;
  if (owner->kind != "ReplicaSet" || pod.pod_template_hash.empty()) return;
  const std::string suffix = "-" + pod.pod_template_hash;
  if (owner->name.size() > suffix.size() &&
      owner->name.compare(owner->name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    pod.deployment = owner->name.substr(0, owner->name.size() - suffix.size());
    pod.workload_kind = "Deployment";
    pod.workload_name = pod.deployment;
  }
}

Result<PodMetadata> decodePod(element pod_element) {
  object pod_check;
  if (pod_element.get_object().get(pod_check)) return jsonError("pod is not a JSON object");
  Node pod_object = wrap(pod_element);
  PodMetadata pod;
  Node metadata = pod_object["metadata"];
  pod.uid = stringAt(metadata, "uid");
  pod.name = stringAt(metadata, "name");
  pod.namespace_name = stringAt(metadata, "namespace");
  pod.resource_version = stringAt(metadata, "resourceVersion");
  pod.pod_template_hash = stringAt(metadata["labels"], "pod-template-hash");
  if (pod.uid.empty()) return jsonError("pod without metadata.uid", pod.name);
  applyOwner(pod, controllerOwner(metadata));

  Node spec = pod_object["spec"];
  pod.node_name = stringAt(spec, "nodeName");
  pod.host_network = boolAt(spec, "hostNetwork");
  array containers;
  if (!spec["containers"].get_array().get(containers)) {
    for (element container_element : containers) {
      object container_check;
      if (container_element.get_object().get(container_check)) return jsonError("container is not an object", pod.name);
      Node container = wrap(container_element);
      ContainerMetadata out;
      out.name = stringAt(container, "name");
      if (auto status = readResources(container, out.resources); !status) {
        Error error = status.error();
        error.subject = pod.namespace_name + "/" + pod.name + " container " + out.name +
                        (error.subject.empty() ? "" : " (\"" + error.subject + "\")");
        return error;
      }
      pod.resources.cpu_request_millicores += out.resources.cpu_request_millicores;
      pod.resources.cpu_limit_millicores += out.resources.cpu_limit_millicores;
      pod.resources.memory_request_bytes += out.resources.memory_request_bytes;
      pod.resources.memory_limit_bytes += out.resources.memory_limit_bytes;
      pod.containers.push_back(std::move(out));
    }
  }

  Node status = pod_object["status"];
  pod.phase = stringAt(status, "phase");
  pod.qos_class = stringAt(status, "qosClass");
  array statuses;
  if (!status["containerStatuses"].get_array().get(statuses)) {
    for (element status_element : statuses) {
      Node container_status = wrap(status_element);
      const std::string_view name = stringAt(container_status, "name");
      uint64_t restarts = 0;
      if (status_element["restartCount"].get_uint64().get(restarts)) restarts = 0;  // absent or invalid: none known
      for (auto& container : pod.containers) {
        if (container.name == name) {
          container.container_id = stripContainerIdScheme(stringAt(container_status, "containerID"));
          container.restart_count = restarts;
          pod.restart_count += restarts;
        }
      }
    }
  }
  return pod;
}

// One parser per thread: simdjson reuses its buffers between documents.
simdjson::dom::parser& threadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// The root element, checked to be an object. It lives in this thread's parser until the next parse.
Result<element> parseObject(std::string_view body, std::string_view what) {
  element root;
  if (auto error = threadParser().parse(body).get(root)) {
    return jsonError(std::string(what) + ": " + simdjson::error_message(error));
  }
  if (!root.is_object()) return jsonError(std::string(what) + ": not a JSON object");
  return root;
}

ApiStatus decodeStatus(Node status) {
  ApiStatus out;
  int64_t code = 0;
  if (!status["code"].get_int64().get(code)) out.code = static_cast<int>(code);
  out.reason = stringAt(status, "reason");
  out.message = stringAt(status, "message");
  return out;
}

}  // namespace

std::string_view watchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
    case WatchEventType::kError: return "ERROR";
  }
  return "ERROR";
}

std::string_view stripContainerIdScheme(std::string_view container_id) {
  const size_t scheme_end = container_id.find("://");
  return scheme_end == std::string_view::npos ? container_id : container_id.substr(scheme_end + 3);
}

Result<PodMetadata> parsePod(std::string_view body) {
  auto root = parseObject(body, "pod");
  if (!root) return root.error();
  return decodePod(*root);
}

Result<PodListPage> parsePodList(std::string_view body) {
  auto root = parseObject(body, "pod list");
  if (!root) return root.error();
  if (stringAt(wrap(*root), "kind") == "Status") {
    const ApiStatus status = decodeStatus(wrap(*root));
    return makeError(ErrorCode::kUnavailable, "API answered Status " + std::to_string(status.code) + ": " +
                                                  status.message);
  }
  PodListPage page;
  Node metadata = wrap(*root)["metadata"];
  page.resource_version = stringAt(metadata, "resourceVersion");
  page.continue_token = stringAt(metadata, "continue");
  array items;
  if ((*root)["items"].get_array().get(items)) {
    // "items": null is how the API writes an empty list in some versions.
    element items_element;
    if (!(*root)["items"].get(items_element) && items_element.is_null()) return page;
    return jsonError("pod list without an items array");
  }
  page.items.reserve(items.size());
  for (element item : items) {
    auto pod = decodePod(item);
    if (!pod) return pod.error();
    page.items.push_back(std::move(*pod));
  }
  return page;
}

Result<WatchEvent> parseWatchEvent(std::string_view line) {
  auto root = parseObject(line, "watch event");
  if (!root) return root.error();
  const std::string_view type = stringAt(wrap(*root), "type");
  WatchEvent event;
  if (type == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    event.type = WatchEventType::kError;
  } else {
    return jsonError("unknown watch event type \"" + std::string(type) + "\"");
  }
  element object_element;
  object event_object;
  if ((*root)["object"].get(object_element) || object_element.get_object().get(event_object)) {
    return jsonError("watch event without an object", type);
  }
  switch (event.type) {
    case WatchEventType::kError: {
      const ApiStatus status = decodeStatus(wrap(object_element));
      event.status_code = status.code;
      event.status_reason = status.reason;
      event.status_message = status.message;
      return event;
    }
    case WatchEventType::kBookmark:
      // A bookmark carries only metadata.resourceVersion (the object is otherwise empty).
      event.pod.resource_version = stringAt(object_element["metadata"], "resourceVersion");
      if (event.pod.resource_version.empty()) return jsonError("BOOKMARK without resourceVersion");
      return event;
    default: {
      auto pod = decodePod(object_element);
      if (!pod) return pod.error();
      event.pod = std::move(*pod);
      return event;
    }
  }
}

Result<std::optional<OwnerReference>> parseReplicaSetOwner(std::string_view body) {
  auto root = parseObject(body, "replicaset");
  if (!root) return root.error();
  if (stringAt(wrap(*root), "kind") != "ReplicaSet") return jsonError("not a ReplicaSet object");
  return controllerOwner(wrap(*root)["metadata"]);
}

Result<ApiStatus> parseApiStatus(std::string_view body) {
  auto root = parseObject(body, "status");
  if (!root) return root.error();
  if (stringAt(wrap(*root), "kind") != "Status") return jsonError("not a Status object");
  return decodeStatus(wrap(*root));
}

}  // namespace kubemonitor::kube
