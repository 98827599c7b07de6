#include "memory_cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>

#include <sstream>

#include "cgroup/cgroup_files.h"
#include "cgroup/cgroup_mounts.h"
#include "hostfs/rooted_host_fs.h"

namespace kubemonitor::bench {
namespace {

// Through hostfs, as every reader of kernel files here (the memory hierarchy's own directory).
std::string readText(const std::string& path) { return hostfs::RootedHostFs("/").readFile(path).valueOr(""); }

uint64_t singleValue(const std::string& path) {
  return cgroup::parseSingleValue(readText(path), path).valueOr(0);
}

}  // namespace

MemoryCgroup::MemoryCgroup(const std::string& name) {
  hostfs::RootedHostFs host("/");
  auto mounts = cgroup::readHostCgroupMounts(host);
  if (!mounts) return;
  const cgroup::HierarchyMount* memory = mounts->hierarchyFor("memory");
  if (memory == nullptr) return;
  auto root = host.paths().hostPath(memory->mount_point);
  if (!root) return;
  static int made = 0;  // one benchmark run makes several: each its own directory
  const std::string dir = root->string() + "/kmbench-" + std::to_string(::getpid()) + "-" + name + "-" + std::to_string(++made);
  if (::mkdir(dir.c_str(), 0755) == 0) dir_ = dir;
}

MemoryCgroup::~MemoryCgroup() {
  if (dir_.empty()) return;
  // What the measured process left behind (netdata's helpers outlive it briefly) was started by
  // this benchmark: ended by pid, then the directory goes once the kernel let them all exit.
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::istringstream procs(readText(dir_ + "/cgroup.procs"));
    for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
    if (::rmdir(dir_.c_str()) == 0 || errno != EBUSY) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

MemoryCharge MemoryCgroup::charge() const {
  MemoryCharge out;
  if (dir_.empty()) return out;
  out.peak_bytes = singleValue(dir_ + "/memory.max_usage_in_bytes");
  out.usage_bytes = singleValue(dir_ + "/memory.usage_in_bytes");
  const std::string stat = readText(dir_ + "/memory.stat");
  if (auto values = cgroup::parseFlatKeyed(stat, "memory.stat")) {
    out.rss_bytes = values->valueOr("total_rss", 0);
    out.cache_bytes = values->valueOr("total_cache", 0);
  }
  const uint64_t user = out.rss_bytes + out.cache_bytes;
  out.kernel_bytes = out.usage_bytes > user ? out.usage_bytes - user : 0;
  return out;
}

}  // namespace kubemonitor::bench
