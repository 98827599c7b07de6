#pragma once
// Names the calling thread (at most 15 characters, the kernel's limit), so that `top -H`, `perf`
// and /proc/<pid>/task/<tid>/comm tell the server's event loop, ingest workers, WAL flusher and
// maintenance apart.

#include <string_view>

namespace kubemonitor {

void nameThisThread(std::string_view name);

}  // namespace kubemonitor
