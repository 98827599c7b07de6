#pragma once
// `make demo`: a small made-up cluster on this host, so a newcomer without Kubernetes sees pods,
// namespaces and deployments with moving numbers. Six pods of three Deployments (shop/web,
// shop/api, batch/worker) are real cgroups (kubelet's cgroupfs layout) with real processes in
// network namespaces of their own (hosttest::FakePodHost), and a Kubernetes API test double
// (kube::FakeKubeApiServer) names them for the agent exactly as a real API server would.
// The plan (names, ids, workloads, pod JSON) is pure so it can be tested without root; only
// DemoCluster::create touches the kernel. Needs root.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup/testing/fake_pod_host.h"
#include "common/result.h"
#include "kube/testing/fake_kube_api_server.h"

namespace kubemonitor::demo {

// What one container runs (a kubemonitor-host-workload mode).
struct WorkloadSpec {
  enum class Kind {
    kSpinDuty,          // busy `amount` % of every 100 ms: ≈ amount × 10 millicores
    kHold,              // holds `amount` MiB of touched anonymous memory
    kDirectWriteEvery,  // rewrites `amount` MiB with O_DIRECT every `period_seconds`
    kUdpSendEvery,      // sends `amount` datagrams of 1200 bytes to the veth peer every `period_seconds`
  };
  Kind kind = Kind::kHold;
  unsigned amount = 0;          // percent, MiB or datagrams, by kind
  unsigned period_seconds = 0;  // repeating kinds only
};

struct DemoContainer {
  std::string name;          // spec.containers[].name
  std::string container_id;  // 64 hex digits: the cgroup directory and status.containerStatuses[].containerID
  WorkloadSpec workload;
  std::string cpu_request, cpu_limit, memory_request, memory_limit;  // Kubernetes quantities, "" = unset
};

struct DemoPod {
  std::string namespace_name;
  std::string deployment;
  std::string template_hash;  // pod-template-hash label; the ReplicaSet is <deployment>-<hash>
  std::string name;           // <deployment>-<hash>-<5 chars>, as a ReplicaSet names its pods
  std::string uid;            // metadata.uid = the pod cgroup's UID
  hosttest::Qos qos = hosttest::Qos::kBurstable;
  std::string sandbox_id;  // the pause container's id (64 hex); not in the pod JSON, as in kubelet
  std::vector<DemoContainer> containers;
};

// The fixed plan: two pods each of shop/web, shop/api and batch/worker. `run_id` goes into every
// UID and container id so that two runs (or a leftover) never share a cgroup name.
std::vector<DemoPod> demoPods(uint32_t run_id);

// "<deployment>-<template_hash>".
std::string replicaSetName(const DemoPod& pod);

// The core/v1 Pod JSON the API test double serves for `pod` on node `node_name`: owner ReplicaSet,
// pod-template-hash label, per-container requests/limits, qosClass, containerd:// ids.
std::string podJson(const DemoPod& pod, std::string_view node_name);

// kubemonitor-host-workload arguments for `spec` in the pod whose network namespace has `index`
// (the veth peer is 10.213.<index>.1); `scratch_file` is the O_DIRECT target (direct writes only).
std::vector<std::string> workloadArgs(const WorkloadSpec& spec, int network_index, const std::string& scratch_file);


// The pods of demoPods() made real, plus the API that names them. Destruction removes every
// process, cgroup, network namespace and scratch file (FakePodHost) and stops the API.
class DemoCluster {
 public:
  // Builds everything; on any failure what was built is removed again and the error says what failed.
  static Result<std::unique_ptr<DemoCluster>> create(std::string node_name, uint32_t run_id);
  ~DemoCluster() = default;  // members go in reverse: the API first, then every pod (host_)
  DemoCluster(const DemoCluster&) = delete;
  DemoCluster& operator=(const DemoCluster&) = delete;

  const std::vector<DemoPod>& pods() const { return pods_; }
  std::string kubeApiUrl() const { return api_.baseUrl(); }
  // Every process the cluster started (sandboxes and workloads), for checks and the summary.
  const std::vector<pid_t>& pids() const { return pids_; }
  // The cgroup path of the demo's kubepods directory ("/kmtest-<pid>-0/kubepods").
  std::string kubepodsPath() const { return host_.kubepodsPath(); }

 private:
  DemoCluster(std::string node_name, uint32_t run_id);
  Status build();

  std::string node_name_;
  std::vector<DemoPod> pods_;
  hosttest::FakePodHost host_;
  kube::FakeKubeApiServer api_;
  std::vector<pid_t> pids_;
};

}  // namespace kubemonitor::demo
