#include "demo/service_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/testing/child_process.h"

namespace kubemonitor::demo {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Polls running() (bounded) until the process has exited by itself.
bool exitsWithin(ServiceProcess& process, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (process.running()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(ServiceProcess, OutputGoesToTheLogAndTheExitStatusIsKept) {
  testing::TempDir dir;
  const std::string log = dir.path() + "/out.log";
  auto process = ServiceProcess::start({"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"}, log);
  ASSERT_TRUE(process.ok()) << process.error().toString();
  ASSERT_TRUE(exitsWithin(*process, std::chrono::seconds(10)));
  EXPECT_EQ(process->endedHow(), "exit status 3");
  EXPECT_EQ(process->stop(std::chrono::seconds(1)), 3);
  EXPECT_EQ(readFile(log), "to-stdout\nto-stderr\n");
}

TEST(ServiceProcess, StopAsksWithSigtermFirst) {
  testing::TempDir dir;
  auto process = ServiceProcess::start(
      {"/bin/sh", "-c", "trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.05; done"}, dir.path() + "/log");
  ASSERT_TRUE(process.ok());
  ASSERT_TRUE(testing::waitForFileContaining(dir.path() + "/log", "up", std::chrono::seconds(10)));
  EXPECT_TRUE(process->running());
  EXPECT_EQ(process->stop(std::chrono::seconds(10)), 0);
  EXPECT_EQ(process->endedHow(), "exit status 0");
  EXPECT_NE(readFile(dir.path() + "/log").find("bye"), std::string::npos);
  EXPECT_FALSE(process->running());
}

TEST(ServiceProcess, StopKillsWhatIgnoresSigterm) {
  testing::TempDir dir;
  auto process = ServiceProcess::start({"/bin/sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.05; done"},
                                       dir.path() + "/log");
  ASSERT_TRUE(process.ok());
  ASSERT_TRUE(testing::waitForFileContaining(dir.path() + "/log", "up", std::chrono::seconds(10)));
  const pid_t pid = process->pid();
  EXPECT_EQ(process->stop(std::chrono::milliseconds(200)), std::nullopt);
  EXPECT_EQ(process->endedHow(), "killed by signal 9");
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST(ServiceProcess, ChildrenGetDefaultSignalsEvenWhenTheParentBlocksThem) {
  testing::TempDir dir;
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, &old), 0);
  auto process = ServiceProcess::start({"/bin/sleep", "30"}, dir.path() + "/log");
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ASSERT_TRUE(process.ok());
  EXPECT_EQ(process->stop(std::chrono::seconds(10)), std::nullopt);
  EXPECT_EQ(process->endedHow(), "killed by signal 15");  // SIGTERM did it, not the SIGKILL fallback
}

TEST(ServiceProcess, AMissingProgramIsAnErrorValue) {
  testing::TempDir dir;
  auto process = ServiceProcess::start({dir.path() + "/no-such-binary"}, dir.path() + "/log");
  ASSERT_FALSE(process.ok());
  EXPECT_EQ(process.error().code, ErrorCode::kNotFound);
  EXPECT_NE(process.error().toString().find("no-such-binary"), std::string::npos);
  EXPECT_FALSE(ServiceProcess::start({}, dir.path() + "/log").ok());
}

}  // namespace
}  // namespace kubemonitor::demo
