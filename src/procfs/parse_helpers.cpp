#include "procfs/parse_helpers.h"

#include "common/text.h"

namespace kubemonitor::procfs::detail {

Result<std::vector<std::string_view>> completeLines(std::string_view text, std::string_view format,
                                                    bool allow_empty) {
  if (text.empty()) {
    if (allow_empty) return std::vector<std::string_view>{};
    return makeError(ErrorCode::kTruncated, "empty input", std::string(format));
  }
  std::vector<std::string_view> lines;
  text::LineReader reader(text);
  std::string_view line;
  while (reader.next(line)) lines.push_back(line);
  if (!reader.lastLineTerminated()) {
    return lineError(ErrorCode::kTruncated, lines.size(), "last line does not end in a newline", format);
  }
  return lines;
}

Result<uint64_t> parseField(std::string_view value, std::string_view field, size_t line_no,
                            std::string_view format) {
  if (auto number = text::parseUint64(value)) return *number;
  std::string what = "field ";
  what += field;
  what += " is not an unsigned integer: '";
  what += value.substr(0, 32);  // bounded: a garbled file must not make a megabyte message
  what += "'";
  return lineError(ErrorCode::kParse, line_no, what, format);
}

Error lineError(ErrorCode code, size_t line_no, std::string_view what, std::string_view format) {
  std::string message = "line ";
  message += std::to_string(line_no);
  message += ": ";
  message += what;
  return makeError(code, std::move(message), std::string(format));
}

}  // namespace kubemonitor::procfs::detail
