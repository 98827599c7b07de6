#pragma once
// Small, allocation-free helpers for the kernel's whitespace-separated text formats.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kubemonitor::text {

// Decimal unsigned integer, the whole view; nullopt on anything else (sign, overflow, garbage).
std::optional<uint64_t> parseUint64(std::string_view s);
std::optional<int64_t> parseInt64(std::string_view s);
// A finite decimal number ("12.34"); nullopt on garbage.
std::optional<double> parseDouble(std::string_view s);

std::string_view trim(std::string_view s);
bool startsWith(std::string_view s, std::string_view prefix);

// Splits on runs of spaces/tabs; no empty fields.
std::vector<std::string_view> splitFields(std::string_view line);

// Iterates lines without copying; the last line need not end in '\n'.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : rest_(text) {}
  // Next line without its '\n'; false at the end.
  bool next(std::string_view& line);
  // True when the text handed out so far ended with '\n' (a complete last line).
  bool lastLineTerminated() const { return last_terminated_; }

 private:
  std::string_view rest_;
  bool last_terminated_ = true;
};

}  // namespace kubemonitor::text
