#include "procfs/pid_io.h"

#include <array>
#include <string>
#include <utility>

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kFormat = "io";

}  // namespace

Result<PidIo> parsePidIo(std::string_view text) {
  auto lines = detail::completeLines(text, kFormat);
  if (!lines) return lines.error();

  PidIo io;
  const std::array<std::pair<std::string_view, uint64_t*>, 7> slots = {{
      {"rchar", &io.rchar},
      {"wchar", &io.wchar},
      {"syscr", &io.syscr},
      {"syscw", &io.syscw},
      {"read_bytes", &io.read_bytes},
      {"write_bytes", &io.write_bytes},
      {"cancelled_write_bytes", &io.cancelled_write_bytes},
  }};
  std::array<bool, slots.size()> seen{};
  for (size_t i = 0; i < lines->size(); ++i) {
    const size_t line_no = i + 1;
    const std::string_view line = (*lines)[i];
    if (text::trim(line).empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return detail::lineError(ErrorCode::kParse, line_no, "expected 'key: value'", kFormat);
    }
    const std::string_view key = text::trim(line.substr(0, colon));
    const std::string_view value = text::trim(line.substr(colon + 1));
    if (value.empty()) {
      return detail::lineError(ErrorCode::kTruncated, line_no, std::string(key) + " has no value", kFormat);
    }
    auto number = detail::parseField(value, key, line_no, kFormat);
    if (!number) return number.error();
    for (size_t s = 0; s < slots.size(); ++s) {
      if (slots[s].first == key) {
        *slots[s].second = *number;
        seen[s] = true;
      }
    }
  }
  for (size_t s = 0; s < slots.size(); ++s) {
    if (!seen[s]) {
      return makeError(ErrorCode::kParse, "no " + std::string(slots[s].first) + " line", std::string(kFormat));
    }
  }
  return io;
}

}  // namespace kubemonitor::procfs
