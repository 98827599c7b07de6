#pragma once
// A heartbeat file for the DaemonSet's liveness probe: the agent has no HTTP port, so each
// collection cycle writes the current Unix time (seconds) to a file, and
// `kubemonitor-agent --check-heartbeat FILE` exits non-zero when it is older than allowed. A hung
// collection loop (stuck read of a kernel file, deadlock) stops the writes and gets restarted.

#include <chrono>
#include <filesystem>

#include "common/result.h"

namespace kubemonitor::agent {

// Writes `unix_seconds` atomically (temp file + rename), so a probe never reads half a number.
Status writeHeartbeat(const std::filesystem::path& path, int64_t unix_seconds);

// Ok when the file holds a time no older than `max_age` before `now_unix_seconds`; the error
// says how old it is, or why it cannot be read.
Status checkHeartbeat(const std::filesystem::path& path, int64_t now_unix_seconds, std::chrono::seconds max_age);

}  // namespace kubemonitor::agent
