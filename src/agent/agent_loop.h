#pragma once
// The agent's push loop: on every interval boundary of the wall clock, collect, encode, queue,
// and drain the queue to the sink. Timestamps are snapped to the interval grid so that reports
// from all nodes line up and a replay carries the same (node, timestamp) key.

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "agent/node_snapshot.h"
#include "agent/pod_collector.h"
#include "agent/pod_names.h"
#include "agent/report_sink.h"
#include "agent/shipping_queue.h"
#include "agent/waiter.h"
#include "common/clock.h"
#include "hostfs/host_fs.h"
#include "model/report.h"

namespace kubemonitor::agent {

struct AgentConfig {
  std::string node_name;
  std::chrono::milliseconds interval{5000};
  std::chrono::seconds buffer{15 * 60};  // how much history the queue keeps while the server is away
  std::filesystem::path heartbeat_file;   // written after every cycle when not empty (liveness probe)
};

// Start of the grid slot that contains `t` (Unix ms), for a grid of `interval_ms`.
int64_t snapToGrid(int64_t unix_ms, int64_t interval_ms);

class AgentLoop {
 public:
  AgentLoop(AgentConfig config, const hostfs::HostFs& fs, const Clock& clock, Waiter& waiter);

  // From now on every report carries the pods `collector` finds, named by `names` (may be null:
  // no Kubernetes API). Both must outlive the loop.
  void attachPods(PodCollector& collector, const PodNameSource* names);

  // Collects one report covering the time since the previous call; nullopt on the first call
  // (no baseline yet) or when the node's counters cannot be read (logged).
  std::optional<model::Report> collect();

  // Runs until the waiter reports a stop, queueing one report per interval; a shipping thread
  // drains the queue to `sink` meanwhile. Returns the number of reports queued.
  uint64_t run(ReportSink& sink);

  // --once: two samples one interval apart; the report, or the reason it failed.
  Result<model::Report> collectOnce();

  const ShippingQueue& queue() const { return queue_; }

 private:
  void logWarningsOnce(std::string_view what, const std::vector<Error>& warnings);
  std::vector<model::PodUsage> collectPods();

  AgentConfig config_;
  const hostfs::HostFs& fs_;
  const Clock& clock_;
  Waiter& waiter_;
  ShippingQueue queue_;
  std::optional<NodeSnapshot> previous_;
  PodCollector* pods_ = nullptr;
  const PodNameSource* names_ = nullptr;
  std::set<std::string> warned_;  // warnings already logged, so a missing file is said once
};

}  // namespace kubemonitor::agent
