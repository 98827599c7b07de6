#pragma once
// The simulated cluster of `kubemonitor-bench load`: node reports with realistic magnitudes (a
// node of P pods × C containers, as the agent builds them), their names, and their bodies
// encoded exactly as the agent ships them (model::encodeReport, then compressZstd).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/report.h"

namespace kubemonitor::bench {

struct LoadReportShape {
  int pods_per_agent = 110;
  int containers_per_pod = 3;
  int64_t interval_ms = 2000;  // the report's interval_ms (its timestamps sit on this grid)
};

// Simulated agent `agent`'s node name.
std::string loadNodeName(int agent);

struct LoadPodName {
  std::string name;
  std::string namespace_name;
};
// Pod `pod` (0 ≤ pod < pods_per_agent) of agent `agent`: replicas of one deployment spread over
// four consecutive nodes' pod slots, in one of 20 namespaces.
LoadPodName loadPodName(const LoadReportShape& shape, int agent, int pod);

// Agent `agent`'s report for its `round`-th report, stamped `timestamp_ms`; values vary by agent,
// pod and round so that nothing compresses unrealistically well.
model::Report makeLoadReport(const LoadReportShape& shape, int agent, int round, int64_t timestamp_ms);

// The POST /api/ingest body of that report: zstd-compressed JSON, as the agent sends it.
std::string encodeLoadReport(const LoadReportShape& shape, int agent, int round, int64_t timestamp_ms);

// Every body of a run, encoded before the clock starts so that the load generator spends almost
// no CPU per report while it runs (it shares the machine with the server). Measured on the 2-core
// VM: ~2.6 ms of one core per body of 110 pods × 3 containers, i.e. 1.3 cores at 500 reports/s if
// done on the fly, against ~15 s on 2 threads before the run. Memory: agents × slots × 15.4 KiB,
// e.g. the defaults (1,000 agents, 4 s warm-up + 30 s at 2 s = 17 slots) ≈ 256 MiB.
class LoadBodies {
 public:
  // Slot k of agent a is stamped first_slot_ms + k × shape.interval_ms; encoded on `threads`
  // threads.
  LoadBodies(const LoadReportShape& shape, int agents, int slots, int64_t first_slot_ms, int threads);

  const std::string& body(int agent, int slot) const { return bodies_[index(agent, slot)]; }
  size_t totalBytes() const { return total_bytes_; }

 private:
  size_t index(int agent, int slot) const { return static_cast<size_t>(agent) * static_cast<size_t>(slots_) + static_cast<size_t>(slot); }
  int slots_;
  std::vector<std::string> bodies_;
  size_t total_bytes_ = 0;
};

}  // namespace kubemonitor::bench
