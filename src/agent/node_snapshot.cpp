#include "agent/node_snapshot.h"

#include "agent/device_filters.h"
#include "procfs/diskstats.h"
#include "procfs/net_dev.h"
#include "procfs/uptime.h"

namespace kubemonitor::agent {
namespace {

// pid 1 is in the host's network namespace (the DaemonSet runs with hostPID), so its net/dev
// lists the node's interfaces even when the agent's own namespace is a pod's.
constexpr int kHostInitPid = 1;

void warn(std::vector<Error>* warnings, Error error) {
  if (warnings != nullptr) warnings->push_back(std::move(error));
}

void readDisks(const hostfs::HostFs& fs, NodeSnapshot& snapshot, std::vector<Error>* warnings) {
  auto text = fs.readFile(fs.paths().procDiskstats());
  if (!text) return warn(warnings, text.error());
  auto disks = procfs::parseDiskstats(*text);
  if (!disks) return warn(warnings, disks.error());
  for (const auto* disk : selectWholeDisks(*disks)) {
    snapshot.disk_read_bytes += disk->readBytes();
    snapshot.disk_write_bytes += disk->writtenBytes();
    ++snapshot.disk_count;
  }
}

void readNetwork(const hostfs::HostFs& fs, NodeSnapshot& snapshot, std::vector<Error>* warnings) {
  auto text = fs.readFile(fs.paths().procPidNetDev(kHostInitPid));
  if (!text) return warn(warnings, text.error());
  auto interfaces = procfs::parseNetDev(*text);
  if (!interfaces) return warn(warnings, interfaces.error());
  for (const auto& interface : *interfaces) {
    if (!isPhysicalInterface(interface.interface)) continue;
    snapshot.network_rx_bytes += interface.rx_bytes;
    snapshot.network_tx_bytes += interface.tx_bytes;
    ++snapshot.interface_count;
  }
}

void readFilesystem(const hostfs::HostFs& fs, NodeSnapshot& snapshot, std::vector<Error>* warnings) {
  // /proc/1/root is the host's root directory even when only /proc is mounted into the agent's
  // container; the host root itself is the fallback for hosts where that link is not readable.
  auto stats = fs.fsStats(fs.paths().procPidRoot(kHostInitPid));
  if (!stats) stats = fs.fsStats(fs.paths().root());
  if (!stats) return warn(warnings, stats.error());
  snapshot.filesystem_capacity_bytes = stats->capacity_bytes;
  snapshot.filesystem_used_bytes = stats->capacity_bytes - std::min(stats->capacity_bytes, stats->free_bytes);
}

void readUptime(const hostfs::HostFs& fs, NodeSnapshot& snapshot, std::vector<Error>* warnings) {
  auto text = fs.readFile(fs.paths().procUptime());
  if (!text) return warn(warnings, text.error());
  auto uptime = procfs::parseUptime(*text);
  if (!uptime) return warn(warnings, uptime.error());
  snapshot.uptime_seconds = uptime->uptime_seconds;
}

}  // namespace

Result<NodeSnapshot> takeNodeSnapshot(const hostfs::HostFs& fs, const Clock& clock, std::vector<Error>* warnings) {
  NodeSnapshot snapshot;
  auto stat_text = fs.readFile(fs.paths().procStat());
  snapshot.taken_at = clock.monotonicNow();
  if (!stat_text) return stat_text.error();
  auto stat = procfs::parseProcStat(*stat_text);
  if (!stat) return stat.error();
  snapshot.cpu = stat->cpu_total;
  snapshot.cpu_count = stat->cpu_count;

  auto meminfo_text = fs.readFile(fs.paths().procMeminfo());
  if (!meminfo_text) return meminfo_text.error();
  auto meminfo = procfs::parseMeminfo(*meminfo_text);
  if (!meminfo) return meminfo.error();
  snapshot.memory = *meminfo;

  readDisks(fs, snapshot, warnings);
  readNetwork(fs, snapshot, warnings);
  readFilesystem(fs, snapshot, warnings);
  readUptime(fs, snapshot, warnings);
  return snapshot;
}

}  // namespace kubemonitor::agent
