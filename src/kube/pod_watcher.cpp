#include "kube/pod_watcher.h"

#include <algorithm>
#include <functional>
#include <set>

namespace kubemonitor::kube {
namespace {

// resourceVersions are opaque strings, but etcd's are integers and the newest is the largest;
// compare numerically when both are numbers, else accept the newer one as given.
bool isNewer(const std::string& candidate, const std::string& current) {
  if (candidate.empty()) return false;
  if (current.empty()) return true;
  const bool numeric = std::all_of(candidate.begin(), candidate.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                       std::all_of(current.begin(), current.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!numeric) return candidate != current;
  if (candidate.size() != current.size()) return candidate.size() > current.size();
  return candidate > current;
}

std::string describeHttpFailure(const HttpBody& answer, std::string_view what) {
  std::string message = std::string(what) + ": HTTP " + std::to_string(answer.status);
  if (auto status = parseApiStatus(answer.body)) message += " " + status->reason + ": " + status->message;
  return message;
}

}  // namespace

std::string_view syncStateName(SyncState state) {
  switch (state) {
    case SyncState::kNeverSynced: return "never_synced";
    case SyncState::kSynced: return "synced";
    case SyncState::kStale: return "stale";
  }
  return "stale";
}

// ---- Backoff ----

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double jitter_fraction, uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      jitter_fraction_(std::clamp(jitter_fraction, 0.0, 1.0)),
      current_(initial_),
      random_(seed) {}

std::chrono::milliseconds Backoff::next() {
  std::uniform_real_distribution<double> stretch(1.0, 1.0 + jitter_fraction_);
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(current_ * stretch(random_));
  current_ = std::min(current_ * 2, max_);
  return wait;
}

void Backoff::reset() { current_ = initial_; }

// ---- PodCatalog ----

PodCatalog::PodCatalog() : pods_(std::make_shared<const PodMap>()) {}

std::shared_ptr<const PodMap> PodCatalog::snapshot() const {
  std::lock_guard lock(mutex_);
  return pods_;
}

CatalogState PodCatalog::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void PodCatalog::replaceAll(PodMap pods) {
  auto next = std::make_shared<const PodMap>(std::move(pods));
  std::lock_guard lock(mutex_);
  pods_ = std::move(next);
  state_.pod_count = pods_->size();
}

void PodCatalog::upsert(PodMetadata pod) {
  std::lock_guard lock(mutex_);
  // Copy-on-write: readers holding the old snapshot keep it unchanged. A node runs ~110 pods, so
  // the copy is small next to the watch event that caused it.
  auto next = std::make_shared<PodMap>(*pods_);
  const std::string uid = pod.uid;
  (*next)[uid] = std::move(pod);
  pods_ = std::move(next);
  state_.pod_count = pods_->size();
}

void PodCatalog::erase(const std::string& uid) {
  std::lock_guard lock(mutex_);
  if (pods_->count(uid) == 0) return;
  auto next = std::make_shared<PodMap>(*pods_);
  next->erase(uid);
  pods_ = std::move(next);
  state_.pod_count = pods_->size();
}

void PodCatalog::updateState(const std::function<void(CatalogState&)>& change) {
  std::lock_guard lock(mutex_);
  change(state_);
}

// ---- PodWatcher ----

PodWatcher::PodWatcher(KubeHttp& http, std::string node_name, PodCatalog& catalog, const Clock& clock,
                       WatcherOptions options)
    : http_(http),
      node_name_(std::move(node_name)),
      field_selector_(percentEncode("spec.nodeName=" + node_name_)),
      catalog_(catalog),
      clock_(clock),
      options_(options),
      backoff_(options.initial_backoff, options.max_backoff, options.jitter_fraction,
               options.random_seed != 0 ? options.random_seed : std::hash<std::string>{}(node_name_)) {}

PodWatcher::~PodWatcher() { stop(); }

void PodWatcher::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stop_requested_ = false;
  http_.resume();
  thread_ = std::thread([this] { run(); });
}

void PodWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  wake_.notify_all();
  http_.stop();  // aborts a LIST, GET or watch in flight
  if (thread_.joinable()) thread_.join();
}

bool PodWatcher::stopping() const {
  std::lock_guard lock(mutex_);
  return stop_requested_;
}

std::string PodWatcher::listPath(const std::string& continue_token) const {
  std::string path = "/api/v1/pods?fieldSelector=" + field_selector_ + "&limit=" + std::to_string(options_.list_page_size);
  if (!continue_token.empty()) path += "&continue=" + percentEncode(continue_token);
  return path;
}

std::string PodWatcher::watchPath(const std::string& resource_version) const {
  return "/api/v1/pods?watch=1&fieldSelector=" + field_selector_ + "&resourceVersion=" +
         percentEncode(resource_version) + "&allowWatchBookmarks=true&timeoutSeconds=" +
         std::to_string(options_.watch_timeout_seconds);
}

void PodWatcher::run() {
  bool need_list = true;
  while (!stopping()) {
    if (need_list) {
      if (auto status = listAll(); !status) {
        if (stopping()) break;
        recordError(status.error().toString());
        backoff();
        continue;
      }
      need_list = false;
      backoff_.reset();
    }
    switch (watchOnce()) {
      case WatchEnd::kEnded:  // timeoutSeconds passed or the server closed: watch on from resource_version_
        break;
      case WatchEnd::kExpired:  // 410: the resourceVersion was compacted away; only a LIST can catch up
        catalog_.updateState([](CatalogState& s) { ++s.relists; });
        need_list = true;
        break;
      case WatchEnd::kFailed:
        // Relist after the wait rather than re-watch: the LIST proves the API is back (state synced
        // again) and drops pods deleted while we could not see the events.
        need_list = true;
        backoff();
        break;
    }
  }
}

Status PodWatcher::listAll() {
  PodMap pods;
  std::string continue_token;
  std::string list_version;
  do {
    auto answer = http_.get(listPath(continue_token));
    if (!answer) return answer.error();
    if (answer->status != 200) {
      return makeError(ErrorCode::kUnavailable, describeHttpFailure(*answer, "LIST pods"));
    }
    auto page = parsePodList(answer->body);
    if (!page) return page.error();
    for (auto& pod : page->items) {
      if (options_.confirm_deployments) confirmDeployment(pod);
      const std::string uid = pod.uid;
      pods[uid] = std::move(pod);
    }
    continue_token = std::move(page->continue_token);
    list_version = std::move(page->resource_version);  // every page carries the list's version
  } while (!continue_token.empty() && !stopping());
  if (stopping()) return makeError(ErrorCode::kUnavailable, "stopped");

  resource_version_ = list_version;
  // Forget ReplicaSets no pod refers to any more (each rollout leaves one behind).
  std::set<std::string> referenced;
  for (const auto& [uid, pod] : pods) referenced.insert(pod.namespace_name + "/" + pod.owner_name);
  std::erase_if(replica_sets_, [&](const auto& entry) { return referenced.count(entry.first) == 0; });
  catalog_.replaceAll(std::move(pods));
  const WallTime now = clock_.wallNow();
  catalog_.updateState([&](CatalogState& s) {
    s.state = SyncState::kSynced;
    s.last_sync_time = now;
    s.resource_version = list_version;
    ++s.lists;
  });
  return {};
}

PodWatcher::WatchEnd PodWatcher::watchOnce() {
  WatchEnd end = WatchEnd::kEnded;
  auto answer = http_.stream(watchPath(resource_version_),
                             [&](std::string_view line) { return !stopping() && applyLine(line, end); });
  if (stopping()) return WatchEnd::kEnded;
  if (!answer) {
    recordError("WATCH pods: " + answer.error().toString());
    return WatchEnd::kFailed;
  }
  if (answer->status == 410) {
    noteExpired(describeHttpFailure(*answer, "WATCH pods"));
    return WatchEnd::kExpired;
  }
  if (answer->status != 200) {
    recordError(describeHttpFailure(*answer, "WATCH pods"));
    return WatchEnd::kFailed;
  }
  catalog_.updateState([&](CatalogState& s) { ++s.watches; });
  if (end == WatchEnd::kEnded) backoff_.reset();
  return end;
}

bool PodWatcher::applyLine(std::string_view line, WatchEnd& end) {
  auto event = parseWatchEvent(line);
  if (!event) {
    recordError("WATCH event: " + event.error().toString());
    end = WatchEnd::kFailed;
    return false;
  }
  switch (event->type) {
    case WatchEventType::kError:
      if (event->status_code == 410) {
        noteExpired("WATCH ERROR event 410: " + event->status_message);
        end = WatchEnd::kExpired;
      } else {
        recordError("WATCH ERROR event " + std::to_string(event->status_code) + ": " + event->status_message);
        end = WatchEnd::kFailed;
      }
      return false;
    case WatchEventType::kBookmark:
      break;
    case WatchEventType::kAdded:
    case WatchEventType::kModified:
      if (options_.confirm_deployments) confirmDeployment(event->pod);
      catalog_.upsert(event->pod);
      break;
    case WatchEventType::kDeleted:
      catalog_.erase(event->pod.uid);
      break;
  }
  if (isNewer(event->pod.resource_version, resource_version_)) resource_version_ = event->pod.resource_version;
  const std::string version = resource_version_;
  const bool counted = event->type != WatchEventType::kBookmark;
  catalog_.updateState([&](CatalogState& s) {
    s.resource_version = version;
    if (counted) ++s.events;
  });
  return true;
}

void PodWatcher::confirmDeployment(PodMetadata& pod) {
  if (pod.owner_kind != "ReplicaSet" || pod.owner_name.empty()) return;
  const std::string key = pod.namespace_name + "/" + pod.owner_name;
  auto cached = replica_sets_.find(key);
  if (cached == replica_sets_.end()) {
    auto answer = http_.get("/apis/apps/v1/namespaces/" + percentEncode(pod.namespace_name) + "/replicasets/" +
                            percentEncode(pod.owner_name));
    if (!answer) {
      // Transport trouble: keep the name rule for now and ask again for the next pod event.
      recordError("GET replicaset " + key + ": " + answer.error().toString());
      return;
    }
    ReplicaSetOwner entry;
    if (answer->status == 200) {
      auto owner = parseReplicaSetOwner(answer->body);
      if (owner) {
        entry.known = true;
        entry.owner = *owner;
      } else {
        recordError("GET replicaset " + key + ": " + owner.error().toString());
      }
    } else if (answer->status != 403 && answer->status != 404) {
      recordError(describeHttpFailure(*answer, "GET replicaset " + key));
      return;  // 5xx: ask again later
    }
    // 403 (no RBAC for replicasets) or 404 (already deleted): the name rule stays, cached.
    cached = replica_sets_.emplace(key, std::move(entry)).first;
  }
  if (!cached->second.known) return;
  const auto& owner = cached->second.owner;
  if (owner && owner->kind == "Deployment") {
    pod.workload_kind = "Deployment";
    pod.workload_name = owner->name;
    pod.deployment = owner->name;
  } else {
    // A ReplicaSet of its own (or owned by something that is not a Deployment, e.g. a rollout CRD).
    pod.workload_kind = owner ? owner->kind : "ReplicaSet";
    pod.workload_name = owner ? owner->name : pod.owner_name;
    pod.deployment.clear();
  }
}

void PodWatcher::recordError(const std::string& message) {
  if (stopping()) return;  // a transfer aborted by stop() is not an API failure
  catalog_.updateState([&](CatalogState& s) {
    s.last_error = message;
    ++s.errors;
    if (s.state == SyncState::kSynced) s.state = SyncState::kStale;
  });
}

void PodWatcher::noteExpired(const std::string& message) {
  // Routine (etcd compacts every 5 min): not an error and not stale; the relist counter tells.
  catalog_.updateState([&](CatalogState& s) { s.last_error = message; });
}

void PodWatcher::backoff() {
  const auto wait = backoff_.next();
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, wait, [this] { return stop_requested_; });
}

}  // namespace kubemonitor::kube
