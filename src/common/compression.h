#pragma once
// Report bodies travel zstd-compressed (gzip accepted too). Decompression is bounded so that a
// small hostile body cannot expand into gigabytes ("zip bomb").

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kubemonitor {

enum class ContentEncoding { kIdentity, kZstd, kGzip };

// Maps a Content-Encoding header value ("zstd", "gzip", "identity" or empty); unknown → error.
Result<ContentEncoding> parseContentEncoding(std::string_view header);
std::string_view contentEncodingName(ContentEncoding encoding);

// zstd level 3 is zstd's default: about 1 ms for a 100 kB report, ratio ~10 on report JSON.
std::string compressZstd(std::string_view data, int level = 3);
// gzip level 6 (zlib's default) for files compressed once; level 1 for answers compressed per
// request, about 4× faster for a ratio on API JSON only ~20 % worse.
std::string compressGzip(std::string_view data, int level = 6);

// Decodes `data`; kTooLarge when the output would exceed max_output_bytes, kParse when corrupt
// or truncated.
Result<std::string> decompress(ContentEncoding encoding, std::string_view data, size_t max_output_bytes);

}  // namespace kubemonitor
