#pragma once
// Parser for /proc/uptime: "<uptime> <idle>\n", both in seconds with two decimals.
// Format: Documentation/filesystems/proc.rst, table 1-5 "uptime"
// (https://www.kernel.org/doc/html/latest/filesystems/proc.html), and proc_uptime(5).

#include <string_view>

#include "common/result.h"

namespace kubemonitor::procfs {

struct Uptime {
  double uptime_seconds = 0;  // counter: seconds since boot (CLOCK_BOOTTIME, includes suspend)
  double idle_seconds = 0;    // counter: idle time summed over all CPUs, so it can exceed uptime
};

// Errors: kTruncated (empty, no final newline, one number), kParse (bad or negative number, extra
// fields or lines). Error subjects are "uptime".
Result<Uptime> parseUptime(std::string_view text);

}  // namespace kubemonitor::procfs
