#pragma once
// Shared plumbing for the procfs parsers: split kernel text into complete lines and turn fields
// into numbers, with errors that name the format, the line and the field. Not a public API of
// its own; the parsers' headers are.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor::procfs::detail {

// The lines of `text`, without their '\n'. The kernel ends every one of these files with '\n', so
// empty text or a last line without one is kTruncated (a short read, or a file cut by a copy).
// `format` names the file in errors ("stat", "meminfo", ...).
Result<std::vector<std::string_view>> completeLines(std::string_view text, std::string_view format,
                                                    bool allow_empty = false);

// Field `field` of line `line_no` (1-based) as a decimal counter; kParse with both names if not.
Result<uint64_t> parseField(std::string_view value, std::string_view field, size_t line_no,
                            std::string_view format);

// "line 3: <what>" as an Error of `code` whose subject is the format name.
Error lineError(ErrorCode code, size_t line_no, std::string_view what, std::string_view format);

}  // namespace kubemonitor::procfs::detail
