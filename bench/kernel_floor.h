#pragma once
// The kernel's own cost of producing the files a pod monitor must read each cycle (issue 18): the
// files kept open, each re-read with one pread from offset 0 and not parsed. What is left is the
// time the kernel spends generating their text — a floor no reader of these files goes below.

#include <string>
#include <vector>

namespace kubemonitor::bench {

struct KernelFloor {
  double cpu_ms_per_cycle = 0;     // user + system time of one pass over every file
  double system_ms_per_cycle = 0;  // the system part of it
  size_t files = 0;                // files read per pass (those that opened)
};

// Opens `paths` (missing ones are left out), reads them all `cycles` times.
KernelFloor measureKernelFloor(const std::vector<std::string>& paths, int cycles);

}  // namespace kubemonitor::bench
