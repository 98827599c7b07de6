#include "agent/device_filters.h"

#include <gtest/gtest.h>

namespace kubemonitor::agent {
namespace {

TEST(DeviceFiltersTest, KeepsPhysicalInterfacesOnly) {
  for (const char* physical : {"eth0", "ens5", "enp0s31f6", "eno1", "wlp2s0", "ib0"}) {
    EXPECT_TRUE(isPhysicalInterface(physical)) << physical;
  }
  for (const char* virt : {"lo", "veth1a2b3c", "cni0", "flannel.1", "cali12345", "docker0", "br-9f8e", "virbr0",
                           "cilium_host", "lxc1234", "vxlan.calico", "tunl0", "weave", "kube-ipvs0", "genev_sys_6081",
                           "ifb0", "dummy0", "tap0", "bond0", "team0", ""}) {
    EXPECT_FALSE(isPhysicalInterface(virt)) << virt;
  }
}

std::vector<std::string> namesOf(const std::vector<procfs::DiskStats>& disks) {
  std::vector<std::string> names;
  for (const auto* disk : selectWholeDisks(disks)) names.push_back(disk->name);
  return names;
}

std::vector<procfs::DiskStats> disksNamed(std::initializer_list<const char*> names) {
  std::vector<procfs::DiskStats> disks;
  for (const char* name : names) {
    procfs::DiskStats d;
    d.name = name;
    disks.push_back(d);
  }
  return disks;
}

TEST(DeviceFiltersTest, SelectsWholeDisksWithoutPartitionsOrLayers) {
  auto disks = disksNamed({"loop0", "loop1", "vda", "vda1", "vda15", "zram0", "sda", "sda1", "sdb", "nvme0n1",
                           "nvme0n1p1", "nvme0n1p2", "mmcblk0", "mmcblk0p1", "dm-0", "dm-1", "md127", "sr0", "ram0"});
  EXPECT_EQ(namesOf(disks), (std::vector<std::string>{"vda", "sda", "sdb", "nvme0n1", "mmcblk0", "sr0"}));
}

TEST(DeviceFiltersTest, KeepsADiskWhoseNameLooksLikeAPartitionWhenNoParentIsListed) {
  // nvme1n1 would be "nvme1n" + "1" if a device named nvme1n existed; it does not.
  EXPECT_EQ(namesOf(disksNamed({"nvme1n1", "xvda", "xvda1"})), (std::vector<std::string>{"nvme1n1", "xvda"}));
}

}  // namespace
}  // namespace kubemonitor::agent
