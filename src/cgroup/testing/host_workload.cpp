// kubemonitor-host-workload: the real processes of the real-kernel suite's fake pods. Each mode
// does its work, then writes one line "ready <figure>" to stdout (the test blocks on that line, no
// sleeps) and stays alive until killed, so its cgroup keeps a process.
//   pause                         comm "pause" (the pod sandbox), holds the network namespace
//   pause-netns                   the same in a network namespace of its own (only lo)
//   spin                          one CPU busy
//   hold MIB                      allocates and touches MIB MiB; figure: bytes touched
//   oom-after MIB                 "ready" first, then allocates and touches MIB MiB: under a lower
//                                 memory limit the kernel OOM-kills it after the test saw it start
//   direct-write PATH MIB         writes MIB MiB with O_DIRECT, fsync; figure: bytes written
//   udp-send ADDR PORT COUNT SIZE sends COUNT datagrams of SIZE bytes; figure: payload bytes sent
// Repeating modes for `make demo`, whose numbers must keep moving: "ready" after the first round,
// then a round every period until killed (the pause between rounds keeps them gentle).
//   spin-duty PERCENT                  busy PERCENT % of every 100 ms (≈ PERCENT×10 millicores)
//   direct-write-every PATH MIB SECONDS rewrites MIB MiB with O_DIRECT every SECONDS; figure: bytes/round
//   udp-send-every ADDR PORT COUNT SIZE SECONDS  the udp-send round every SECONDS; figure: bytes/round

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace {

void sayReady(unsigned long long figure) {
  std::printf("ready %llu\n", figure);
  std::fflush(stdout);
}

[[noreturn]] void readyThenWait(unsigned long long figure) {
  sayReady(figure);
  for (;;) pause();
}

[[noreturn]] void fail(const char* what) {
  std::perror(what);
  std::exit(2);
}

// Writes `mib` MiB with O_DIRECT (page cache bypassed, so blkio sees every byte), then fsync.
unsigned long long directWrite(const char* path, size_t mib) {
  constexpr size_t kBlock = 1 << 20;
  static void* buffer = nullptr;
  if (buffer == nullptr) {
    if (posix_memalign(&buffer, 4096, kBlock) != 0) fail("posix_memalign");
    std::memset(buffer, 0x33, kBlock);
  }
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
  if (fd < 0) fail("open O_DIRECT");
  for (size_t i = 0; i < mib; ++i) {
    if (write(fd, buffer, kBlock) != static_cast<ssize_t>(kBlock)) fail("write");
  }
  fsync(fd);
  close(fd);
  return mib * kBlock;
}

// Sends `count` datagrams of `size` bytes to addr:port; returns the payload bytes the kernel took.
unsigned long long udpSend(const char* addr, const char* port, long count, size_t size) {
  static int fd = -1;
  if (fd < 0) fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) fail("socket");
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::atoi(port)));
  if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) fail("inet_pton");
  const std::string payload(size, 'u');
  unsigned long long sent = 0;
  for (long i = 0; i < count; ++i) {
    const ssize_t n = sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    if (n > 0) sent += static_cast<unsigned long long>(n);
  }
  return sent;
}

// A positive period in seconds from text, or exit with a usage error.
double periodSeconds(const char* text) {
  const double seconds = std::strtod(text, nullptr);
  if (!(seconds > 0 && seconds <= 3600)) {
    std::fprintf(stderr, "period must be in (0, 3600] seconds, got '%s'\n", text);
    std::exit(2);
  }
  return seconds;
}

void sleepSeconds(double seconds) {
  timespec pause_for{static_cast<time_t>(seconds), static_cast<long>((seconds - static_cast<time_t>(seconds)) * 1e9)};
  while (nanosleep(&pause_for, &pause_for) != 0) {
  }
}

// Allocates `bytes` and makes every page resident.
void touchNewMemory(size_t bytes) {
  auto* memory = static_cast<char*>(std::malloc(bytes));
  if (memory == nullptr) fail("malloc");
  // Touch every page through a volatile pointer: a plain memset of memory nobody reads again is
  // a dead store the optimiser removes, and the pages would never become resident.
  volatile char* pages = memory;
  for (size_t offset = 0; offset < bytes; offset += 4096) pages[offset] = 0x5a;
}

double monotonicSeconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
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
    sayReady(0);
    volatile unsigned long long counter = 0;
    for (;;) counter = counter + 1;
  }
  if (mode == "hold" && argc == 3) {
    const size_t bytes = std::strtoull(argv[2], nullptr, 10) << 20;
    touchNewMemory(bytes);
    readyThenWait(bytes);
  }
  if (mode == "oom-after" && argc == 3) {
    const size_t bytes = std::strtoull(argv[2], nullptr, 10) << 20;
    sayReady(bytes);
    touchNewMemory(bytes);
    readyThenWait(bytes);  // only reached when no limit stopped it
  }
  if (mode == "direct-write" && argc == 4) {
    readyThenWait(directWrite(argv[2], std::strtoull(argv[3], nullptr, 10)));
  }
  if (mode == "udp-send" && argc == 6) {
    readyThenWait(udpSend(argv[2], argv[3], std::atol(argv[4]), std::strtoull(argv[5], nullptr, 10)));
  }
  if (mode == "spin-duty" && argc == 3) {
    const long percent = std::atol(argv[2]);
    if (percent < 1 || percent > 100) {
      std::fprintf(stderr, "spin-duty PERCENT: 1..100, got '%s'\n", argv[2]);
      return 2;
    }
    constexpr double kPeriodSeconds = 0.1;
    const double busy_seconds = kPeriodSeconds * static_cast<double>(percent) / 100;
    sayReady(0);
    volatile unsigned long long counter = 0;
    for (;;) {
      const double start = monotonicSeconds();
      while (monotonicSeconds() - start < busy_seconds) counter = counter + 1;
      if (percent < 100) sleepSeconds(kPeriodSeconds - busy_seconds);
    }
  }
  if (mode == "direct-write-every" && argc == 5) {
    const size_t mib = std::strtoull(argv[3], nullptr, 10);
    const double period = periodSeconds(argv[4]);
    sayReady(directWrite(argv[2], mib));
    for (;;) {
      sleepSeconds(period);
      directWrite(argv[2], mib);
    }
  }
  if (mode == "udp-send-every" && argc == 7) {
    const long count = std::atol(argv[4]);
    const size_t size = std::strtoull(argv[5], nullptr, 10);
    const double period = periodSeconds(argv[6]);
    sayReady(udpSend(argv[2], argv[3], count, size));
    for (;;) {
      sleepSeconds(period);
      udpSend(argv[2], argv[3], count, size);
    }
  }
  std::fprintf(stderr,
               "usage: %s pause|pause-netns|spin|hold MIB|oom-after MIB|direct-write PATH MIB|udp-send ADDR PORT COUNT SIZE|"
               "spin-duty PERCENT|direct-write-every PATH MIB SECONDS|udp-send-every ADDR PORT COUNT SIZE SECONDS\n",
               argv[0]);
  return 2;
}
