#pragma once
// Parser for /proc/<pid>/net/dev: per-interface counters of the network namespace that <pid> is in.
// Format: Documentation/filesystems/proc.rst, "1.3 Networking info in /proc/net"
// (https://www.kernel.org/doc/html/latest/filesystems/proc.html#networking-info-in-proc-net),
// printed by net/core/net-procfs.c dev_seq_printf_stats(): two header lines, then
// "<name>: <8 receive columns> <8 transmit columns>" per interface.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor::procfs {

// All counters since the interface was created.
struct NetDevStats {
  std::string interface;    // "eth0", "lo", "veth1a2b3c"
  uint64_t rx_bytes = 0;    // bytes received
  uint64_t rx_packets = 0;  // packets received
  uint64_t rx_errors = 0;   // receive errors
  uint64_t rx_drops = 0;    // received packets dropped
  uint64_t tx_bytes = 0;    // bytes sent
  uint64_t tx_packets = 0;  // packets sent
  uint64_t tx_errors = 0;   // transmit errors
  uint64_t tx_drops = 0;    // packets dropped on transmit
};

// Both "eth0: 123 ..." and "eth0:123 ..." (old kernels ran a wide byte count into the colon) parse.
// Every interface line needs 16 numbers (more are accepted). Interfaces are returned in file
// order, `lo` included: filtering is the caller's policy.
// Errors: kTruncated (empty, no final newline, missing headers or columns), kParse (bad header,
// no ':', bad number). Error subjects are "net/dev".
Result<std::vector<NetDevStats>> parseNetDev(std::string_view text);

}  // namespace kubemonitor::procfs
