// Fuzzes the embedded engine's on-disk decoders: the input as a block file (decodeBlock) and as a
// WAL report record (decodeReportRecord). Any input must give a value or an error, never a crash;
// whatever decodes must encode again and decode to the same reports.

#include <cstdint>
#include <cstdlib>
#include <span>

#include "tsdb/block.h"
#include "tsdb/report_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemonitor::tsdb;
  const std::span<const uint8_t> input(data, size);
  if (auto record = decodeReportRecord(input); record.ok()) {
    auto again = decodeReportRecord(encodeReportRecord(*record));
    if (!again.ok() || again->pods.size() != record->pods.size()) std::abort();
  }
  auto block = decodeBlock(input);
  if (block.ok() && !block->reports.empty()) {
    auto encoded = encodeBlock(block->header, block->reports);
    if (!encoded.ok()) return 0;  // e.g. a pod listed twice in one report: refused, not a crash
    auto again = decodeBlock(*encoded);
    if (!again.ok() || again->reports.size() != block->reports.size() || again->corrupt_entries != 0) std::abort();
  }
  return 0;
}
