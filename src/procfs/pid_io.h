#pragma once
// Parser for /proc/<pid>/io, the per-process I/O counters (needs CONFIG_TASK_IO_ACCOUNTING).
// Format: Documentation/filesystems/proc.rst, "3.3 /proc/<pid>/io - Display the IO accounting
// fields" (https://www.kernel.org/doc/html/latest/filesystems/proc.html#proc-pid-io-display-the-io-accounting-fields).
// The counters cover the process's threads and its reaped children.

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace kubemonitor::procfs {

// All counters since the process started.
struct PidIo {
  uint64_t rchar = 0;                  // bytes passed to read(2) and similar, cache hits included
  uint64_t wchar = 0;                  // bytes passed to write(2) and similar
  uint64_t syscr = 0;                  // read system calls
  uint64_t syscw = 0;                  // write system calls
  uint64_t read_bytes = 0;             // bytes actually fetched from the storage layer
  uint64_t write_bytes = 0;            // bytes caused to be sent to the storage layer
  uint64_t cancelled_write_bytes = 0;  // bytes of write_bytes not written after all (truncated)
};

// All seven keys are required (the kernel always prints all of them); unknown keys are ignored.
// Errors: kTruncated (empty, no final newline, key without value), kParse (bad number, missing
// key, line without ':'). Error subjects are "io".
Result<PidIo> parsePidIo(std::string_view text);

}  // namespace kubemonitor::procfs
