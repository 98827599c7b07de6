#pragma once
// Which block devices and network interfaces count towards node totals. Both lists from
// /proc hold layered or virtual devices whose traffic is already counted on a physical one.

#include <string_view>
#include <vector>

#include "procfs/diskstats.h"

namespace kubemonitor::agent {

// True for interfaces that carry the node's own traffic: not loopback, not container plumbing
// (veth, bridges, CNI and tunnel devices) and not bonding/teaming masters, whose members are
// counted already.
bool isPhysicalInterface(std::string_view name);

// Whole physical disks among /proc/diskstats entries: partitions (sda1, nvme0n1p2, mmcblk0p1)
// are dropped when their parent disk is present, device-mapper and md layers (dm-*, md*) are
// dropped because their I/O reaches an underlying disk, and loop, ram and zram devices are
// dropped because they are backed by memory or by files on another disk.
// Works from the names alone, since the DaemonSet mounts only /proc and the cgroup tree.
std::vector<const procfs::DiskStats*> selectWholeDisks(const std::vector<procfs::DiskStats>& disks);

}  // namespace kubemonitor::agent
