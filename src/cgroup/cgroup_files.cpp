#include "cgroup/cgroup_files.h"

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::cgroup {
namespace {

using procfs::detail::completeLines;
using procfs::detail::lineError;
using procfs::detail::parseField;

// v1 writes "no limit" as PAGE_COUNTER_MAX × PAGE_SIZE (9223372036854771712 with 4 KiB pages);
// anything from 2^62 up cannot be a real memory size on any machine this runs on.
constexpr uint64_t kNoLimitThreshold = uint64_t{1} << 62;

Result<std::string_view> oneLine(std::string_view text, std::string_view file) {
  auto lines = completeLines(text, file);
  if (!lines) return lines.error();
  if (lines->size() != 1) return lineError(ErrorCode::kParse, 2, "expected a single line", file);
  return text::trim(lines->front());
}

// "key=value" → value as a counter, for io.stat's nested keys.
std::optional<uint64_t> keyedValue(std::string_view pair, std::string_view key) {
  if (pair.size() <= key.size() || pair.substr(0, key.size()) != key || pair[key.size()] != '=') {
    return std::nullopt;
  }
  return text::parseUint64(pair.substr(key.size() + 1));
}

}  // namespace

Result<uint64_t> parseSingleValue(std::string_view text, std::string_view file) {
  auto line = oneLine(text, file);
  if (!line) return line.error();
  return parseField(*line, "value", 1, file);
}

Result<std::optional<uint64_t>> parseLimit(std::string_view text, std::string_view file) {
  auto line = oneLine(text, file);
  if (!line) return line.error();
  if (*line == "max") return std::optional<uint64_t>{};
  auto value = parseField(*line, "limit", 1, file);
  if (!value) return value.error();
  if (*value >= kNoLimitThreshold) return std::optional<uint64_t>{};
  return std::optional<uint64_t>{*value};
}

std::optional<uint64_t> FlatKeyed::find(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return value;
  }
  return std::nullopt;
}

Result<FlatKeyed> parseFlatKeyed(std::string_view text, std::string_view file) {
  if (text.empty()) return makeError(ErrorCode::kTruncated, "empty input", std::string(file));
  if (text.back() != '\n') return makeError(ErrorCode::kTruncated, "last line does not end in a newline", std::string(file));
  FlatKeyed values;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (line.empty()) continue;
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || line.find(' ', space + 1) != std::string_view::npos) {
      return lineError(ErrorCode::kParse, line_no, "expected 'key value'", file);
    }
    auto value = parseField(line.substr(space + 1), line.substr(0, space), line_no, file);
    if (!value) return value.error();
    values.add(line.substr(0, space), *value);
  }
  return values;
}

Result<DiskBytes> parseBlkioServiceBytes(std::string_view text, std::string_view file) {
  auto lines = completeLines(text, file, /*allow_empty=*/true);
  if (!lines) return lines.error();
  DiskBytes bytes;
  for (size_t i = 0; i < lines->size(); ++i) {
    const auto fields = text::splitFields((*lines)[i]);
    if (fields.empty()) continue;
    if (fields.size() == 2 && fields[0] == "Total") {
      if (auto total = parseField(fields[1], "Total", i + 1, file); !total) return total.error();
      continue;
    }
    if (fields.size() != 3) return lineError(ErrorCode::kParse, i + 1, "expected 'major:minor operation bytes'", file);
    if (fields[0].find(':') == std::string_view::npos) {
      return lineError(ErrorCode::kParse, i + 1, "device is not major:minor", file);
    }
    auto value = parseField(fields[2], fields[1], i + 1, file);
    if (!value) return value.error();
    // Sync/Async/Total/Discard lines repeat Read and Write: count each byte once.
    if (fields[1] == "Read") bytes.read_bytes += *value;
    if (fields[1] == "Write") bytes.write_bytes += *value;
  }
  return bytes;
}

Result<DiskBytes> parseIoStat(std::string_view text) {
  constexpr std::string_view kFile = "io.stat";
  auto lines = completeLines(text, kFile, /*allow_empty=*/true);
  if (!lines) return lines.error();
  DiskBytes bytes;
  for (size_t i = 0; i < lines->size(); ++i) {
    const auto fields = text::splitFields((*lines)[i]);
    if (fields.empty()) continue;
    if (fields[0].find(':') == std::string_view::npos) {
      return lineError(ErrorCode::kParse, i + 1, "device is not major:minor", kFile);
    }
    bool has_read = false;
    bool has_write = false;
    for (size_t f = 1; f < fields.size(); ++f) {
      if (fields[f].find('=') == std::string_view::npos) {
        return lineError(ErrorCode::kParse, i + 1, "expected key=value", kFile);
      }
      if (auto read = keyedValue(fields[f], "rbytes")) bytes.read_bytes += *read, has_read = true;
      if (auto write = keyedValue(fields[f], "wbytes")) bytes.write_bytes += *write, has_write = true;
    }
    if (!has_read || !has_write) return lineError(ErrorCode::kParse, i + 1, "no rbytes/wbytes", kFile);
  }
  return bytes;
}

Result<Pressure> parsePressure(std::string_view text, std::string_view file) {
  auto lines = completeLines(text, file);
  if (!lines) return lines.error();
  Pressure pressure;
  for (size_t i = 0; i < lines->size(); ++i) {
    const auto fields = text::splitFields((*lines)[i]);
    if (fields.empty()) continue;
    double* target = fields[0] == "some"   ? &pressure.some_avg10_percent
                     : fields[0] == "full" ? &pressure.full_avg10_percent
                                           : nullptr;
    if (target == nullptr) return lineError(ErrorCode::kParse, i + 1, "expected 'some' or 'full'", file);
    if (fields.size() < 2 || !text::startsWith(fields[1], "avg10=")) {
      return lineError(ErrorCode::kParse, i + 1, "no avg10", file);
    }
    auto value = text::parseDouble(fields[1].substr(6));
    if (!value || *value < 0 || *value > 100) {
      return lineError(ErrorCode::kParse, i + 1, "avg10 is not a percentage", file);
    }
    *target = *value;
    if (fields[0] != "some") continue;
    for (size_t f = 2; f < fields.size(); ++f) {
      if (!text::startsWith(fields[f], "total=")) continue;
      auto total = text::parseUint64(fields[f].substr(6));
      if (!total) return lineError(ErrorCode::kParse, i + 1, "total is not a count of microseconds", file);
      pressure.some_total_us = *total;
    }
  }
  return pressure;
}

Result<std::vector<int>> parseCgroupProcs(std::string_view text) {
  constexpr std::string_view kFile = "cgroup.procs";
  auto lines = completeLines(text, kFile, /*allow_empty=*/true);
  if (!lines) return lines.error();
  std::vector<int> pids;
  pids.reserve(lines->size());
  for (size_t i = 0; i < lines->size(); ++i) {
    auto pid = text::parseUint64(text::trim((*lines)[i]));
    if (!pid || *pid == 0 || *pid > 0x3fffffff) {  // PID_MAX_LIMIT is 2^22; be generous, stay in int
      return lineError(ErrorCode::kParse, i + 1, "not a pid", kFile);
    }
    pids.push_back(static_cast<int>(*pid));
  }
  return pids;
}

}  // namespace kubemonitor::cgroup
