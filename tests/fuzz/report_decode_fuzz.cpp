// Fuzzes ingest decoding: decompression (zstd, gzip, bounded) and the strict report decoder.
// Whatever decodes must encode and decode again to the same report.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/compression.h"
#include "model/report_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemonitor;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (auto encoding : {ContentEncoding::kZstd, ContentEncoding::kGzip}) {
    auto inflated = decompress(encoding, input, 1 << 20);
    if (inflated) (void)model::decodeReport(*inflated);
  }
  auto report = model::decodeReport(input);
  if (!report) return 0;
  auto again = model::decodeReport(model::encodeReport(*report));
  if (!again || again->pods.size() != report->pods.size() || again->timestamp_ms != report->timestamp_ms ||
      again->node_usage.disk_write_bytes != report->node_usage.disk_write_bytes) {
    std::abort();  // encoder and decoder disagree
  }
  return 0;
}
