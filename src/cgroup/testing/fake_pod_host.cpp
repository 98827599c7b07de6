#include "cgroup/testing/fake_pod_host.h"

#include "cgroup/cgroup_mounts.h"
#include "hostfs/rooted_host_fs.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace kubemonitor::hosttest {
namespace {

namespace fs = std::filesystem;


std::string workloadBinary() {
  const char* dir = std::getenv("KUBEMONITOR_BIN_DIR");
  if (dir != nullptr && *dir != '\0') return std::string(dir) + "/kubemonitor-host-workload";
  // Beside the running binary's bin/ directory (tests/ and bin/ are siblings in a build tree).
  const fs::path self = fs::read_symlink(hostfs::HostPaths("/").procPid(getpid()) / "exe").parent_path();
  for (const fs::path& candidate : {self / "kubemonitor-host-workload", self.parent_path() / "bin" / "kubemonitor-host-workload"}) {
    if (fs::exists(candidate)) return candidate.string();
  }
  return (self / "kubemonitor-host-workload").string();
}

bool writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return out.good();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// major:minor of the whole disk that holds `path` (blk-throttle rules are per disk).
std::string wholeDiskOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  fs::path sys = fs::canonical(hostfs::HostPaths("/").sysDevBlock(major(st.st_dev), minor(st.st_dev)));
  if (fs::exists(sys / "partition")) sys = sys.parent_path();
  std::string dev = readFile(sys / "dev");
  while (!dev.empty() && dev.back() == '\n') dev.pop_back();
  return dev;
}

}  // namespace

std::string fakePodUid(uint32_t tag, int n) {
  char uid[40];
  std::snprintf(uid, sizeof uid, "%08x-0000-4000-8000-%012d", tag + static_cast<uint32_t>(n), n);
  return uid;
}

std::string fakeContainerId(uint32_t tag, int n) {
  char id[65];
  std::snprintf(id, sizeof id, "%056x%08x", tag, n);
  return id;
}

std::string hierarchyDir(const std::string& hierarchy) {
  // This host's mount points, from its mountinfo like the agent's (DESIGN §2), read once.
  static const std::map<std::string, std::string> kDirs = [] {
    std::map<std::string, std::string> dirs;
    hostfs::RootedHostFs host("/");
    auto mounts = cgroup::readHostCgroupMounts(host);
    if (!mounts) return dirs;
    auto add = [&](const std::string& name, const cgroup::HierarchyMount& mount) {
      if (auto dir = host.paths().hostPath(mount.mount_point)) dirs[name] = dir->string();
    };
    for (const auto& [controller, mount] : mounts->v1) add(controller, mount);
    if (mounts->unified) add("unified", *mounts->unified);
    return dirs;
  }();
  auto it = kDirs.find(hierarchy);
  return it == kDirs.end() ? std::string() : it->second;
}

const std::vector<std::string>& hierarchies() {
  static const std::vector<std::string> kHierarchies = {"cpu", "cpuacct", "memory", "blkio", "pids", "unified"};
  return kHierarchies;
}

std::string FakePodHost::unsupportedReason() {
  if (geteuid() != 0) return "the real-kernel suite needs root (it creates cgroups and network namespaces)";
  for (const auto& h : hierarchies()) {
    if (hierarchyDir(h).empty() || !fs::exists(hierarchyDir(h) + "/cgroup.procs")) {
      return "this host has no mounted cgroup hierarchy '" + h + "' (the suite needs v1 controllers and cgroup2)";
    }
  }
  if (std::system("command -v ip >/dev/null 2>&1") != 0) return "iproute2's ip is not installed";
  if (!fs::exists(workloadBinary())) return "missing " + workloadBinary();
  return {};
}

FakePodHost::FakePodHost(Layout layout) : layout_(layout) {
  static int counter = 0;
  prefix_ = "kmtest-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  kubepods_ = layout == Layout::kCgroupfs ? "/" + prefix_ + "/kubepods" : "/" + prefix_ + ".slice/kubepods.slice";
  mkdirAll(kubepods_);
  // Per-cgroup blkio counters stay 0 on this kernel until a blk-throttle rule exists for the disk;
  // a huge limit turns counting on without limiting anything.
  const std::string disk = wholeDiskOf("/var/tmp");
  const std::string rules = hierarchyDir("blkio") + "/blkio.throttle.write_bps_device";
  if (!disk.empty() && readFile(rules).find(disk + " ") == std::string::npos) {
    if (writeFile(rules, disk + " 1125899906842624\n")) {
      blkio_rule_to_remove_ = disk;
    } else {
      fail("cannot turn on blk-throttle accounting in " + rules);
    }
  }
}

FakePodHost::~FakePodHost() {
  for (pid_t pid : pids_) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  for (auto it = netns_.rbegin(); it != netns_.rend(); ++it) {
    std::system(("ip netns del " + *it + " 2>/dev/null").c_str());
  }
  for (const auto& file : files_) ::unlink(file.c_str());
  // Deepest first: the reverse of creation order, then the prefix directories themselves.
  for (auto it = cgroups_.rbegin(); it != cgroups_.rend(); ++it) {
    for (const auto& h : hierarchies()) ::rmdir((hierarchyDir(h) + *it).c_str());
  }
  if (!blkio_rule_to_remove_.empty()) {
    writeFile(hierarchyDir("blkio") + "/blkio.throttle.write_bps_device", blkio_rule_to_remove_ + " 0\n");
  }
}

void FakePodHost::mkdirAll(const std::string& cgroup_path) {
  std::string partial;
  std::stringstream parts(cgroup_path);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    partial += "/" + part;
    if (std::find(cgroups_.begin(), cgroups_.end(), partial) != cgroups_.end()) continue;
    for (const auto& h : hierarchies()) {
      const std::string dir = hierarchyDir(h) + partial;
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir " + dir + ": " + std::strerror(errno));
    }
    cgroups_.push_back(partial);
  }
}

std::string FakePodHost::addPod(Qos qos, const std::string& uid) {
  std::string path = kubepods_;
  if (layout_ == Layout::kCgroupfs) {
    if (qos == Qos::kBurstable) path += "/burstable";
    if (qos == Qos::kBestEffort) path += "/besteffort";
    path += "/pod" + uid;
  } else {
    std::string underscored = uid;
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    const std::string qos_name = qos == Qos::kBurstable ? "burstable" : "besteffort";
    if (qos == Qos::kGuaranteed) {
      path += "/kubepods-pod" + underscored + ".slice";
    } else {
      path += "/kubepods-" + qos_name + ".slice/kubepods-" + qos_name + "-pod" + underscored + ".slice";
    }
  }
  mkdirAll(path);
  return path;
}

std::string FakePodHost::addContainer(const std::string& pod_path, const std::string& container_id) {
  const std::string path =
      pod_path + (layout_ == Layout::kCgroupfs ? "/" + container_id : "/cri-containerd-" + container_id + ".scope");
  mkdirAll(path);
  return path;
}

void FakePodHost::removeCgroup(const std::string& cgroup_path) {
  for (const auto& h : hierarchies()) {
    const std::string dir = hierarchyDir(h) + cgroup_path;
    if (::rmdir(dir.c_str()) != 0) fail("rmdir " + dir + ": " + std::strerror(errno));
  }
  cgroups_.erase(std::remove(cgroups_.begin(), cgroups_.end(), cgroup_path), cgroups_.end());
}

void FakePodHost::setMemoryLimit(const std::string& cgroup_path, unsigned long long bytes) {
  const std::string file = hierarchyDir("memory") + cgroup_path + "/memory.limit_in_bytes";
  if (!writeFile(file, std::to_string(bytes))) fail("write " + file);
}

void FakePodHost::setCpuQuota(const std::string& cgroup_path, long quota_us, long period_us) {
  const std::string dir = hierarchyDir("cpu") + cgroup_path;
  // Period first: a quota is checked against the period already set.
  if (!writeFile(dir + "/cpu.cfs_period_us", std::to_string(period_us))) fail("write " + dir + "/cpu.cfs_period_us");
  if (!writeFile(dir + "/cpu.cfs_quota_us", std::to_string(quota_us))) fail("write " + dir + "/cpu.cfs_quota_us");
}

std::string FakePodHost::cgroupFile(const std::string& hierarchy, const std::string& cgroup_path,
                                    const std::string& file) const {
  return hierarchyDir(hierarchy) + cgroup_path + "/" + file;
}

void FakePodHost::run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) fail("command failed: " + command);
}

std::string FakePodHost::addNetworkNamespace(int index) {
  const std::string pod = prefix_ + "-pod" + std::to_string(index);
  const std::string peer = prefix_ + "-peer" + std::to_string(index);
  // Interface names are at most 15 bytes: keep them short and unique per test process.
  const std::string tag = std::to_string(getpid() % 100000) + "x" + std::to_string(index);
  const std::string subnet = "10.213." + std::to_string(index) + ".";
  for (const auto& ns : {pod, peer}) {
    run("ip netns add " + ns);
    netns_.push_back(ns);
    // No IPv6 router solicitations or MLD reports: the only traffic is the test's.
    run("ip netns exec " + ns + " sysctl -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
    run("ip -n " + ns + " link set lo up");
  }
  run("ip -n " + pod + " link add kmp" + tag + " type veth peer name kmq" + tag + " netns " + peer);
  run("ip -n " + pod + " addr add " + subnet + "2/30 dev kmp" + tag);
  run("ip -n " + peer + " addr add " + subnet + "1/30 dev kmq" + tag);
  run("ip -n " + pod + " link set kmp" + tag + " up");
  run("ip -n " + peer + " link set kmq" + tag + " up");
  return pod;
}

Workload FakePodHost::start(const std::string& cgroup_path, const std::string& netns, const std::vector<std::string>& args) {
  int ready[2];
  if (::pipe(ready) != 0) {
    fail("pipe");
    return {};
  }
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<std::string> procs;
  for (const auto& h : hierarchies()) procs.push_back(hierarchyDir(h) + cgroup_path + "/cgroup.procs");
  const std::string netns_path = netns.empty() ? std::string() : "/run/netns/" + netns;
  std::vector<std::string> argv_storage{workloadBinary()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& file : procs) {
      const int fd = ::open(file.c_str(), O_WRONLY);
      if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(3);
      ::close(fd);
    }
    if (!netns_path.empty()) {
      const int fd = ::open(netns_path.c_str(), O_RDONLY);
      if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) ::_exit(4);
      ::close(fd);
    }
    ::dup2(ready[1], STDOUT_FILENO);
    ::close(ready[0]);
    ::close(ready[1]);
    ::execv(argv[0], argv.data());
    ::_exit(5);
  }
  ::close(ready[1]);
  if (pid < 0) {
    ::close(ready[0]);
    fail("fork");
    return {};
  }
  pids_.push_back(pid);
  // Blocks until the workload says it is ready (a state, not a sleep); EOF means it failed.
  std::string line;
  char c = 0;
  while (::read(ready[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(ready[0]);
  Workload workload{pid, 0};
  if (line.rfind("ready ", 0) != 0) {
    fail("workload " + args.front() + " did not start (got '" + line + "')");
    return workload;
  }
  workload.figure = std::strtoull(line.c_str() + 6, nullptr, 10);
  return workload;
}

void FakePodHost::fail(std::string what) { errors_.push_back(std::move(what)); }

void FakePodHost::kill(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pids_.erase(std::remove(pids_.begin(), pids_.end(), pid), pids_.end());
}

int FakePodHost::waitForExit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) fail("waitpid " + std::to_string(pid));
  pids_.erase(std::remove(pids_.begin(), pids_.end(), pid), pids_.end());
  return status;
}

std::string FakePodHost::scratchFile(const std::string& name) {
  std::string path = "/var/tmp/" + prefix_ + "-" + name;
  files_.push_back(path);
  return path;
}

}  // namespace kubemonitor::hosttest
