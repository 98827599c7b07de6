#pragma once
// Keeps the pods of one node in memory from the Kubernetes API: LIST, then WATCH from the list's
// resourceVersion, re-watch when a watch ends, relist when the resourceVersion expired (410), back
// off on errors while keeping the last known names (DESIGN §2 "names").
// Protocol: https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "common/clock.h"
#include "kube/kube_http.h"
#include "kube/pod_json.h"
#include "kube/pod_metadata.h"

namespace kubemonitor::kube {

enum class SyncState {
  kNeverSynced,  // no LIST has succeeded yet: the agent reports pods by UID only
  kSynced,       // the catalog follows the API (a LIST succeeded and the watch is running)
  kStale,        // the API is unreachable or failing: the catalog holds the last names known
};

std::string_view syncStateName(SyncState state);

struct CatalogState {
  SyncState state = SyncState::kNeverSynced;
  std::string last_error;        // the most recent failure, for a human; kept after recovery
  WallTime last_sync_time{};     // when the last LIST succeeded (the injected Clock)
  std::string resource_version;  // the newest resourceVersion seen
  uint64_t pod_count = 0;        // gauge
  uint64_t lists = 0;            // counter: complete LISTs (all pages)
  uint64_t watches = 0;          // counter: watch requests answered 200
  uint64_t relists = 0;          // counter: LISTs forced by an expired resourceVersion (410)
  uint64_t errors = 0;           // counter: failed requests, bad answers and ERROR events
  uint64_t events = 0;           // counter: ADDED/MODIFIED/DELETED applied
};

// The pods the watcher knows, readable from any thread. snapshot() is a cheap shared pointer to an
// immutable map, so readers never block the watcher for longer than a pointer copy.
class PodCatalog {
 public:
  PodCatalog();
  std::shared_ptr<const PodMap> snapshot() const;
  CatalogState state() const;

  // Writers (the watcher; tests).
  void replaceAll(PodMap pods);
  void upsert(PodMetadata pod);
  void erase(const std::string& uid);
  void updateState(const std::function<void(CatalogState&)>& change);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const PodMap> pods_;
  CatalogState state_;
};

struct WatcherOptions {
  std::chrono::milliseconds initial_backoff{1000};  // first wait after an error
  std::chrono::milliseconds max_backoff{30000};     // doubling stops here
  double jitter_fraction = 0.2;  // each wait is stretched by a random 0..20 % so agents spread out
  uint32_t list_page_size = 500;  // LIST ?limit=
  uint32_t watch_timeout_seconds = 300;  // WATCH ?timeoutSeconds=
  bool confirm_deployments = true;  // GET the ReplicaSet of Deployment-owned pods once
  uint64_t random_seed = 0;  // 0: seeded from the node name (each node a different jitter)
};

// Exponential backoff with jitter: initial, doubling, capped; each wait stretched by a random
// 0..jitter_fraction so that the agents of a cluster do not retry in step after an API outage.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter_fraction, uint64_t seed);
  // The next wait; the one after it is twice as long (up to max).
  std::chrono::milliseconds next();
  void reset();

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  double jitter_fraction_;
  std::chrono::milliseconds current_;
  std::mt19937_64 random_;
};

class PodWatcher {
 public:
  // `http`, `catalog` and `clock` must outlive the watcher.
  PodWatcher(KubeHttp& http, std::string node_name, PodCatalog& catalog, const Clock& clock,
             WatcherOptions options = {});
  ~PodWatcher();  // stops
  PodWatcher(const PodWatcher&) = delete;
  PodWatcher& operator=(const PodWatcher&) = delete;

  // Starts the watcher thread; a second start() is a no-op.
  void start();
  // Ends the thread within about a second, mid-request, mid-watch or mid-backoff.
  void stop();

  // The query parts, exposed for tests.
  std::string listPath(const std::string& continue_token) const;
  std::string watchPath(const std::string& resource_version) const;

 private:
  enum class WatchEnd { kEnded, kExpired, kFailed };

  void run();
  Status listAll();
  WatchEnd watchOnce();
  // Applies one watch line; false ends the watch (expired or broken).
  bool applyLine(std::string_view line, WatchEnd& end);
  void confirmDeployment(PodMetadata& pod);
  void recordError(const std::string& message);
  void noteExpired(const std::string& message);
  // Waits the current backoff (or until stop()); doubles it.
  void backoff();
  bool stopping() const;

  KubeHttp& http_;
  const std::string node_name_;
  const std::string field_selector_;  // "spec.nodeName%3D<node>", URL-encoded
  PodCatalog& catalog_;
  const Clock& clock_;
  const WatcherOptions options_;

  std::string resource_version_;
  Backoff backoff_;
  // ReplicaSet "<ns>/<name>" → its controller owner; nullopt: none, or the API would not say.
  struct ReplicaSetOwner {
    bool known = false;  // false: 403/404, keep the pod-template-hash rule
    std::optional<OwnerReference> owner;
  };
  std::map<std::string, ReplicaSetOwner> replica_sets_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_requested_ = false;
  std::thread thread_;
};

}  // namespace kubemonitor::kube
