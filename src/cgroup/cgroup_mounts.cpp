#include "cgroup/cgroup_mounts.h"


namespace kubemonitor::cgroup {
namespace {

// Superblock options of a v1 mount name its controllers among other options
// ("rw,cpu,cpuacct", "rw,name=systemd"); named hierarchies without controllers are skipped.
bool isV1ControllerOption(std::string_view option) {
  static constexpr std::string_view kControllers[] = {
      "cpu", "cpuacct", "cpuset", "memory", "blkio", "io", "pids", "devices",
      "freezer", "net_cls", "net_prio", "perf_event", "hugetlb", "rdma", "misc"};
  for (auto controller : kControllers) {
    if (option == controller) return true;
  }
  return false;
}

}  // namespace

std::string_view cgroupModeName(CgroupMode mode) {
  switch (mode) {
    case CgroupMode::kV1: return "v1";
    case CgroupMode::kHybrid: return "hybrid";
    case CgroupMode::kV2: return "v2";
  }
  return "unknown";
}

Result<std::optional<CgroupMode>> parseCgroupModeFlag(std::string_view flag) {
  if (flag == "auto" || flag.empty()) return std::optional<CgroupMode>{};
  for (auto mode : {CgroupMode::kV1, CgroupMode::kHybrid, CgroupMode::kV2}) {
    if (flag == cgroupModeName(mode)) return std::optional<CgroupMode>{mode};
  }
  return makeError(ErrorCode::kInvalidArgument, "cgroup mode must be auto, v1, hybrid or v2",
                   std::string(flag));
}

const HierarchyMount* CgroupMounts::hierarchyFor(std::string_view controller) const {
  if (mode == CgroupMode::kV2) return unified ? &*unified : nullptr;
  auto it = v1.find(controller);
  return it == v1.end() ? nullptr : &it->second;
}

Result<CgroupMounts> detectCgroupMounts(const std::vector<procfs::MountInfo>& mounts,
                                        std::optional<CgroupMode> forced) {
  CgroupMounts found;
  for (const auto& mount : mounts) {
    HierarchyMount hierarchy{mount.mount_point, mount.root};
    if (mount.fs_type == "cgroup2") {
      if (!found.unified) found.unified = hierarchy;
      continue;
    }
    if (mount.fs_type != "cgroup") continue;
    std::string_view options = mount.super_options;
    while (!options.empty()) {
      const size_t comma = options.find(',');
      const std::string_view option = options.substr(0, comma);
      if (isV1ControllerOption(option)) found.v1.try_emplace(std::string(option), hierarchy);
      options = comma == std::string_view::npos ? std::string_view{} : options.substr(comma + 1);
    }
  }
  const bool has_v1 = found.v1.contains("cpuacct") || found.v1.contains("cpu");
  const bool has_v2 = found.unified.has_value();
  if (!has_v1 && !has_v2) {
    return makeError(ErrorCode::kNotFound, "no cgroup or cgroup2 mount in the host's mount table", "mountinfo");
  }
  const CgroupMode detected = has_v1 ? (has_v2 ? CgroupMode::kHybrid : CgroupMode::kV1) : CgroupMode::kV2;
  found.mode = forced.value_or(detected);
  if (found.mode != CgroupMode::kV2 && !has_v1) {
    return makeError(ErrorCode::kNotFound,
                     "cgroup mode " + std::string(cgroupModeName(found.mode)) + " needs a cgroup v1 cpu/cpuacct mount",
                     "mountinfo");
  }
  if (found.mode != CgroupMode::kV1 && !has_v2) {
    return makeError(ErrorCode::kNotFound,
                     "cgroup mode " + std::string(cgroupModeName(found.mode)) + " needs a cgroup2 mount", "mountinfo");
  }
  if (found.mode == CgroupMode::kV1) found.unified.reset();
  if (found.mode == CgroupMode::kV2) found.v1.clear();
  return found;
}

Result<CgroupMounts> readHostCgroupMounts(const hostfs::HostFs& fs, std::optional<CgroupMode> forced) {
  constexpr int kHostInitPid = 1;  // the host's mount table, not the agent container's
  auto text = fs.readFile(fs.paths().procPidMountinfo(kHostInitPid));
  if (!text) return text.error();
  auto mounts = procfs::parseMountinfo(*text);
  if (!mounts) return mounts.error();
  return detectCgroupMounts(*mounts, forced);
}

}  // namespace kubemonitor::cgroup
