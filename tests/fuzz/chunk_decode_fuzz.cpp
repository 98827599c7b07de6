// Fuzzes tsdb chunk decoding: any bytes must give a value or an error, never a crash or a huge
// allocation. Whatever decodes must re-encode and decode to the very same samples. Each input is
// tried twice: as is, and with its last 4 bytes replaced by the right CRC32C, because random
// mutations almost never keep the checksum and the structural checks behind it need fuzzing too.

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tsdb/chunk.h"
#include "tsdb/crc32c.h"

namespace {

void decodeAndRoundTrip(std::span<const uint8_t> bytes) {
  using namespace kubemonitor::tsdb;
  auto decoded = decodeChunk(bytes);
  if (!decoded) return;
  if (decoded->samples.size() != decoded->info.sample_count) std::abort();
  ChunkEncoder encoder(decoded->info.kind);
  for (const Sample& s : decoded->samples) {
    if (!encoder.append(s.ts_ms, s.value).ok()) std::abort();  // decoded timestamps must be increasing
  }
  auto again = decodeChunk(encoder.finish());
  if (!again || again->samples != decoded->samples) std::abort();  // encoder and decoder disagree
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  decodeAndRoundTrip({data, size});
  if (size < 4) return 0;
  std::vector<uint8_t> fixed(data, data + size);
  const uint32_t crc = kubemonitor::tsdb::crc32c(std::span<const uint8_t>(fixed).first(size - 4));
  for (size_t i = 0; i < 4; ++i) fixed[size - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  decodeAndRoundTrip(fixed);
  return 0;
}
