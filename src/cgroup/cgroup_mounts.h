#pragma once
// Where the host's cgroup hierarchies are mounted, and which cgroup mode the host runs, found by
// parsing the mountinfo of the host's pid 1 (DESIGN §2: never hard-coded paths). Detection is a pure
// function of the mount table; the mode can be forced by a flag (DESIGN rule 3).
//
// Modes (the kernel's Documentation/admin-guide/cgroup-v2.rst and systemd's naming):
//   v1      only cgroup v1 hierarchies ("cgroup" mounts), controllers co-mounted ("cpu,cpuacct")
//           or mounted apart ("cpu" and "cpuacct", as on this project's build machine);
//   hybrid  v1 hierarchies hold the controllers, and a controller-less cgroup2 is mounted beside
//           them (systemd's "unified" mount): counters come from v1, pressure (PSI) from
//           the cgroup2 tree when the kernel has it;
//   v2      one cgroup2 hierarchy holds every controller.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "hostfs/host_fs.h"
#include "procfs/mountinfo.h"

namespace kubemonitor::cgroup {

enum class CgroupMode { kV1, kHybrid, kV2 };

std::string_view cgroupModeName(CgroupMode mode);  // "v1", "hybrid", "v2"

// "auto" → nullopt (detect), "v1" / "hybrid" / "v2" → that mode; anything else kInvalidArgument.
Result<std::optional<CgroupMode>> parseCgroupModeFlag(std::string_view flag);

// One mounted hierarchy. A cgroup whose path (as a process's cgroup file spells it) is P lives in the
// directory mount_point + (P − root); root is "/" on the host, longer inside a cgroup namespace.
struct HierarchyMount {
  std::string mount_point;  // absolute, as the host's pid 1 sees it (e.g. the "cpu,cpuacct" directory of the cgroup tmpfs)
  std::string root = "/";   // mountinfo field (4)
};

struct CgroupMounts {
  CgroupMode mode = CgroupMode::kV1;
  // v1/hybrid: controller name ("cpu", "cpuacct", "memory", "blkio", "pids", ...) → its hierarchy.
  // Co-mounted controllers map to the same HierarchyMount.
  std::map<std::string, HierarchyMount, std::less<>> v1;
  // The cgroup2 hierarchy: every controller in v2 mode, pressure files only in hybrid mode.
  std::optional<HierarchyMount> unified;

  // The hierarchy that holds `controller`'s files in this mode; nullptr when not mounted.
  const HierarchyMount* hierarchyFor(std::string_view controller) const;
};

// Detects the mode from the mount table of the host's pid 1. With `forced` set, that mode is used
// if the mounts allow it (v1/hybrid need a v1 "cpuacct" or "cpu" hierarchy, v2 and hybrid a
// cgroup2 mount); otherwise kNotFound says what is missing. A v2 mount with v1 controllers beside
// it counts as hybrid, a lone cgroup2 mount as v2. Several mounts of one hierarchy (bind mounts)
// keep the first, which is the one the host set up at boot.
Result<CgroupMounts> detectCgroupMounts(const std::vector<procfs::MountInfo>& mounts,
                                        std::optional<CgroupMode> forced = std::nullopt);

// detectCgroupMounts over the mountinfo of the host's pid 1 (HostPaths::procPidMountinfo), read
// through `fs`.
Result<CgroupMounts> readHostCgroupMounts(const hostfs::HostFs& fs, std::optional<CgroupMode> forced = std::nullopt);

}  // namespace kubemonitor::cgroup
