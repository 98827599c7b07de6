#pragma once
// Fake pods built from real kernel objects for the real-kernel suite: cgroups in every v1
// hierarchy and the cgroup2 tree laid out as kubelet does (cgroupfs or systemd driver), real
// processes joined to them, network namespaces joined by veth pairs. Everything carries the
// prefix kmtest-<pid> and is removed by the destructor, in reverse order, even after a failed
// assertion. Needs root. Failures to set something up are collected in errors(), which callers
// check (tests assert it is empty, the benchmark refuses to report).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kubemonitor::hosttest {

enum class Layout { kCgroupfs, kSystemd };
enum class Qos { kGuaranteed, kBurstable, kBestEffort };

struct Workload {
  pid_t pid = -1;
  unsigned long long figure = 0;  // what the workload reported on its "ready" line
};

class FakePodHost {
 public:
  explicit FakePodHost(Layout layout);
  ~FakePodHost();
  FakePodHost(const FakePodHost&) = delete;
  FakePodHost& operator=(const FakePodHost&) = delete;

  // Why this host cannot run the suite (not root, no v1 cpuacct, ...), or "" when it can.
  static std::string unsupportedReason();

  std::string kubepodsPath() const { return kubepods_; }
  // Creates the pod cgroup (and its QoS parent) in every hierarchy; returns its cgroup path.
  std::string addPod(Qos qos, const std::string& uid);
  // Creates a container cgroup under `pod_path` named by the layout's runtime convention.
  std::string addContainer(const std::string& pod_path, const std::string& container_id);
  // rmdir of one cgroup in every hierarchy (its processes must be gone).
  void removeCgroup(const std::string& cgroup_path);
  void setMemoryLimit(const std::string& cgroup_path, unsigned long long bytes);
  // A CFS quota of `quota_us` per `period_us` (v1 cpu.cfs_*; cgroup2 cpu.max where the tree has it).
  void setCpuQuota(const std::string& cgroup_path, long quota_us, long period_us);
  // The path of `file` of the cgroup in `hierarchy` ("cpu", "memory", …), to read the kernel's truth.
  std::string cgroupFile(const std::string& hierarchy, const std::string& cgroup_path, const std::string& file) const;

  // A network namespace with a veth into a peer namespace; returns the pod side's namespace name.
  // Addresses: pod side 10.213.<index>.2/30, peer side 10.213.<index>.1/30 (both ours).
  std::string addNetworkNamespace(int index);

  // Starts kubemonitor-host-workload with `args` inside `cgroup_path` (and `netns` unless empty);
  // returns once it printed its ready line.
  Workload start(const std::string& cgroup_path, const std::string& netns, const std::vector<std::string>& args);
  void kill(pid_t pid);
  // Blocks until the workload exits (killed by the kernel, say); returns its waitpid status.
  int waitForExit(pid_t pid);

  // What could not be set up, in order; empty when everything worked.
  const std::vector<std::string>& errors() const { return errors_; }

  // A file path on the root disk for O_DIRECT writes, removed at the end.
  std::string scratchFile(const std::string& name);

 private:
  void mkdirAll(const std::string& cgroup_path);
  void run(const std::string& command);  // a shell command (ip, sysctl); an error if non-zero
  void fail(std::string what);

  Layout layout_;
  std::string prefix_;
  std::string kubepods_;
  std::vector<std::string> cgroups_;  // creation order; removed in reverse
  std::vector<pid_t> pids_;
  std::vector<std::string> netns_;
  std::vector<std::string> files_;
  std::vector<std::string> errors_;
  std::string blkio_rule_to_remove_;  // "maj:min" when we turned blk-throttle accounting on
};

// Hierarchies a fake pod's cgroups are made in: this machine's v1 controllers and its cgroup2
// tree ("unified").
const std::vector<std::string>& hierarchies();
// A pod UID and a 64-hex container id for fake pod n; `tag` keeps the users of one host apart
// (tests, benchmarks and the demo use different tags).
std::string fakePodUid(uint32_t tag, int n);
std::string fakeContainerId(uint32_t tag, int n);

// Where `hierarchy` is mounted on this host, from its mountinfo; "" when it is not.
std::string hierarchyDir(const std::string& hierarchy);

}  // namespace kubemonitor::hosttest
