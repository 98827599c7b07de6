#pragma once
// A long-running child the demo owns (kubemonitor-server, kubemonitor-agent): started with its
// output in a log file, watched without blocking, stopped gracefully by its own pid (SIGTERM, then
// SIGKILL after a grace period). The handle stops the process when it goes out of scope, so an
// error path never leaves one behind.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace kubemonitor::demo {

class ServiceProcess {
 public:
  // Starts argv[0] (a path) with argv; stdout and stderr are appended to `log_path`. The child
  // gets the default signal mask and dispositions whatever the caller set.
  static Result<ServiceProcess> start(const std::vector<std::string>& argv, const std::string& log_path);

  ServiceProcess(ServiceProcess&& other) noexcept;
  ServiceProcess& operator=(ServiceProcess&&) = delete;
  ServiceProcess(const ServiceProcess&) = delete;
  ~ServiceProcess();

  pid_t pid() const { return pid_; }
  // False once the process has exited (it is reaped then); never blocks.
  bool running();
  // How it ended: "exit status N" or "killed by signal N"; empty while running.
  const std::string& endedHow() const { return ended_how_; }
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status when it exited by itself
  // (0 after a clean shutdown), nullopt when it died of a signal or had to be killed.
  std::optional<int> stop(std::chrono::milliseconds grace);

 private:
  explicit ServiceProcess(pid_t pid) : pid_(pid) {}
  void recordStatus(int status);

  pid_t pid_ = -1;
  bool reaped_ = false;
  std::optional<int> exit_status_;
  std::string ended_how_;
};

}  // namespace kubemonitor::demo
