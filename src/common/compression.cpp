#include "common/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <optional>

namespace kubemonitor {
namespace {

// One whole frame that states its size (what ZSTD_compress writes): decoded in one call into an
// exactly sized string with a per-thread context. Saves creating a context and zero-filling a
// 128 KiB buffer per call, which dominated decoding many small frames (block entries at restart).
std::optional<Result<std::string>> decompressZstdFrame(std::string_view data, size_t max_output_bytes) {
  if (ZSTD_findFrameCompressedSize(data.data(), data.size()) != data.size()) return std::nullopt;
  const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR) return std::nullopt;
  if (size > max_output_bytes) {
    return makeError(ErrorCode::kTooLarge, "decompressed body exceeds " + std::to_string(max_output_bytes) + " bytes");
  }
  thread_local std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return makeError(ErrorCode::kInternal, "ZSTD_createDCtx failed");
  std::string out(static_cast<size_t>(size), '\0');
  const size_t n = ZSTD_decompressDCtx(ctx.get(), out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) return makeError(ErrorCode::kParse, std::string("bad zstd data: ") + ZSTD_getErrorName(n));
  if (n != out.size()) return makeError(ErrorCode::kParse, "bad zstd data: frame shorter than its stated size");
  return out;
}

Result<std::string> decompressZstd(std::string_view data, size_t max_output_bytes) {
  if (auto frame = decompressZstdFrame(data, max_output_bytes)) return std::move(*frame);
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return makeError(ErrorCode::kInternal, "ZSTD_createDCtx failed");
  std::string out;
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t last = 1;
  while (in.pos < in.size) {
    ZSTD_outBuffer outbuf{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(ctx.get(), &outbuf, &in);
    if (ZSTD_isError(last)) return makeError(ErrorCode::kParse, std::string("bad zstd data: ") + ZSTD_getErrorName(last));
    if (out.size() + outbuf.pos > max_output_bytes) {
      return makeError(ErrorCode::kTooLarge, "decompressed body exceeds " + std::to_string(max_output_bytes) + " bytes");
    }
    out.append(chunk.data(), outbuf.pos);
    if (outbuf.pos == 0 && in.pos < in.size && last == 0) break;  // trailing bytes after a frame
  }
  // Drain output still buffered inside the decoder.
  while (last != 0) {
    ZSTD_outBuffer outbuf{chunk.data(), chunk.size(), 0};
    last = ZSTD_decompressStream(ctx.get(), &outbuf, &in);
    if (ZSTD_isError(last)) return makeError(ErrorCode::kParse, std::string("bad zstd data: ") + ZSTD_getErrorName(last));
    if (outbuf.pos == 0) break;
    if (out.size() + outbuf.pos > max_output_bytes) {
      return makeError(ErrorCode::kTooLarge, "decompressed body exceeds " + std::to_string(max_output_bytes) + " bytes");
    }
    out.append(chunk.data(), outbuf.pos);
  }
  if (last != 0) return makeError(ErrorCode::kTruncated, "zstd frame is truncated");
  return out;
}

Result<std::string> decompressGzip(std::string_view data, size_t max_output_bytes) {
  z_stream zs{};
  // 15 window bits + 32: accept both gzip and zlib headers.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return makeError(ErrorCode::kInternal, "inflateInit2 failed");
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, inflateEnd);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      if (rc == Z_BUF_ERROR && zs.avail_in == 0) return makeError(ErrorCode::kTruncated, "gzip stream is truncated");
      return makeError(ErrorCode::kParse, std::string("bad gzip data: ") + (zs.msg ? zs.msg : "inflate failed"));
    }
    const size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > max_output_bytes) {
      return makeError(ErrorCode::kTooLarge, "decompressed body exceeds " + std::to_string(max_output_bytes) + " bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_OK && produced == 0 && zs.avail_in == 0) return makeError(ErrorCode::kTruncated, "gzip stream is truncated");
  }
  return out;
}

}  // namespace

Result<ContentEncoding> parseContentEncoding(std::string_view header) {
  if (header.empty() || header == "identity") return ContentEncoding::kIdentity;
  if (header == "zstd") return ContentEncoding::kZstd;
  if (header == "gzip" || header == "x-gzip") return ContentEncoding::kGzip;
  return makeError(ErrorCode::kInvalidArgument, "unsupported Content-Encoding (use zstd, gzip or identity)",
                   std::string(header));
}

std::string_view contentEncodingName(ContentEncoding encoding) {
  switch (encoding) {
    case ContentEncoding::kIdentity: return "identity";
    case ContentEncoding::kZstd: return "zstd";
    case ContentEncoding::kGzip: return "gzip";
  }
  return "identity";
}

std::string compressZstd(std::string_view data, int level) {
  // One context per thread, reused: creating one per call allocates and zero-fills its tables
  // (~1 MiB at level 3), which was a sixth of the agent's CPU per cycle at 10 pods.
  thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ctx ? ZSTD_compressCCtx(ctx.get(), out.data(), out.size(), data.data(), data.size(), level)
                       : ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

std::string compressGzip(std::string_view data, int level) {
  z_stream zs{};
  // 15 window bits + 16: write a gzip (not zlib) header.
  deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Result<std::string> decompress(ContentEncoding encoding, std::string_view data, size_t max_output_bytes) {
  switch (encoding) {
    case ContentEncoding::kIdentity:
      if (data.size() > max_output_bytes) {
        return makeError(ErrorCode::kTooLarge, "body exceeds " + std::to_string(max_output_bytes) + " bytes");
      }
      return std::string(data);
    case ContentEncoding::kZstd: return decompressZstd(data, max_output_bytes);
    case ContentEncoding::kGzip: return decompressGzip(data, max_output_bytes);
  }
  return makeError(ErrorCode::kInternal, "unknown encoding");
}

}  // namespace kubemonitor
