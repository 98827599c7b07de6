#pragma once
// Parser for /proc/<pid>/stat, one process's status line. Format: proc_pid_stat(5) and
// Documentation/filesystems/proc.rst, table 1-4 "Contents of the stat fields"
// (https://www.kernel.org/doc/html/latest/filesystems/proc.html#id10), printed by
// fs/proc/array.c do_task_stat(). The command name (field 2) is in parentheses and may itself
// contain spaces and ')', so the parser splits at the LAST ')'.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kubemonitor::procfs {

struct PidStat {
  int pid = 0;                    // (1)
  std::string comm;               // (2) executable name, at most 15 bytes, without the parentheses
  char state = '?';               // (3) R, S, D, Z, T, t, X, I, ...
  int ppid = 0;                   // (4) parent pid
  uint64_t utime_ticks = 0;       // (14) counter: user-mode CPU time, USER_HZ ticks
  uint64_t stime_ticks = 0;       // (15) counter: kernel-mode CPU time, USER_HZ ticks
  uint64_t num_threads = 0;       // (20) gauge
  uint64_t start_time_ticks = 0;  // (22) process start, USER_HZ ticks after boot
  uint64_t vsize_bytes = 0;       // (23) gauge: virtual memory size, bytes
  uint64_t rss_pages = 0;         // (24) gauge: resident set size, pages (× sysconf(_SC_PAGESIZE))
};

// Needs fields 1 to 24; the many later fields (41+ on every 2.6+ kernel) are not read.
// Errors: kTruncated (empty, no final newline, no ')', fewer than 24 fields), kParse (bad number,
// no '('). Error subjects are "pid stat".
Result<PidStat> parsePidStat(std::string_view text);

}  // namespace kubemonitor::procfs
