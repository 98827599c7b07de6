// The repeating kubemonitor-host-workload modes the demo runs (no root needed): their load is real
// and bounded, and bad arguments are a usage error, not a crash.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/testing/child_process.h"
#include "demo/service_process.h"

namespace kubemonitor::demo {
namespace {

std::string workload() {
  const char* dir = std::getenv("KUBEMONITOR_BIN_DIR");
  return std::string(dir != nullptr ? dir : "build/bin") + "/kubemonitor-host-workload";
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// utime + stime of `pid`, in clock ticks (proc(5) fields 14 and 15, after the ")" of comm).
uint64_t cpuTicks(pid_t pid) {
  const std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i < 14; ++i) rest >> field;
  uint64_t utime = 0, stime = 0;
  rest >> utime >> stime;
  return utime + stime;
}

TEST(HostWorkload, SpinDutyUsesAboutItsShareOfOneCore) {
  testing::TempDir dir;
  auto spin = ServiceProcess::start({workload(), "spin-duty", "20"}, dir.path() + "/log");
  ASSERT_TRUE(spin.ok()) << spin.error().toString();
  ASSERT_TRUE(testing::waitForFileContaining(dir.path() + "/log", "ready 0", std::chrono::seconds(10)));
  const uint64_t before = cpuTicks(spin->pid());
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the measuring window, not a wait for state
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double share = static_cast<double>(cpuTicks(spin->pid()) - before) / sysconf(_SC_CLK_TCK) / seconds;
  EXPECT_GT(share, 0.08);  // 20 % asked; a loaded 2-core machine may give it less, never 0
  EXPECT_LT(share, 0.40);  // and never a whole core
}

TEST(HostWorkload, UdpSendEveryRepeatsItsRound) {
  const int receiver = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(receiver, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(receiver, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(receiver, reinterpret_cast<sockaddr*>(&address), &length), 0);
  timeval timeout{10, 0};
  ::setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  testing::TempDir dir;
  auto sender = ServiceProcess::start(
      {workload(), "udp-send-every", "127.0.0.1", std::to_string(ntohs(address.sin_port)), "3", "500", "0.2"},
      dir.path() + "/log");
  ASSERT_TRUE(sender.ok());
  ASSERT_TRUE(testing::waitForFileContaining(dir.path() + "/log", "ready 1500", std::chrono::seconds(10)));
  // Two rounds of three: the sixth datagram can only come from the repeat (blocking reads, bounded).
  char buffer[2048];
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(::recv(receiver, buffer, sizeof buffer, 0), 500) << "datagram " << i;
  }
  ::close(receiver);
}

TEST(HostWorkload, DirectWriteEveryWritesItsMibWithODirect) {
  const std::string path = "/var/tmp/kubemonitor-demo-test-" + std::to_string(getpid());
  testing::TempDir dir;
  {
    auto writer = ServiceProcess::start({workload(), "direct-write-every", path, "2", "60"}, dir.path() + "/log");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(testing::waitForFileContaining(dir.path() + "/log", "ready " + std::to_string(2 << 20),
                                               std::chrono::seconds(20)))
        << readFile(dir.path() + "/log");
    EXPECT_EQ(std::filesystem::file_size(path), 2u << 20);
  }
  std::filesystem::remove(path);
}

TEST(HostWorkload, BadArgumentsAreUsageErrors) {
  testing::TempDir dir;
  for (const std::vector<std::string>& args : {std::vector<std::string>{"spin-duty", "0"},
                                               {"spin-duty", "101"},
                                               {"direct-write-every", "/var/tmp/x", "1", "0"},
                                               {"udp-send-every", "127.0.0.1", "9", "1", "10", "-1"},
                                               {"udp-send-every", "127.0.0.1"},
                                               {"no-such-mode"}}) {
    std::vector<std::string> argv{workload()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto process = ServiceProcess::start(argv, dir.path() + "/log");
    ASSERT_TRUE(process.ok());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (process->running() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    EXPECT_EQ(process->endedHow(), "exit status 2") << args.front();
  }
  EXPECT_FALSE(std::filesystem::exists("/var/tmp/x"));
}

}  // namespace
}  // namespace kubemonitor::demo
