#pragma once
// Parser for /proc/diskstats. Format: Documentation/admin-guide/iostats.rst
// (https://www.kernel.org/doc/html/latest/admin-guide/iostats.html): "major minor name" and then
// 11 fields (kernels < 4.18), 15 (4.18 added discards) or 17 (5.5 added flushes) — 14, 18 or 20
// whitespace-separated fields per line.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor::procfs {

// One block device or partition. Counters since boot (they wrap on 32-bit kernels only).
struct DiskStats {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string name;               // kernel name: "sda", "sda1", "nvme0n1", "dm-0", "cciss/c0d0"
  uint64_t reads_completed = 0;   // field 1: reads completed successfully, counter
  uint64_t sectors_read = 0;      // field 3: 512-byte sectors read, counter
  uint64_t writes_completed = 0;  // field 5: writes completed, counter
  uint64_t sectors_written = 0;   // field 7: 512-byte sectors written, counter
  uint64_t io_time_ms = 0;        // field 10: milliseconds spent doing I/Os, counter

  // Sectors in diskstats are always 512 bytes, whatever the device's sector size (iostats.rst).
  uint64_t readBytes() const;
  uint64_t writtenBytes() const;
};

// Every line must have 14, 18 or 20 fields (more than 20 is accepted: newer kernels only ever
// append). Empty text is a valid, empty list (a host without block devices). Whole disks and
// partitions are both returned; telling them apart needs sysfs (HostPaths::sysBlockDevice).
// Errors: kTruncated (no final newline, fewer than 14 fields), kParse (bad number, 15-17 or 19
// fields). Error subjects are "diskstats".
Result<std::vector<DiskStats>> parseDiskstats(std::string_view text);

}  // namespace kubemonitor::procfs
