#pragma once
// Pure parsers for the cgroup interface files the agent reads (DESIGN rule 1). Formats:
// Documentation/admin-guide/cgroup-v2.rst ("Interface Files", "Format": single values, flat keyed,
// nested keyed), Documentation/admin-guide/cgroup-v1/{cpuacct,memory,blkio-controller}.rst, and
// Documentation/accounting/psi.rst for the pressure files. Every parser takes the whole file and
// returns a clear error value for empty, truncated (no final newline) or garbled text; the error
// subject is the file name.

#include <cstdint>
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor::cgroup {

// A single unsigned value on one line: cpuacct.usage, memory.usage_in_bytes, memory.current.
Result<uint64_t> parseSingleValue(std::string_view text, std::string_view file);

// A limit: v2 "max" and v1's "no limit" (the page-aligned LONG_MAX, 9223372036854771712, or any
// value ≥ 2^62) are nullopt; otherwise the limit in bytes (memory.max, memory.limit_in_bytes).
Result<std::optional<uint64_t>> parseLimit(std::string_view text, std::string_view file);

// Flat keyed "key value" lines (cpu.stat, memory.stat, memory.events, memory.oom_control). Lines
// whose value is not an unsigned integer are an error: the kernel writes none. The keys are views
// into the parsed text (no allocation per line: memory.stat has ~40 lines, read for every cgroup
// every cycle), so a FlatKeyed must not outlive that text.
class FlatKeyed {
 public:
  std::optional<uint64_t> find(std::string_view key) const;
  uint64_t valueOr(std::string_view key, uint64_t fallback) const { return find(key).value_or(fallback); }
  bool contains(std::string_view key) const { return find(key).has_value(); }
  size_t size() const { return entries_.size(); }
  void add(std::string_view key, uint64_t value) { entries_.emplace_back(key, value); }

 private:
  std::vector<std::pair<std::string_view, uint64_t>> entries_;
};
Result<FlatKeyed> parseFlatKeyed(std::string_view text, std::string_view file);

// Bytes moved to and from block devices, summed over devices (counters).
struct DiskBytes {
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
};

// v1 blkio.*io_service_bytes* ("8:0 Read 4096" per device and operation, then "Total N"). An empty
// file or one with only "Total 0" is valid: the cgroup did no accounted I/O.
Result<DiskBytes> parseBlkioServiceBytes(std::string_view text, std::string_view file);

// v2 io.stat, nested keyed ("8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0"). Empty is valid.
Result<DiskBytes> parseIoStat(std::string_view text);

// One pressure file (cpu.pressure, memory.pressure, io.pressure): the avg10 figures in percent of
// wall time (0–100). cpu.pressure has "full" only since Linux 5.13; absent lines stay 0.
struct Pressure {
  double some_avg10_percent = 0;  // gauge
  double full_avg10_percent = 0;  // gauge
  uint64_t some_total_us = 0;     // counter: time in which at least one task stalled (µs)
};
Result<Pressure> parsePressure(std::string_view text, std::string_view file);

// cgroup.procs: one pid per line; empty is valid (a cgroup with no processes).
Result<std::vector<int>> parseCgroupProcs(std::string_view text);

}  // namespace kubemonitor::cgroup
