// Fuzzes tsdb chunk decoding: any bytes must give a value or an error, never a crash or a huge
// allocation. Whatever decodes must re-encode and decode to the very same samples.

#include <cstdint>
#include <cstdlib>

#include "tsdb/chunk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemonitor::tsdb;
  auto decoded = decodeChunk({data, size});
  if (!decoded) return 0;
  if (decoded->samples.size() != decoded->info.sample_count) std::abort();
  ChunkEncoder encoder(decoded->info.kind);
  for (const Sample& s : decoded->samples) {
    if (!encoder.append(s.ts_ms, s.value).ok()) std::abort();  // decoded timestamps must be increasing
  }
  auto again = decodeChunk(encoder.finish());
  if (!again || again->samples != decoded->samples) std::abort();  // encoder and decoder disagree
  return 0;
}
