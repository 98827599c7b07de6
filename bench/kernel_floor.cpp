#include "kernel_floor.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>

#include "process_usage.h"

namespace kubemonitor::bench {

KernelFloor measureKernelFloor(const std::vector<std::string>& paths, int cycles) {
  std::vector<int> fds;
  for (const auto& path : paths) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) fds.push_back(fd);
  }
  // 64 KiB: larger than any of these files (v1 memory.stat is ~1.5 KiB), so one pread is a read.
  static std::array<char, 64 * 1024> buffer;
  auto pass = [&] {
    for (int fd : fds) [[maybe_unused]] auto n = ::pread(fd, buffer.data(), buffer.size(), 0);
  };
  pass();  // the first read allocates each seq_file's buffer: not part of a steady cycle
  const double cpu_before = selfCpuSeconds();
  const double system_before = selfSystemCpuSeconds();
  for (int i = 0; i < cycles; ++i) pass();
  KernelFloor floor;
  floor.cpu_ms_per_cycle = (selfCpuSeconds() - cpu_before) * 1000 / cycles;
  floor.system_ms_per_cycle = (selfSystemCpuSeconds() - system_before) * 1000 / cycles;
  floor.files = fds.size();
  for (int fd : fds) ::close(fd);
  return floor;
}

}  // namespace kubemonitor::bench
