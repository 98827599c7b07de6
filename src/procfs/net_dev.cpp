#include "procfs/net_dev.h"

#include <array>
#include <string>

#include "common/text.h"
#include "procfs/parse_helpers.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kFormat = "net/dev";
constexpr size_t kHeaderLines = 2;
constexpr std::array<std::string_view, 16> kColumnNames = {
    "rx_bytes", "rx_packets", "rx_errs", "rx_drop", "rx_fifo", "rx_frame", "rx_compressed", "rx_multicast",
    "tx_bytes", "tx_packets", "tx_errs", "tx_drop", "tx_fifo", "tx_colls", "tx_carrier", "tx_compressed"};

}  // namespace

Result<std::vector<NetDevStats>> parseNetDev(std::string_view text) {
  auto lines = detail::completeLines(text, kFormat);
  if (!lines) return lines.error();
  if (lines->size() < kHeaderLines) {
    return makeError(ErrorCode::kTruncated, "fewer than two header lines", std::string(kFormat));
  }
  for (size_t i = 0; i < kHeaderLines; ++i) {
    // "Inter-|   Receive ...|  Transmit" and " face |bytes ...": both separate sections with '|'.
    if ((*lines)[i].find('|') == std::string_view::npos) {
      return detail::lineError(ErrorCode::kParse, i + 1, "not a net/dev header line", kFormat);
    }
  }

  std::vector<NetDevStats> interfaces;
  for (size_t i = kHeaderLines; i < lines->size(); ++i) {
    const size_t line_no = i + 1;
    const std::string_view line = (*lines)[i];
    if (text::trim(line).empty()) continue;
    // Interface names cannot contain ':' (net/core/dev.c dev_valid_name), so the first one ends it.
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return detail::lineError(ErrorCode::kParse, line_no, "expected 'interface: counters'", kFormat);
    }
    const std::string_view name = text::trim(line.substr(0, colon));
    if (name.empty()) return detail::lineError(ErrorCode::kParse, line_no, "empty interface name", kFormat);
    const auto fields = text::splitFields(line.substr(colon + 1));
    if (fields.size() < kColumnNames.size()) {
      return detail::lineError(ErrorCode::kTruncated, line_no,
                               "expected 16 counters, got " + std::to_string(fields.size()), kFormat);
    }
    std::array<uint64_t, kColumnNames.size()> values{};
    for (size_t f = 0; f < values.size(); ++f) {
      auto value = detail::parseField(fields[f], kColumnNames[f], line_no, kFormat);
      if (!value) return value.error();
      values[f] = *value;
    }
    NetDevStats stats;
    stats.interface = std::string(name);
    stats.rx_bytes = values[0];
    stats.rx_packets = values[1];
    stats.rx_errors = values[2];
    stats.rx_drops = values[3];
    stats.tx_bytes = values[8];
    stats.tx_packets = values[9];
    stats.tx_errors = values[10];
    stats.tx_drops = values[11];
    interfaces.push_back(std::move(stats));
  }
  return interfaces;
}

}  // namespace kubemonitor::procfs
