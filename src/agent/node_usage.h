#pragma once
// Node usage between two snapshots: rates over the *measured* elapsed time, not the nominal
// interval, so a late wake-up does not inflate or deflate a rate.

#include "agent/node_snapshot.h"
#include "model/report.h"

namespace kubemonitor::agent {

// USER_HZ: the unit of /proc/stat. The kernel exports 100 on every architecture
// (Documentation/filesystems/proc.rst, "kernel/system statistics"); sysconf(_SC_CLK_TCK) agrees.
inline constexpr double kDefaultTicksPerSecond = 100.0;

// `previous` must be older than `current`. A counter that went backwards (a reset) yields a rate
// of 0 for that interval, never a negative or huge value.
model::NodeUsage computeNodeUsage(const NodeSnapshot& previous, const NodeSnapshot& current,
                                  double ticks_per_second = kDefaultTicksPerSecond);

// (current − previous) / seconds, or 0 when the counter went backwards or no time elapsed.
double counterRate(uint64_t previous, uint64_t current, double seconds);
// counterRate as a report carries it: thousandths of the unit per second (model::toReportedPrecision).
double reportedRate(uint64_t previous, uint64_t current, double seconds);

}  // namespace kubemonitor::agent
