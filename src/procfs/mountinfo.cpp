#include "procfs/mountinfo.h"

#include <limits>
#include <string>

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kFormat = "mountinfo";
constexpr size_t kFieldsBeforeOptional = 6;  // (1) to (6)
constexpr size_t kFieldsAfterSeparator = 3;  // (9) to (11)

bool isOctalDigit(char c) { return c >= '0' && c <= '7'; }

// Fields are separated by exactly one space (fs/proc_namespace.c show_mountinfo), and a field may
// be empty: `mount -t tmpfs "" /x` gives an empty source ("- tmpfs  rw"). splitFields would drop it.
std::vector<std::string_view> splitOnSpaces(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const size_t space = line.find(' ', start);
    if (space == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, space - start));
    start = space + 1;
  }
}

Result<uint32_t> parseId(std::string_view value, std::string_view field, size_t line_no) {
  auto number = detail::parseField(value, field, line_no, kFormat);
  if (!number) return number.error();
  if (*number > std::numeric_limits<uint32_t>::max()) {
    return detail::lineError(ErrorCode::kParse, line_no, std::string(field) + " out of range", kFormat);
  }
  return static_cast<uint32_t>(*number);
}

}  // namespace

std::string decodeMountinfoEscapes(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    // Only \000..\377 fit a byte; the kernel writes exactly three digits.
    if (field[i] == '\\' && i + 3 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '3' &&
        isOctalDigit(field[i + 2]) && isOctalDigit(field[i + 3])) {
      out.push_back(static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(field[i]);
    }
  }
  return out;
}

Result<std::vector<MountInfo>> parseMountinfo(std::string_view text) {
  auto lines = detail::completeLines(text, kFormat);
  if (!lines) return lines.error();

  std::vector<MountInfo> mounts;
  mounts.reserve(lines->size());
  for (size_t i = 0; i < lines->size(); ++i) {
    const size_t line_no = i + 1;
    if ((*lines)[i].empty()) continue;
    const auto fields = splitOnSpaces((*lines)[i]);
    if (fields.size() < kFieldsBeforeOptional + 1 + kFieldsAfterSeparator) {
      return detail::lineError(ErrorCode::kTruncated, line_no,
                               "expected at least 10 fields, got " + std::to_string(fields.size()), kFormat);
    }
    size_t separator = kFieldsBeforeOptional;
    while (separator < fields.size() && fields[separator] != "-") ++separator;
    if (separator == fields.size()) {
      return detail::lineError(ErrorCode::kParse, line_no, "no '-' separator", kFormat);
    }
    const size_t after = fields.size() - separator - 1;
    if (after < kFieldsAfterSeparator) {
      return detail::lineError(ErrorCode::kTruncated, line_no, "fewer than 3 fields after '-'", kFormat);
    }
    if (after > kFieldsAfterSeparator) {
      return detail::lineError(ErrorCode::kParse, line_no, "more than 3 fields after '-'", kFormat);
    }

    MountInfo m;
    auto mount_id = parseId(fields[0], "mount_id", line_no);
    if (!mount_id) return mount_id.error();
    auto parent_id = parseId(fields[1], "parent_id", line_no);
    if (!parent_id) return parent_id.error();
    const std::string_view dev = fields[2];
    const size_t colon = dev.find(':');
    if (colon == std::string_view::npos) {
      return detail::lineError(ErrorCode::kParse, line_no, "major:minor has no ':'", kFormat);
    }
    auto major = parseId(dev.substr(0, colon), "major", line_no);
    if (!major) return major.error();
    auto minor = parseId(dev.substr(colon + 1), "minor", line_no);
    if (!minor) return minor.error();
    m.mount_id = *mount_id;
    m.parent_id = *parent_id;
    m.major = *major;
    m.minor = *minor;
    m.root = decodeMountinfoEscapes(fields[3]);
    m.mount_point = decodeMountinfoEscapes(fields[4]);
    m.mount_options = decodeMountinfoEscapes(fields[5]);
    for (size_t f = kFieldsBeforeOptional; f < separator; ++f) {
      m.optional_fields.push_back(decodeMountinfoEscapes(fields[f]));
    }
    m.fs_type = decodeMountinfoEscapes(fields[separator + 1]);
    m.source = decodeMountinfoEscapes(fields[separator + 2]);
    m.super_options = decodeMountinfoEscapes(fields[separator + 3]);
    mounts.push_back(std::move(m));
  }
  return mounts;
}

}  // namespace kubemonitor::procfs
