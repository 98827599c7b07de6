#include "agent/device_filters.h"

#include <algorithm>
#include <iterator>
#include <unordered_set>

#include "common/text.h"

namespace kubemonitor::agent {
namespace {

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A partition's name is its disk's name plus a number, with a "p" in between when the disk's
// name itself ends in a digit (nvme0n1p1, mmcblk0p1, loop0p1): see the kernel's disk_name().
bool isPartitionOf(std::string_view name, std::string_view disk) {
  if (name.size() <= disk.size() || name.substr(0, disk.size()) != disk) return false;
  std::string_view suffix = name.substr(disk.size());
  const bool disk_ends_in_digit = disk.back() >= '0' && disk.back() <= '9';
  if (disk_ends_in_digit) {
    if (suffix.front() != 'p') return false;
    suffix.remove_prefix(1);
  }
  return allDigits(suffix);
}

}  // namespace

bool isPhysicalInterface(std::string_view name) {
  static constexpr std::string_view kVirtualPrefixes[] = {
      "lo",  "veth",  "cni",  "flannel", "cali",  "docker", "br",  "virbr", "cilium", "lxc", "vxlan",
      "tun", "weave", "kube-", "genev",  "ifb",   "dummy",  "tap", "vnet",  "bond",   "team", "gre",
      "ip6", "sit",   "erspan", "ip_vti", "nodelocaldns", "wg", "antrea", "ovs-"};
  if (name.empty()) return false;
  return std::none_of(std::begin(kVirtualPrefixes), std::end(kVirtualPrefixes),
                      [&](std::string_view prefix) { return text::startsWith(name, prefix); });
}

std::vector<const procfs::DiskStats*> selectWholeDisks(const std::vector<procfs::DiskStats>& disks) {
  static constexpr std::string_view kLayeredOrVirtual[] = {"dm-", "md", "loop", "zram", "ram"};
  std::vector<const procfs::DiskStats*> candidates;
  for (const auto& disk : disks) {
    const bool skip = std::any_of(std::begin(kLayeredOrVirtual), std::end(kLayeredOrVirtual),
                                  [&](std::string_view prefix) { return text::startsWith(disk.name, prefix); });
    if (!skip) candidates.push_back(&disk);
  }
  std::vector<const procfs::DiskStats*> whole;
  for (const auto* disk : candidates) {
    const bool partition = std::any_of(candidates.begin(), candidates.end(), [&](const procfs::DiskStats* other) {
      return other != disk && isPartitionOf(disk->name, other->name);
    });
    if (!partition) whole.push_back(disk);
  }
  return whole;
}

}  // namespace kubemonitor::agent
