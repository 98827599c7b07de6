#pragma once
// The one place where kubemonitor builds paths into the host's /proc and /sys (DESIGN rule 2).
// The host root is stored by value, so a HostPaths never dangles (STYLE: the Falco counter-example),
// and every accessor starts from it, so no read can forget the prefix (the Netdata counter-example).
//
// Thread safety: immutable after construction; safe to share between threads.

#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace kubemonitor::hostfs {

class HostPaths {
 public:
  // `root` is "/" on a bare host and "/host" in the DaemonSet (the host's / mounted there).
  // It is normalised lexically ("/host/" and "/host/." become "/host"); an empty root means "/".
  explicit HostPaths(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }

  std::filesystem::path proc() const;           // <root>/proc (to list pids)
  std::filesystem::path procStat() const;       // <root>/proc/stat
  std::filesystem::path procMeminfo() const;    // <root>/proc/meminfo
  std::filesystem::path procDiskstats() const;  // <root>/proc/diskstats
  std::filesystem::path procUptime() const;     // <root>/proc/uptime
  std::filesystem::path procVmstat() const;     // <root>/proc/vmstat

  std::filesystem::path procPid(int pid) const;           // <root>/proc/<pid>
  std::filesystem::path procPidNetDev(int pid) const;     // <root>/proc/<pid>/net/dev
  std::filesystem::path procPidMountinfo(int pid) const;  // <root>/proc/<pid>/mountinfo
  std::filesystem::path procPidIo(int pid) const;         // <root>/proc/<pid>/io
  std::filesystem::path procPidStat(int pid) const;       // <root>/proc/<pid>/stat
  std::filesystem::path procPidCgroup(int pid) const;     // <root>/proc/<pid>/cgroup
  std::filesystem::path procPidRoot(int pid) const;       // <root>/proc/<pid>/root
  std::filesystem::path procPidNetNs(int pid) const;      // <root>/proc/<pid>/ns/net (a symlink)
  std::filesystem::path procPidComm(int pid) const;       // <root>/proc/<pid>/comm

  std::filesystem::path sysBlock() const;  // <root>/sys/block
  // <root>/sys/dev/block/<major>:<minor>: a symlink to the block device's sysfs directory.
  std::filesystem::path sysDevBlock(unsigned major, unsigned minor) const;
  // <root>/sys/block/<device>. A '/' in a kernel device name ("cciss/c0d0" in /proc/diskstats)
  // is spelled '!' in sysfs ("cciss!c0d0"), as the kernel's device_add() does; we do the same.
  std::filesystem::path sysBlockDevice(std::string_view device) const;

  // <root> joined with an absolute path as the host sees it (e.g. a mount point from mountinfo).
  // The path is normalised lexically: "." is dropped and ".." goes up, but never above the host
  // root. kInvalidArgument if `absolute` is not absolute, contains a NUL byte, or ".." would escape.
  // Symbolic links are not resolved (this is string work, no system call).
  Result<std::filesystem::path> hostPath(std::string_view absolute) const;

 private:
  std::filesystem::path root_;
};

}  // namespace kubemonitor::hostfs
