#pragma once
// How many cgroup files the agent may keep open (cgroup::CgroupReader's budget): the soft
// RLIMIT_NOFILE is raised to the hard limit first (a node's DaemonSet usually gets 1048576, a
// shell 1024), then the budget leaves room for sockets, the API watch and /proc reads.

#include <cstddef>

namespace kubemonitor::agent {

inline constexpr size_t kReservedDescriptors = 512;

// Raises the soft limit when allowed; returns min(wanted, soft limit − kReservedDescriptors), 0
// when even that is not available.
size_t raiseDescriptorLimit(size_t wanted);

}  // namespace kubemonitor::agent
