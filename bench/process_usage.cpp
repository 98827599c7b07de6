#include "process_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <ctime>
#include <filesystem>

#include "hostfs/rooted_host_fs.h"
#include "procfs/pid_stat.h"

namespace kubemonitor::bench {

Result<ProcessUsage> readProcessUsage(pid_t pid) {
  hostfs::RootedHostFs fs("/");
  auto text = fs.readFile(fs.paths().procPidStat(pid));
  if (!text) return text.error();
  auto stat = procfs::parsePidStat(*text);
  if (!stat) return stat.error();
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcessUsage usage;
  usage.cpu_seconds = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks_per_second;
  usage.rss_bytes = stat->rss_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return usage;
}

Result<uint64_t> parsePeakRssBytes(std::string_view status) {
  constexpr std::string_view kKey = "\nVmHWM:";
  const size_t at = status.find(kKey);
  if (at == std::string_view::npos) return makeError(ErrorCode::kParse, "no VmHWM line", "status");
  std::string_view rest = status.substr(at + kKey.size());
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  uint64_t kib = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kib);
  if (ec != std::errc() || std::string_view(end, rest.data() + rest.size()).substr(0, 3) != " kB") {
    return makeError(ErrorCode::kParse, "VmHWM is not \"<number> kB\"", "status");
  }
  return kib * 1024;
}

Result<uint64_t> readPeakRssBytes(pid_t pid) {
  hostfs::RootedHostFs fs("/");
  auto text = fs.readFile(fs.paths().procPid(pid) / "status");
  if (!text) return text.error();
  return parsePeakRssBytes(*text);
}

namespace {
double secondsOf(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }
}  // namespace

double selfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return secondsOf(usage.ru_utime) + secondsOf(usage.ru_stime);
}

double selfSystemCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return secondsOf(usage.ru_stime);
}

}  // namespace kubemonitor::bench

namespace kubemonitor::bench {

double threadCpuSecondsNamed(std::string_view name) {
  hostfs::RootedHostFs fs("/");
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto tasks = fs.paths().procPid(getpid()) / "task";
  double seconds = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    auto comm = fs.readFile(task.path() / "comm");
    if (!comm || std::string_view(*comm).substr(0, comm->find('\n')) != name) continue;
    auto text = fs.readFile(task.path() / "stat");
    if (!text) continue;  // the thread ended meanwhile
    auto stat = procfs::parsePidStat(*text);
    if (stat) seconds += static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks_per_second;
  }
  return seconds;
}

double callingThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace kubemonitor::bench
