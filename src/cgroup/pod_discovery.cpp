#include "cgroup/pod_discovery.h"

#include <algorithm>

namespace kubemonitor::cgroup {
namespace {

bool isUidCharacter(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'; }

// Kubernetes UIDs are RFC 4122 UUIDs (36 characters); static pods carry a 32-digit hex hash.
bool looksLikeUid(std::string_view uid) {
  return (uid.size() == 36 || uid.size() == 32) && std::all_of(uid.begin(), uid.end(), isUidCharacter);
}

std::string joinCgroupPath(std::string_view parent, std::string_view child) {
  std::string path(parent);
  if (path.empty() || path.back() != '/') path += '/';
  path += child;
  return path;
}

// QoS directory names in both drivers; empty when `name` is not one.
std::optional<QosClass> qosDirectory(std::string_view name) {
  if (name == "burstable" || name == "kubepods-burstable.slice") return QosClass::kBurstable;
  if (name == "besteffort" || name == "kubepods-besteffort.slice") return QosClass::kBestEffort;
  return std::nullopt;
}

bool isKubepodsName(std::string_view name) {
  return name == "kubepods" || name == "kubepods.slice" || name.ends_with("-kubepods.slice");
}

}  // namespace

std::string_view qosClassName(QosClass qos) {
  switch (qos) {
    case QosClass::kGuaranteed: return "Guaranteed";
    case QosClass::kBurstable: return "Burstable";
    case QosClass::kBestEffort: return "BestEffort";
  }
  return "";
}

std::string podUidFromDirectory(std::string_view name) {
  std::string uid;
  if (name.starts_with("pod")) {
    uid = name.substr(3);
  } else if (name.ends_with(".slice")) {
    name.remove_suffix(6);
    const size_t marker = name.rfind("-pod");
    if (marker == std::string_view::npos) return {};
    uid = name.substr(marker + 4);
    std::replace(uid.begin(), uid.end(), '_', '-');
  }
  return looksLikeUid(uid) ? uid : std::string{};
}

PodDiscovery::PodDiscovery(const hostfs::HostFs& fs, const CgroupReader& reader, ResolverChain resolvers,
                           Options options)
    : fs_(fs), reader_(reader), resolvers_(std::move(resolvers)), options_(std::move(options)) {}

Result<std::vector<DiscoveredContainer>> PodDiscovery::relistPod(const std::string& pod_path) {
  auto known = listContainers(pod_path);
  if (!known) {
    containers_by_pod_.erase(pod_path);
    return known.error();
  }
  containers_by_pod_[pod_path] = *known;
  return std::move(known->containers);
}

Result<PodDiscovery::KnownPod> PodDiscovery::listContainers(const std::string& pod_path) const {
  auto entries = list(pod_path);
  if (!entries) return entries.error();
  KnownPod known;
  known.link_count = 2;  // "." and the entry in the parent
  for (const auto& entry : *entries) {
    if (!entry.is_directory) continue;
    ++known.link_count;
    if (auto ref = resolvers_.resolve(entry.name)) {
      known.containers.push_back({std::move(*ref), joinCgroupPath(pod_path, entry.name)});
    }
  }
  return known;
}

Result<std::vector<hostfs::DirEntry>> PodDiscovery::list(std::string_view cgroup_path) const {
  auto dir = reader_.directory(reader_.discoveryController(), cgroup_path);
  if (!dir) return dir.error();
  return fs_.listDir(*dir);
}

Discovery PodDiscovery::discover() {
  const bool full_rescan = calls_++ % std::max<uint64_t>(1, options_.full_rescan_every) == 0;
  if (full_rescan) containers_by_pod_.clear();
  seen_this_call_.clear();
  Discovery result;
  result.kubepods_path = options_.kubepods_path.empty() ? findKubepods(result) : options_.kubepods_path;
  if (result.kubepods_path.empty()) return result;
  auto entries = list(result.kubepods_path);
  if (!entries) {
    if (entries.error().code == ErrorCode::kNotFound) {
      ++result.vanished;
    } else {
      result.errors.push_back(entries.error());
    }
    result.kubepods_path.clear();
    return result;
  }
  for (const auto& entry : *entries) {
    if (!entry.is_directory) continue;
    if (auto qos = qosDirectory(entry.name)) {
      walkPods(joinCgroupPath(result.kubepods_path, entry.name), *qos, result);
    } else if (auto uid = podUidFromDirectory(entry.name); !uid.empty()) {
      addPod(joinCgroupPath(result.kubepods_path, entry.name), std::move(uid), QosClass::kGuaranteed, result);
    }
  }
  std::sort(result.pods.begin(), result.pods.end(),
            [](const DiscoveredPod& a, const DiscoveredPod& b) { return a.cgroup_path < b.cgroup_path; });
  containers_by_pod_ = std::move(seen_this_call_);  // pods gone from the tree are forgotten
  seen_this_call_.clear();
  return result;
}

std::string PodDiscovery::findKubepods(Discovery& result) const {
  auto top = list("/");
  if (!top) {
    result.errors.push_back(top.error());
    return {};
  }
  for (const auto& entry : *top) {
    if (entry.is_directory && isKubepodsName(entry.name)) return "/" + entry.name;
  }
  for (const auto& entry : *top) {
    if (!entry.is_directory) continue;
    auto below = list("/" + entry.name);
    if (!below) continue;  // vanished or unreadable: not where kubelet keeps its pods
    for (const auto& child : *below) {
      if (child.is_directory && isKubepodsName(child.name)) return "/" + entry.name + "/" + child.name;
    }
  }
  return {};
}

void PodDiscovery::walkPods(const std::string& parent_path, QosClass qos, Discovery& result) {
  auto entries = list(parent_path);
  if (!entries) {
    if (entries.error().code == ErrorCode::kNotFound) {
      ++result.vanished;
    } else {
      result.errors.push_back(entries.error());
    }
    return;
  }
  for (const auto& entry : *entries) {
    if (!entry.is_directory) continue;
    if (auto uid = podUidFromDirectory(entry.name); !uid.empty()) {
      addPod(joinCgroupPath(parent_path, entry.name), std::move(uid), qos, result);
    }
  }
}

bool PodDiscovery::unchangedSinceListed(const std::string& pod_path, const KnownPod& known) const {
  auto dir = reader_.directory(reader_.discoveryController(), pod_path);
  if (!dir) return false;
  auto links = fs_.linkCount(*dir);
  return links && *links == known.link_count;  // an error: list it, which reports the error
}

void PodDiscovery::addPod(std::string pod_path, std::string uid, QosClass qos, Discovery& result) {
  DiscoveredPod pod{std::move(uid), qos, std::move(pod_path), {}};
  auto remembered = containers_by_pod_.find(pod.cgroup_path);
  if (remembered != containers_by_pod_.end() && unchangedSinceListed(pod.cgroup_path, remembered->second)) {
    pod.containers = remembered->second.containers;
    seen_this_call_[pod.cgroup_path] = std::move(remembered->second);
  } else {
    auto known = listContainers(pod.cgroup_path);
    if (!known) {
      if (known.error().code == ErrorCode::kNotFound) {
        ++result.vanished;  // the pod was deleted after its parent was listed
      } else {
        result.errors.push_back(known.error());
      }
      return;
    }
    pod.containers = known->containers;
    seen_this_call_[pod.cgroup_path] = std::move(*known);
  }
  result.pods.push_back(std::move(pod));
}

}  // namespace kubemonitor::cgroup
