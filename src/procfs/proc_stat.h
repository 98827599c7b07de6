#pragma once
// Parser for /proc/stat, the kernel's system-wide CPU and scheduler counters.
// Format: https://www.kernel.org/doc/html/latest/filesystems/proc.html ("1.8 Miscellaneous kernel
// statistics in /proc/stat"), Documentation/filesystems/proc.rst; also proc_stat(5).

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace kubemonitor::procfs {

// Time spent by the CPU(s) in each mode: counters, USER_HZ ticks (normally 1/100 s) since boot.
// Columns appeared over time (iowait/irq/softirq 2.5.41, steal 2.6.11, guest 2.6.24, guest_nice
// 2.6.33); a column the kernel does not print reads 0.
struct CpuTimes {
  uint64_t user = 0;        // ticks in user mode (includes guest)
  uint64_t nice = 0;        // ticks in user mode at low priority (includes guest_nice)
  uint64_t system = 0;      // ticks in kernel mode
  uint64_t idle = 0;        // ticks idle
  uint64_t iowait = 0;      // ticks idle with I/O outstanding
  uint64_t irq = 0;         // ticks servicing hardware interrupts
  uint64_t softirq = 0;     // ticks servicing softirqs
  uint64_t steal = 0;       // ticks stolen by the hypervisor
  uint64_t guest = 0;       // ticks running a guest (already counted in user)
  uint64_t guest_nice = 0;  // ticks running a niced guest (already counted in nice)

  // user+nice+system+idle+iowait+irq+softirq+steal; guest and guest_nice are already inside user
  // and nice (kernel/sched/cputime.c account_guest_time), so they are not added again.
  uint64_t total() const;
  // total() - idle - iowait: ticks the CPU did work.
  uint64_t busy() const;
};

struct ProcStat {
  CpuTimes cpu_total;              // the aggregate "cpu" line, summed over all CPUs
  uint32_t cpu_count = 0;          // number of "cpuN" lines (CPUs online at read time), gauge
  uint64_t boot_time_seconds = 0;  // "btime": boot time, seconds since the Unix epoch
  uint64_t context_switches = 0;   // "ctxt": counter since boot
  uint64_t processes_running = 0;  // "procs_running": gauge, runnable tasks now
};

// Requires a "cpu" line with at least 4 columns, at least one "cpuN" line, and the btime, ctxt and
// procs_running lines (every kernel since 2.6 has them); other lines (intr, softirq, ...) are
// skipped. Errors: kTruncated (empty, no final newline, too few columns), kParse (bad number,
// missing line). Error subjects are "stat".
Result<ProcStat> parseProcStat(std::string_view text);

}  // namespace kubemonitor::procfs
