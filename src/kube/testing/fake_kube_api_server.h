#pragma once
// A Kubernetes API server test double on 127.0.0.1 (port 0) speaking the real wire format:
// PodList JSON, chunked watch streams of {"type":…,"object":…} lines, core/v1 Status answers
// (410 Expired, 403 Forbidden, 404 NotFound), apps/v1 ReplicaSets. It honours fieldSelector
// spec.nodeName, limit/continue and resourceVersion, records every request target and
// Authorization header, and can go down and come back on the same port.
// One thread per connection, blocking I/O (Boost.Asio); all methods are thread-safe.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"

namespace kubemonitor::kube {

struct RecordedRequest {
  std::string target;         // path and query as sent ("/api/v1/pods?fieldSelector=…")
  std::string authorization;  // the Authorization header, "" when absent
};

class FakeKubeApiServer {
 public:
  FakeKubeApiServer();
  ~FakeKubeApiServer();
  FakeKubeApiServer(const FakeKubeApiServer&) = delete;
  FakeKubeApiServer& operator=(const FakeKubeApiServer&) = delete;

  // Listens on 127.0.0.1: a free port the first time, the same port after a stop() ("comes back").
  Status start();
  // "Goes down": closes the listener and every open connection (watches end mid-stream).
  void stop();
  uint16_t port() const;
  std::string baseUrl() const;  // "http://127.0.0.1:<port>"

  // --- state (kept across stop/start) ---
  // Replaces the pods with the items of a PodList document; its metadata.resourceVersion becomes
  // the current one. Items keep their own resourceVersions.
  Status loadPodList(std::string_view pod_list_json);
  // Watch events. The pod (one JSON object, any formatting) gets the next resourceVersion stamped
  // into its metadata; the stored pod list changes as the real server's would.
  Status addPod(std::string_view pod_json);
  Status modifyPod(std::string_view pod_json);
  Status deletePod(std::string_view pod_json);
  // A BOOKMARK event at a new resourceVersion (delivered to every watch).
  void bookmark();
  // Every open watch gets an ERROR event with a 410 Expired Status and ends.
  void expireWatches();
  // History is compacted past the current resourceVersion: every open watch ends and a watch from
  // any older resourceVersion is answered HTTP 410 (a LIST then gets a usable one).
  void compactHistory();
  // Every open watch ends cleanly, as when timeoutSeconds passes.
  void endWatches();
  // Sends `line` verbatim to every open and later watch (a garbled or truncated event).
  void pushRawWatchLine(std::string line);

  // ReplicaSet <ns>/<name> exists and is controlled by Deployment `deployment` ("" = no owner).
  void setReplicaSet(const std::string& namespace_name, const std::string& name, const std::string& deployment);
  // Answer 403 Forbidden to every ReplicaSet GET (an agent without RBAC for apps/replicasets).
  void setReplicaSetsForbidden(bool forbidden);
  // When non-empty, requests without "Authorization: Bearer <token>" get 401.
  void setRequiredToken(std::string token);

  // --- observations ---
  std::vector<RecordedRequest> requests() const;
  size_t openWatches() const;
  std::string resourceVersion() const;

 private:
  struct Event {
    uint64_t resource_version = 0;
    std::string node_name;  // "" = every watch (bookmarks)
    std::string line;       // one JSON line without '\n'
  };
  struct StoredPod {
    std::string node_name;
    std::string json;  // minified
  };

  void acceptLoop();
  void serveConnection(int fd);
  Status pushPodEvent(std::string_view type, std::string_view pod_json);
  std::string handleList(const std::string& node, size_t limit, size_t offset, int& status);
  void handleWatch(int fd, const std::string& node, uint64_t from_version);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool running_ = false;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::thread accept_thread_;
  std::vector<std::thread> connection_threads_;
  std::set<int> open_fds_;
  size_t open_watches_ = 0;

  uint64_t resource_version_ = 1;
  uint64_t compacted_version_ = 0;
  uint64_t expire_generation_ = 0;
  uint64_t end_generation_ = 0;
  std::map<std::string, StoredPod> pods_;  // by uid
  std::vector<Event> events_;
  std::map<std::string, std::string> replica_sets_;  // "<ns>/<name>" → Deployment name
  bool replica_sets_forbidden_ = false;
  std::string required_token_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace kubemonitor::kube
