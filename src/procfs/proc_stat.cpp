#include "procfs/proc_stat.h"

#include <array>
#include <string>

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kFormat = "stat";
// 2.4 kernels print user nice system idle; later kernels append up to guest_nice (10 columns).
constexpr size_t kMinCpuColumns = 4;
constexpr std::array<std::string_view, 10> kCpuColumnNames = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"};

// fields[0] is "cpu" or "cpuN"; extra columns from a future kernel are ignored.
Result<CpuTimes> parseCpuLine(const std::vector<std::string_view>& fields, size_t line_no) {
  if (fields.size() < 1 + kMinCpuColumns) {
    return detail::lineError(ErrorCode::kTruncated, line_no,
                             std::string(fields[0]) + " line has fewer than 4 columns", kFormat);
  }
  std::array<uint64_t, kCpuColumnNames.size()> values{};
  for (size_t i = 0; i < values.size() && i + 1 < fields.size(); ++i) {
    auto value = detail::parseField(fields[i + 1], kCpuColumnNames[i], line_no, kFormat);
    if (!value) return value.error();
    values[i] = *value;
  }
  CpuTimes t;
  t.user = values[0];
  t.nice = values[1];
  t.system = values[2];
  t.idle = values[3];
  t.iowait = values[4];
  t.irq = values[5];
  t.softirq = values[6];
  t.steal = values[7];
  t.guest = values[8];
  t.guest_nice = values[9];
  return t;
}

bool isPerCpuKey(std::string_view key) {
  return key.size() > 3 && text::startsWith(key, "cpu") && text::parseUint64(key.substr(3)).has_value();
}

}  // namespace

uint64_t CpuTimes::total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }

uint64_t CpuTimes::busy() const {
  const uint64_t all = total();
  const uint64_t idle_all = idle + iowait;
  return all > idle_all ? all - idle_all : 0;
}

Result<ProcStat> parseProcStat(std::string_view text) {
  auto lines = detail::completeLines(text, kFormat);
  if (!lines) return lines.error();

  ProcStat stat;
  bool have_cpu = false, have_btime = false, have_ctxt = false, have_running = false;
  for (size_t i = 0; i < lines->size(); ++i) {
    const size_t line_no = i + 1;
    const auto fields = text::splitFields((*lines)[i]);
    if (fields.empty()) continue;
    const std::string_view key = fields[0];
    if (key == "cpu") {
      auto times = parseCpuLine(fields, line_no);
      if (!times) return times.error();
      stat.cpu_total = *times;
      have_cpu = true;
    } else if (isPerCpuKey(key)) {
      auto times = parseCpuLine(fields, line_no);  // parsed only to reject garbled lines
      if (!times) return times.error();
      ++stat.cpu_count;
    } else if (key == "btime" || key == "ctxt" || key == "procs_running") {
      if (fields.size() < 2) {
        return detail::lineError(ErrorCode::kTruncated, line_no, std::string(key) + " has no value", kFormat);
      }
      auto value = detail::parseField(fields[1], key, line_no, kFormat);
      if (!value) return value.error();
      if (key == "btime") {
        stat.boot_time_seconds = *value;
        have_btime = true;
      } else if (key == "ctxt") {
        stat.context_switches = *value;
        have_ctxt = true;
      } else {
        stat.processes_running = *value;
        have_running = true;
      }
    }
  }
  const auto missing = [](std::string_view what) {
    return makeError(ErrorCode::kParse, std::string("no ") + std::string(what) + " line", std::string(kFormat));
  };
  if (!have_cpu) return missing("aggregate cpu");
  if (stat.cpu_count == 0) return missing("cpuN");
  if (!have_btime) return missing("btime");
  if (!have_ctxt) return missing("ctxt");
  if (!have_running) return missing("procs_running");
  return stat;
}

}  // namespace kubemonitor::procfs
