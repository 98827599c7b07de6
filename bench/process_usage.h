#pragma once
// CPU time and resident memory of a process, from /proc/<pid>/stat through hostfs/procfs.

#include <sys/types.h>

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace kubemonitor::bench {

struct ProcessUsage {
  double cpu_seconds = 0;  // counter: user + system time of all threads
  uint64_t rss_bytes = 0;  // gauge: resident set size
};

Result<ProcessUsage> readProcessUsage(pid_t pid);

// Peak resident set size of a process (VmHWM of /proc/<pid>/status), bytes.
Result<uint64_t> readPeakRssBytes(pid_t pid);
// VmHWM of a /proc/<pid>/status text ("VmHWM:\t  123456 kB"), bytes; kParse when absent.
Result<uint64_t> parsePeakRssBytes(std::string_view status);

// This process's CPU time in seconds (getrusage, microsecond resolution).
double selfCpuSeconds();
// The part of it spent in the kernel (system calls: for the agent, mostly the kernel generating
// the cgroup and /proc files it reads).
double selfSystemCpuSeconds();

}  // namespace kubemonitor::bench

namespace kubemonitor::bench {

// CPU time (s, user + system) of this process's threads named `name` (/proc/self/task/*/comm), summed.
double threadCpuSecondsNamed(std::string_view name);
// CPU time (s) of the calling thread (CLOCK_THREAD_CPUTIME_ID).
double callingThreadCpuSeconds();

}  // namespace kubemonitor::bench
