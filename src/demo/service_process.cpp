#include "demo/service_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

extern char** environ;

namespace kubemonitor::demo {

Result<ServiceProcess> ServiceProcess::start(const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) return makeError(ErrorCode::kInvalidArgument, "no program to start");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  // The demo catches SIGINT/SIGTERM; its children must still stop on them (their own handlers).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) return errnoError(rc, "start", argv[0]);
  return ServiceProcess(pid);
}

ServiceProcess::ServiceProcess(ServiceProcess&& other) noexcept
    : pid_(other.pid_),
      reaped_(other.reaped_),
      exit_status_(other.exit_status_),
      ended_how_(std::move(other.ended_how_)) {
  other.pid_ = -1;
}

ServiceProcess::~ServiceProcess() {
  if (pid_ > 0 && !reaped_) stop(std::chrono::seconds(5));
}

void ServiceProcess::recordStatus(int status) {
  reaped_ = true;
  if (WIFEXITED(status)) {
    exit_status_ = WEXITSTATUS(status);
    ended_how_ = "exit status " + std::to_string(*exit_status_);
  } else if (WIFSIGNALED(status)) {
    ended_how_ = "killed by signal " + std::to_string(WTERMSIG(status));
  }
}

bool ServiceProcess::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    recordStatus(status);
    return false;
  }
  if (done < 0 && errno == ECHILD) {  // someone else reaped it: it is gone all the same
    reaped_ = true;
    ended_how_ = "gone";
    return false;
  }
  return true;
}

std::optional<int> ServiceProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) return exit_status_;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return exit_status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a graceful shutdown takes a moment
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  if (::waitpid(pid_, &status, 0) == pid_) recordStatus(status);
  reaped_ = true;
  return std::nullopt;
}

}  // namespace kubemonitor::demo
