#pragma once
// Parser for /proc/meminfo. Format: Documentation/filesystems/proc.rst, "meminfo"
// (https://www.kernel.org/doc/html/latest/filesystems/proc.html#meminfo). Each line is
// "Key:   <value> kB" (or a bare count, e.g. HugePages_Total); values in kB are converted to bytes.

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace kubemonitor::procfs {

// All gauges, in bytes (the kernel's "kB" is KiB: ×1024). A key the kernel does not print reads 0.
struct Meminfo {
  uint64_t mem_total_bytes = 0;      // MemTotal: usable RAM
  uint64_t mem_free_bytes = 0;       // MemFree: completely unused RAM
  uint64_t mem_available_bytes = 0;  // MemAvailable: estimate of RAM available without swapping
  uint64_t buffers_bytes = 0;        // Buffers: block-device buffers
  uint64_t cached_bytes = 0;         // Cached: page cache (not swap cache)
  uint64_t s_reclaimable_bytes = 0;  // SReclaimable: reclaimable slab
  uint64_t shmem_bytes = 0;          // Shmem: shared memory and tmpfs
  uint64_t anon_pages_bytes = 0;     // AnonPages: anonymous pages mapped into user space
  uint64_t swap_total_bytes = 0;     // SwapTotal
  uint64_t swap_free_bytes = 0;      // SwapFree
  bool has_mem_available = false;    // false on kernels < 3.14, which lack MemAvailable
};

// Requires MemTotal and MemFree (present on every kernel); MemAvailable is optional (see
// has_mem_available); unknown keys are ignored, but every line must still be "Key: number [kB]".
// Errors: kTruncated (empty, no final newline, no value), kParse (bad number, unit or overflow,
// missing key). Error subjects are "meminfo".
Result<Meminfo> parseMeminfo(std::string_view text);

}  // namespace kubemonitor::procfs
