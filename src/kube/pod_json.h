#pragma once
// Pure parsers over the Kubernetes API wire format (core/v1 Pod, PodList, watch events, Status,
// apps/v1 ReplicaSet), with simdjson. Unknown fields are ignored and missing optional fields are
// left empty; a body that is not JSON, or not the expected object, is an error value.
// Wire format: https://kubernetes.io/docs/reference/using-api/api-concepts/

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/pod_metadata.h"

namespace kubemonitor::kube {

// One page of `GET /api/v1/pods?limit=…`.
struct PodListPage {
  std::vector<PodMetadata> items;
  std::string resource_version;  // metadata.resourceVersion: where a watch starts
  std::string continue_token;    // metadata.continue: non-empty when more pages follow
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

std::string_view watchEventTypeName(WatchEventType type);

// One line of a watch stream: {"type":"ADDED","object":{…}}.
struct WatchEvent {
  WatchEventType type = WatchEventType::kError;
  PodMetadata pod;               // ADDED/MODIFIED/DELETED; for BOOKMARK only resource_version is set
  int status_code = 0;           // ERROR: the Status object's code (410 = resourceVersion expired)
  std::string status_reason;     // ERROR: Status.reason ("Expired", "Gone")
  std::string status_message;    // ERROR: Status.message
};

// A controller ownerReference (kind and name).
struct OwnerReference {
  std::string kind;
  std::string name;
};

// A core/v1 Status body (the answer to a failed request).
struct ApiStatus {
  int code = 0;
  std::string reason;
  std::string message;
};

Result<PodMetadata> parsePod(std::string_view body);
Result<PodListPage> parsePodList(std::string_view body);
Result<WatchEvent> parseWatchEvent(std::string_view line);
// An apps/v1 ReplicaSet → its controller owner (normally the Deployment); nullopt when it has none.
Result<std::optional<OwnerReference>> parseReplicaSetOwner(std::string_view body);
// A Status object; kParse when the body is not one.
Result<ApiStatus> parseApiStatus(std::string_view body);

// "containerd://abc" → "abc"; an id without a scheme is returned as is.
std::string_view stripContainerIdScheme(std::string_view container_id);

}  // namespace kubemonitor::kube
