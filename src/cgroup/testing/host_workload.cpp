// kubemonitor-host-workload: the real processes of the real-kernel suite's fake pods. Each mode
// does its work, then writes one line "ready <figure>" to stdout (the test blocks on that line, no
// sleeps) and stays alive until killed, so its cgroup keeps a process.
//   pause                         comm "pause" (the pod sandbox), holds the network namespace
//   pause-netns                   the same in a network namespace of its own (only lo)
//   spin                          one CPU busy
//   hold MIB                      allocates and touches MIB MiB; figure: bytes touched
//   direct-write PATH MIB         writes MIB MiB with O_DIRECT, fsync; figure: bytes written
//   udp-send ADDR PORT COUNT SIZE sends COUNT datagrams of SIZE bytes; figure: payload bytes sent

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void readyThenWait(unsigned long long figure) {
  std::printf("ready %llu\n", figure);
  std::fflush(stdout);
  for (;;) pause();
}

[[noreturn]] void fail(const char* what) {
  std::perror(what);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "pause-netns") {
    if (unshare(CLONE_NEWNET) != 0) fail("unshare(CLONE_NEWNET)");
    prctl(PR_SET_NAME, "pause", 0, 0, 0);
    readyThenWait(0);
  }
  if (mode == "pause") {
    prctl(PR_SET_NAME, "pause", 0, 0, 0);
    readyThenWait(0);
  }
  if (mode == "spin") {
    std::printf("ready 0\n");
    std::fflush(stdout);
    volatile unsigned long long counter = 0;
    for (;;) counter = counter + 1;
  }
  if (mode == "hold" && argc == 3) {
    const size_t bytes = std::strtoull(argv[2], nullptr, 10) << 20;
    auto* memory = static_cast<char*>(std::malloc(bytes));
    if (memory == nullptr) fail("malloc");
    std::memset(memory, 0x5a, bytes);  // touch every page: resident, anonymous
    readyThenWait(bytes);
  }
  if (mode == "direct-write" && argc == 4) {
    constexpr size_t kBlock = 1 << 20;
    const size_t mib = std::strtoull(argv[3], nullptr, 10);
    void* buffer = nullptr;
    if (posix_memalign(&buffer, 4096, kBlock) != 0) fail("posix_memalign");
    std::memset(buffer, 0x33, kBlock);
    const int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
    if (fd < 0) fail("open O_DIRECT");
    for (size_t i = 0; i < mib; ++i) {
      if (write(fd, buffer, kBlock) != static_cast<ssize_t>(kBlock)) fail("write");
    }
    fsync(fd);
    close(fd);
    readyThenWait(mib * kBlock);
  }
  if (mode == "udp-send" && argc == 6) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) fail("socket");
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[3])));
    if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) fail("inet_pton");
    const long count = std::atol(argv[4]);
    const size_t size = std::strtoull(argv[5], nullptr, 10);
    std::string payload(size, 'u');
    unsigned long long sent = 0;
    for (long i = 0; i < count; ++i) {
      const ssize_t n = sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      if (n > 0) sent += static_cast<unsigned long long>(n);
    }
    readyThenWait(sent);
  }
  std::fprintf(stderr, "usage: %s pause|spin|hold MIB|direct-write PATH MIB|udp-send ADDR PORT COUNT SIZE\n", argv[0]);
  return 2;
}
