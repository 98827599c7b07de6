#include "procfs/uptime.h"

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kFormat = "uptime";

Result<double> parseSeconds(std::string_view value, std::string_view field) {
  auto seconds = text::parseDouble(value);
  if (!seconds || *seconds < 0) {
    return detail::lineError(ErrorCode::kParse, 1,
                             std::string(field) + " is not a non-negative number: '" +
                                 std::string(value.substr(0, 32)) + "'",
                             kFormat);
  }
  return *seconds;
}

}  // namespace

Result<Uptime> parseUptime(std::string_view text) {
  auto lines = detail::completeLines(text, kFormat);
  if (!lines) return lines.error();
  if (lines->size() != 1) {
    return makeError(ErrorCode::kParse, "expected one line, got " + std::to_string(lines->size()),
                     std::string(kFormat));
  }
  const auto fields = text::splitFields((*lines)[0]);
  if (fields.size() < 2) return detail::lineError(ErrorCode::kTruncated, 1, "expected 2 numbers", kFormat);
  if (fields.size() > 2) return detail::lineError(ErrorCode::kParse, 1, "expected 2 numbers", kFormat);
  auto uptime = parseSeconds(fields[0], "uptime");
  if (!uptime) return uptime.error();
  auto idle = parseSeconds(fields[1], "idle");
  if (!idle) return idle.error();
  return Uptime{*uptime, *idle};
}

}  // namespace kubemonitor::procfs
