#include "tsdb/clickhouse_sql.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace kubemonitor::tsdb::internal {

std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string dayLiteral(int64_t unix_ms) {
  using namespace std::chrono;
  // Date spans 1970–2149: later bounds (an open end) clamp to 2100.
  constexpr int64_t kYear2100Ms = 4'102'444'800'000;
  const auto day = floor<days>(sys_time<milliseconds>(milliseconds(std::clamp<int64_t>(unix_ms, 0, kYear2100Ms))));
  const year_month_day ymd(day);
  char text[16];
  std::snprintf(text, sizeof text, "'%04d-%02u-%02u'", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

std::string timeRange(int64_t lo_ms, int64_t hi_ms) {
  return "day >= " + dayLiteral(lo_ms) + " AND day <= " + dayLiteral(hi_ms) + " AND ts_ms >= " + std::to_string(lo_ms) +
         " AND ts_ms <= " + std::to_string(hi_ms);
}

}  // namespace kubemonitor::tsdb::internal
