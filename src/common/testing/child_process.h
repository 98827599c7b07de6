#pragma once
// Processes an end-to-end test starts, and only those: each is killed by its own pid when the
// handle goes out of scope, so a failing assertion never leaves a server or busy loop behind.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace kubemonitor::testing {

class ChildProcess {
 public:
  // Starts argv[0] (a path) with argv; stdout and stderr go to the given files when not empty.
  static ChildProcess spawn(const std::vector<std::string>& argv, const std::string& stdout_path = {},
                            const std::string& stderr_path = {});
  // A child that spins on one CPU until killed.
  static ChildProcess busyLoop();

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  void signal(int signo) const;
  // Waits up to `timeout` for exit; the exit status (WEXITSTATUS) or nullopt on timeout/signal.
  std::optional<int> waitExit(std::chrono::milliseconds timeout);
  // Without waiting: true once the child has exited or died of a signal (it is then reaped).
  bool exited();

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// A fresh temporary directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Polls until the file at `path` contains `needle`, up to `timeout`.
bool waitForFileContaining(const std::string& path, const std::string& needle, std::chrono::milliseconds timeout);

// Polls `read_port_file` until the server wrote its bound port, up to `timeout`.
std::optional<int> waitForPortFile(const std::string& path, std::chrono::milliseconds timeout);

// Where the integration suites find the binaries: $KUBEMONITOR_BIN_DIR, else build/bin.
std::string binDir();
// The whole file (a server log, for failure messages); empty when unreadable.
std::string readTextFile(const std::string& path);

}  // namespace kubemonitor::testing
