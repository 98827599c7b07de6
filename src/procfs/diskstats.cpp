#include "procfs/diskstats.h"

#include <array>
#include <limits>
#include <string>

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kFormat = "diskstats";
constexpr uint64_t kSectorBytes = 512;  // iostats.rst: diskstats sectors are always 512 bytes
constexpr size_t kFieldsBefore418 = 14;
constexpr size_t kFieldsWithDiscards = 18;  // 4.18
constexpr size_t kFieldsWithFlushes = 20;   // 5.5

// Names of the fields after "major minor name", numbered as in iostats.rst.
constexpr std::array<std::string_view, 17> kStatNames = {
    "reads_completed", "reads_merged",     "sectors_read",      "read_time_ms",      "writes_completed",
    "writes_merged",   "sectors_written",  "write_time_ms",     "ios_in_progress",   "io_time_ms",
    "weighted_io_time_ms", "discards_completed", "discards_merged", "sectors_discarded", "discard_time_ms",
    "flushes_completed", "flush_time_ms"};

}  // namespace

uint64_t DiskStats::readBytes() const { return sectors_read * kSectorBytes; }
uint64_t DiskStats::writtenBytes() const { return sectors_written * kSectorBytes; }

Result<std::vector<DiskStats>> parseDiskstats(std::string_view text) {
  auto lines = detail::completeLines(text, kFormat, /*allow_empty=*/true);
  if (!lines) return lines.error();

  std::vector<DiskStats> disks;
  disks.reserve(lines->size());
  for (size_t i = 0; i < lines->size(); ++i) {
    const size_t line_no = i + 1;
    const auto fields = text::splitFields((*lines)[i]);
    if (fields.empty()) continue;
    const size_t n = fields.size();
    if (n < kFieldsBefore418) {
      return detail::lineError(ErrorCode::kTruncated, line_no,
                               "expected 14, 18 or 20 fields, got " + std::to_string(n), kFormat);
    }
    if (n != kFieldsBefore418 && n != kFieldsWithDiscards && n < kFieldsWithFlushes) {
      return detail::lineError(ErrorCode::kParse, line_no,
                               "expected 14, 18 or 20 fields, got " + std::to_string(n), kFormat);
    }
    auto major = detail::parseField(fields[0], "major", line_no, kFormat);
    if (!major) return major.error();
    auto minor = detail::parseField(fields[1], "minor", line_no, kFormat);
    if (!minor) return minor.error();
    if (*major > std::numeric_limits<uint32_t>::max() || *minor > std::numeric_limits<uint32_t>::max()) {
      return detail::lineError(ErrorCode::kParse, line_no, "device number out of range", kFormat);
    }
    std::array<uint64_t, kStatNames.size()> stats{};
    for (size_t f = 0; f < stats.size() && f + 3 < n; ++f) {
      auto value = detail::parseField(fields[f + 3], kStatNames[f], line_no, kFormat);
      if (!value) return value.error();
      stats[f] = *value;
    }
    DiskStats disk;
    disk.major = static_cast<uint32_t>(*major);
    disk.minor = static_cast<uint32_t>(*minor);
    disk.name = std::string(fields[2]);
    disk.reads_completed = stats[0];
    disk.sectors_read = stats[2];
    disk.writes_completed = stats[4];
    disk.sectors_written = stats[6];
    disk.io_time_ms = stats[9];
    disks.push_back(std::move(disk));
  }
  return disks;
}

}  // namespace kubemonitor::procfs
