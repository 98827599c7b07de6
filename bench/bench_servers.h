#pragma once
// Starts the real kubemonitor-server for a benchmark on an ephemeral loopback port.

#include <optional>
#include <string>
#include <vector>

#include "common/testing/child_process.h"

namespace kubemonitor::bench {

struct RunningServer {
  testing::TempDir dir;
  std::optional<testing::ChildProcess> process;
  std::string url;  // http://127.0.0.1:PORT, empty when the server did not start
};

// Fills `server` (not movable: it owns a temp dir and a child); false when it did not start.
// `extra_args` are appended to the server's command line.
bool startServer(const std::string& bin_dir, RunningServer& server, const std::vector<std::string>& extra_args = {});

}  // namespace kubemonitor::bench
