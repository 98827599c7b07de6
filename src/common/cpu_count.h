#pragma once
// How many CPUs this process may run on: its affinity mask (what taskset and a cpuset cgroup
// restrict), at least 1. Thread-pool defaults use it rather than the machine's core count.

namespace kubemonitor {

unsigned usableCpuCount();

}  // namespace kubemonitor
