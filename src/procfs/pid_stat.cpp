#include "procfs/pid_stat.h"

#include <limits>
#include <string>

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kFormat = "pid stat";
constexpr size_t kFirstFieldAfterComm = 3;  // state
constexpr size_t kLastFieldNeeded = 24;     // rss

Result<int> parsePid(std::string_view value, std::string_view field) {
  auto number = detail::parseField(value, field, 1, kFormat);
  if (!number) return number.error();
  if (*number > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    return detail::lineError(ErrorCode::kParse, 1, std::string(field) + " out of range", kFormat);
  }
  return static_cast<int>(*number);
}

}  // namespace

Result<PidStat> parsePidStat(std::string_view text) {
  auto lines = detail::completeLines(text, kFormat);
  if (!lines) return lines.error();
  if (lines->size() != 1) {
    return makeError(ErrorCode::kParse, "expected one line, got " + std::to_string(lines->size()),
                     std::string(kFormat));
  }
  const std::string_view line = (*lines)[0];
  const size_t open = line.find('(');
  const size_t close = line.rfind(')');
  if (open == std::string_view::npos) return detail::lineError(ErrorCode::kParse, 1, "no '(' before comm", kFormat);
  if (close == std::string_view::npos || close < open) {
    return detail::lineError(ErrorCode::kTruncated, 1, "no ')' after comm", kFormat);
  }

  PidStat stat;
  auto pid = parsePid(text::trim(line.substr(0, open)), "pid");
  if (!pid) return pid.error();
  stat.pid = *pid;
  stat.comm = std::string(line.substr(open + 1, close - open - 1));

  // rest[i] is field i + 3 of proc_pid_stat(5).
  const auto rest = text::splitFields(line.substr(close + 1));
  if (rest.size() < kLastFieldNeeded - kFirstFieldAfterComm + 1) {
    return detail::lineError(ErrorCode::kTruncated, 1,
                             "expected at least 24 fields, got " + std::to_string(rest.size() + 2), kFormat);
  }
  const auto field = [&](size_t number) { return rest[number - kFirstFieldAfterComm]; };
  if (field(3).size() != 1) return detail::lineError(ErrorCode::kParse, 1, "state is not one letter", kFormat);
  stat.state = field(3)[0];
  auto ppid = parsePid(field(4), "ppid");
  if (!ppid) return ppid.error();
  stat.ppid = *ppid;

  struct Slot {
    size_t number;
    std::string_view name;
    uint64_t* out;
  };
  for (const Slot& slot : {Slot{14, "utime", &stat.utime_ticks}, Slot{15, "stime", &stat.stime_ticks},
                           Slot{20, "num_threads", &stat.num_threads},
                           Slot{22, "starttime", &stat.start_time_ticks}, Slot{23, "vsize", &stat.vsize_bytes},
                           Slot{24, "rss", &stat.rss_pages}}) {
    auto value = detail::parseField(field(slot.number), slot.name, 1, kFormat);
    if (!value) return value.error();
    *slot.out = *value;
  }
  return stat;
}

}  // namespace kubemonitor::procfs
