#include "hostfs/host_paths.h"

#include <string>
#include <utility>
#include <vector>

namespace kubemonitor::hostfs {
namespace {

std::filesystem::path normaliseRoot(std::filesystem::path root) {
  if (root.empty()) return std::filesystem::path("/");
  std::filesystem::path normal = root.lexically_normal();
  // "/host/" normalises to "/host/" (an empty last element); drop it so joins read "/host/proc".
  if (!normal.has_filename() && normal != normal.root_path() && normal.has_parent_path()) {
    normal = normal.parent_path();
  }
  return normal;
}

}  // namespace

HostPaths::HostPaths(std::filesystem::path root) : root_(normaliseRoot(std::move(root))) {}

std::filesystem::path HostPaths::proc() const { return root_ / "proc"; }
std::filesystem::path HostPaths::procStat() const { return proc() / "stat"; }
std::filesystem::path HostPaths::procMeminfo() const { return proc() / "meminfo"; }
std::filesystem::path HostPaths::procDiskstats() const { return proc() / "diskstats"; }
std::filesystem::path HostPaths::procUptime() const { return proc() / "uptime"; }
std::filesystem::path HostPaths::procVmstat() const { return proc() / "vmstat"; }

std::filesystem::path HostPaths::procPid(int pid) const { return proc() / std::to_string(pid); }
std::filesystem::path HostPaths::procPidNetDev(int pid) const { return procPid(pid) / "net" / "dev"; }
std::filesystem::path HostPaths::procPidMountinfo(int pid) const { return procPid(pid) / "mountinfo"; }
std::filesystem::path HostPaths::procPidIo(int pid) const { return procPid(pid) / "io"; }
std::filesystem::path HostPaths::procPidStat(int pid) const { return procPid(pid) / "stat"; }
std::filesystem::path HostPaths::procPidCgroup(int pid) const { return procPid(pid) / "cgroup"; }
std::filesystem::path HostPaths::procPidRoot(int pid) const { return procPid(pid) / "root"; }
std::filesystem::path HostPaths::procPidNetNs(int pid) const { return procPid(pid) / "ns" / "net"; }
std::filesystem::path HostPaths::procPidComm(int pid) const { return procPid(pid) / "comm"; }

std::filesystem::path HostPaths::sysDevBlock(unsigned major, unsigned minor) const {
  return root_ / "sys" / "dev" / "block" / (std::to_string(major) + ":" + std::to_string(minor));
}

std::filesystem::path HostPaths::sysBlock() const { return root_ / "sys" / "block"; }

std::filesystem::path HostPaths::sysBlockDevice(std::string_view device) const {
  std::string name(device);
  for (char& c : name) {
    if (c == '/') c = '!';
  }
  return sysBlock() / name;
}

Result<std::filesystem::path> HostPaths::hostPath(std::string_view absolute) const {
  const std::string subject(absolute);
  if (absolute.empty() || absolute.front() != '/') {
    return makeError(ErrorCode::kInvalidArgument, "host path is not absolute", subject);
  }
  if (absolute.find('\0') != std::string_view::npos) {
    return makeError(ErrorCode::kInvalidArgument, "host path contains a NUL byte", subject);
  }
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < absolute.size()) {
    size_t end = absolute.find('/', i);
    if (end == std::string_view::npos) end = absolute.size();
    std::string_view part = absolute.substr(i, end - i);
    i = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) {
        return makeError(ErrorCode::kInvalidArgument, "host path escapes the host root with '..'", subject);
      }
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::filesystem::path out = root_;
  for (std::string_view part : parts) out /= std::string(part);
  return out;
}

}  // namespace kubemonitor::hostfs
