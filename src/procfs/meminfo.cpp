#include "procfs/meminfo.h"

#include <limits>
#include <string>

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kFormat = "meminfo";
constexpr uint64_t kBytesPerKb = 1024;  // meminfo's "kB" is 1024 bytes (fs/proc/meminfo.c show_val_kb)

uint64_t* slotFor(Meminfo& m, std::string_view key) {
  if (key == "MemTotal") return &m.mem_total_bytes;
  if (key == "MemFree") return &m.mem_free_bytes;
  if (key == "MemAvailable") return &m.mem_available_bytes;
  if (key == "Buffers") return &m.buffers_bytes;
  if (key == "Cached") return &m.cached_bytes;
  if (key == "SReclaimable") return &m.s_reclaimable_bytes;
  if (key == "Shmem") return &m.shmem_bytes;
  if (key == "AnonPages") return &m.anon_pages_bytes;
  if (key == "SwapTotal") return &m.swap_total_bytes;
  if (key == "SwapFree") return &m.swap_free_bytes;
  return nullptr;
}

}  // namespace

Result<Meminfo> parseMeminfo(std::string_view text) {
  auto lines = detail::completeLines(text, kFormat);
  if (!lines) return lines.error();

  Meminfo m;
  bool have_total = false, have_free = false;
  for (size_t i = 0; i < lines->size(); ++i) {
    const size_t line_no = i + 1;
    const std::string_view line = (*lines)[i];
    if (text::trim(line).empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return detail::lineError(ErrorCode::kParse, line_no, "expected 'Key: value'", kFormat);
    }
    const std::string_view key = line.substr(0, colon);
    const auto fields = text::splitFields(line.substr(colon + 1));
    if (fields.empty()) {
      return detail::lineError(ErrorCode::kTruncated, line_no, std::string(key) + " has no value", kFormat);
    }
    if (fields.size() > 2 || (fields.size() == 2 && fields[1] != "kB")) {
      return detail::lineError(ErrorCode::kParse, line_no, std::string(key) + " has an unknown unit", kFormat);
    }
    auto value = detail::parseField(fields[0], key, line_no, kFormat);
    if (!value) return value.error();
    uint64_t bytes = *value;
    if (fields.size() == 2) {
      if (bytes > std::numeric_limits<uint64_t>::max() / kBytesPerKb) {
        return detail::lineError(ErrorCode::kParse, line_no, std::string(key) + " overflows 64 bits in bytes",
                                 kFormat);
      }
      bytes *= kBytesPerKb;
    }
    if (uint64_t* slot = slotFor(m, key)) {
      // Every key we keep is a size in kB; a bare number there would be read 1024× too small.
      if (fields.size() != 2) {
        return detail::lineError(ErrorCode::kParse, line_no, std::string(key) + " lacks its kB unit", kFormat);
      }
      *slot = bytes;
    }
    if (key == "MemTotal") have_total = true;
    if (key == "MemFree") have_free = true;
    if (key == "MemAvailable") m.has_mem_available = true;
  }
  if (!have_total) return makeError(ErrorCode::kParse, "no MemTotal line", std::string(kFormat));
  if (!have_free) return makeError(ErrorCode::kParse, "no MemFree line", std::string(kFormat));
  return m;
}

}  // namespace kubemonitor::procfs
