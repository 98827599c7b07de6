#pragma once
// Names the calling thread (at most 15 characters, the kernel's limit), so that `top -H`, `perf`
// and /proc/<pid>/task/<tid>/comm tell the server's event loop, ingest workers, WAL flusher and
// maintenance apart.

#include <string_view>

namespace kubemonitor {

void nameThisThread(std::string_view name);

// Raises the calling thread's nice value by `increment` (Linux: nice is per thread), so that the
// scheduler prefers the other threads when the CPUs are short: the engine's maintenance yields to
// ingest and queries and catches up in the idle time. Returns false when the kernel refused.
bool lowerThisThreadPriority(int increment);

}  // namespace kubemonitor
