#pragma once
// Internal to tsdb: the SQL text ClickHouseStorage builds — literals and the time conditions that
// let ClickHouse skip partitions.

#include <cstdint>
#include <string>
#include <string_view>

namespace kubemonitor::tsdb::internal {

// A single-quoted ClickHouse string literal ('\'' and '\\' escaped).
std::string quote(std::string_view text);
// 'YYYY-MM-DD' (UTC) of a Unix ms timestamp: the day partition it falls in (clamped to 1970–2100).
std::string dayLiteral(int64_t unix_ms);
// ts_ms within [lo_ms, hi_ms], with the day range that lets ClickHouse skip other partitions.
std::string timeRange(int64_t lo_ms, int64_t hi_ms);

}  // namespace kubemonitor::tsdb::internal
