#include "tsdb/chunk.h"

#include <cmath>
#include <optional>
#include <string_view>

#include "common/compression.h"
#include "tsdb/byte_codec.h"
#include "tsdb/crc32c.h"

namespace kubemonitor::tsdb {
namespace {

constexpr uint8_t kMagic0 = 'K';
constexpr uint8_t kMagic1 = 'C';
constexpr uint8_t kVersion = 1;
constexpr uint8_t kEncodingMask = 0x0F;
constexpr uint8_t kScaleShift = 4;
constexpr uint8_t kScaleMask = 0x30;
constexpr uint8_t kZstdFlag = 0x80;
constexpr size_t kChecksumBytes = 4;
// Worst case per sample: timestamp "1111" + 64 bits, value "11" + 5 + 6 + 64 bits = 145 bits.
constexpr size_t kMaxPayloadBytesPerSample = 19;
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53: int64 → double stays exact below it

uint8_t scaleCode(uint32_t scale) { return scale == 0 ? 0 : scale == 1 ? 1 : 2; }

std::optional<uint32_t> scaleOfCode(uint8_t code) {
  switch (code) {
    case 0: return 0U;
    case 1: return 1U;
    case 2: return 1000U;
    default: return std::nullopt;
  }
}

// `value` as the integer n with n / scale == value bit for bit, or nothing.
std::optional<int64_t> toScaled(double value, uint32_t scale) {
  const double scaled = value * static_cast<double>(scale);
  if (!(std::fabs(scaled) < kMaxExactInteger)) return std::nullopt;  // also rejects NaN and ±inf
  const auto n = static_cast<int64_t>(std::nearbyint(scaled));
  const double back = static_cast<double>(n) / static_cast<double>(scale);
  if (std::bit_cast<uint64_t>(back) != std::bit_cast<uint64_t>(value)) return std::nullopt;  // -0.0 too
  return n;
}

Error corrupt(std::string message) { return makeError(ErrorCode::kParse, "corrupt chunk: " + std::move(message)); }

}  // namespace

std::string_view valueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kDouble: return "double";
    case ValueKind::kUint64: return "uint64";
  }
  return "unknown";
}

std::string_view valueEncodingName(ValueEncoding encoding) {
  switch (encoding) {
    case ValueEncoding::kXor: return "xor";
    case ValueEncoding::kDelta: return "delta";
    case ValueEncoding::kDeltaOfDelta: return "delta_of_delta";
  }
  return "unknown";
}

ChunkEncoder::ChunkEncoder(ValueKind kind, ChunkOptions options) : kind_(kind), options_(options) { reset(); }

void ChunkEncoder::reset() {
  timestamps_ = TimestampEncoder();
  timestamp_bits_ = BitWriter();
  candidates_.clear();
  auto add = [this](ValueEncoding encoding, uint32_t scale) {
    const IntegerMode mode = encoding == ValueEncoding::kDeltaOfDelta ? IntegerMode::kDeltaOfDelta : IntegerMode::kDelta;
    candidates_.push_back(Candidate{encoding, scale, XorEncoder(), IntegerEncoder(mode), BitWriter(), true});
  };
  // XOR is always a candidate: it is the fallback that fits every value.
  add(ValueEncoding::kXor, 0);
  for (uint32_t scale : {0U, 1U, 1000U}) {
    if ((scale == 0) != (kind_ == ValueKind::kUint64)) continue;
    if (scale != 0 && !options_.allow_scaled) continue;
    if (options_.allow_delta) add(ValueEncoding::kDelta, scale);
    if (options_.allow_delta_of_delta) add(ValueEncoding::kDeltaOfDelta, scale);
  }
}

Status ChunkEncoder::append(int64_t ts_ms, Value value) {
  if (value.kind != kind_) {
    return makeError(ErrorCode::kInvalidArgument, "a " + std::string(valueKindName(value.kind)) +
                                                      " value appended to a " + std::string(valueKindName(kind_)) +
                                                      " chunk");
  }
  if (size() >= kMaxChunkSamples) {
    return makeError(ErrorCode::kTooLarge, "chunk already holds " + std::to_string(kMaxChunkSamples) + " samples");
  }
  if (auto status = timestamps_.append(ts_ms, timestamp_bits_); !status) return status;
  for (Candidate& candidate : candidates_) {
    if (!candidate.viable) continue;
    if (candidate.encoding == ValueEncoding::kXor) {
      candidate.xor_encoder.append(value.bits, candidate.bits);
    } else if (candidate.scale == 0) {
      candidate.integer_encoder.append(value.bits, candidate.bits);
    } else if (auto n = toScaled(value.asDouble(), candidate.scale)) {
      candidate.integer_encoder.append(static_cast<uint64_t>(*n), candidate.bits);
    } else {
      candidate.viable = false;
      candidate.bits = BitWriter();  // free its memory now
    }
  }
  return {};
}

std::vector<uint8_t> ChunkEncoder::finish() {
  // The smallest viable column; XOR counts only when allowed or when nothing else is left.
  const Candidate* best = nullptr;
  for (const Candidate& candidate : candidates_) {
    if (!candidate.viable || (candidate.encoding == ValueEncoding::kXor && !options_.allow_xor)) continue;
    if (best == nullptr || candidate.bits.bitCount() < best->bits.bitCount()) best = &candidate;
  }
  if (best == nullptr) best = &candidates_.front();

  std::vector<uint8_t> payload = timestamp_bits_.bytes();
  const size_t timestamp_column_bytes = payload.size();
  payload.insert(payload.end(), best->bits.bytes().begin(), best->bits.bytes().end());
  const size_t raw_payload_bytes = payload.size();

  bool zstd = false;
  if (options_.allow_zstd && !payload.empty()) {
    std::string packed = compressZstd(
        std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()), options_.zstd_level);
    if (packed.size() + varintBytes(raw_payload_bytes) < payload.size()) {
      payload.assign(packed.begin(), packed.end());
      zstd = true;
    }
  }

  std::vector<uint8_t> out;
  out.reserve(payload.size() + 32);
  out.push_back(kMagic0);
  out.push_back(kMagic1);
  out.push_back(kVersion);
  out.push_back(static_cast<uint8_t>(kind_));
  out.push_back(static_cast<uint8_t>(static_cast<uint8_t>(best->encoding) |
                                     static_cast<uint8_t>(scaleCode(best->scale) << kScaleShift) |
                                     (zstd ? kZstdFlag : 0)));
  putVarint(out, size());
  if (size() > 0) {
    putVarint(out, zigzagEncode(timestamps_.firstMs()));
    putVarint(out, static_cast<uint64_t>(timestamps_.lastMs()) - static_cast<uint64_t>(timestamps_.firstMs()));
  }
  putVarint(out, timestamp_column_bytes);
  if (zstd) putVarint(out, raw_payload_bytes);
  putVarint(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
  const uint32_t crc = crc32c(out);
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>(crc >> shift));
  reset();
  return out;
}

Result<ChunkIterator> ChunkIterator::open(std::span<const uint8_t> chunk, bool values_only) {
  ByteCursor cursor(chunk, "chunk");
  auto magic0 = cursor.byte("magic");
  if (!magic0) return magic0.error();
  auto magic1 = cursor.byte("magic");
  if (!magic1) return magic1.error();
  if (*magic0 != kMagic0 || *magic1 != kMagic1) return corrupt("bad magic (not a kubemonitor chunk)");
  auto version = cursor.byte("version");
  if (!version) return version.error();
  if (*version != kVersion) return corrupt("unsupported version " + std::to_string(*version));

  ChunkIterator it;
  ChunkInfo& info = it.info_;
  auto kind = cursor.byte("value kind");
  if (!kind) return kind.error();
  if (*kind != static_cast<uint8_t>(ValueKind::kDouble) && *kind != static_cast<uint8_t>(ValueKind::kUint64)) {
    return corrupt("unknown value kind " + std::to_string(*kind));
  }
  info.kind = static_cast<ValueKind>(*kind);
  auto encoding = cursor.byte("encoding");
  if (!encoding) return encoding.error();
  const uint8_t encoding_id = *encoding & kEncodingMask;
  if (encoding_id < static_cast<uint8_t>(ValueEncoding::kXor) ||
      encoding_id > static_cast<uint8_t>(ValueEncoding::kDeltaOfDelta) || (*encoding & 0x40) != 0) {
    return corrupt("unknown encoding byte " + std::to_string(*encoding));
  }
  info.encoding = static_cast<ValueEncoding>(encoding_id);
  const auto scale = scaleOfCode(static_cast<uint8_t>((*encoding & kScaleMask) >> kScaleShift));
  if (!scale) return corrupt("unknown scale in encoding byte " + std::to_string(*encoding));
  info.scale = *scale;
  // Scaling applies only to doubles stored as integers, and doubles stored as integers need it.
  const bool wants_scale = info.kind == ValueKind::kDouble && info.encoding != ValueEncoding::kXor;
  if (wants_scale != (info.scale != 0)) return corrupt("scale does not fit the kind and encoding");
  info.zstd = (*encoding & kZstdFlag) != 0;

  auto count = cursor.varint("sample count");
  if (!count) return count.error();
  if (*count > kMaxChunkSamples) return corrupt("sample count " + std::to_string(*count) + " over the limit");
  info.sample_count = static_cast<uint32_t>(*count);
  if (info.sample_count > 0) {
    auto first = cursor.varint("first timestamp");
    if (!first) return first.error();
    auto span = cursor.varint("timestamp span");
    if (!span) return span.error();
    info.first_ts_ms = zigzagDecode(*first);
    info.last_ts_ms = static_cast<int64_t>(static_cast<uint64_t>(info.first_ts_ms) + *span);
    if ((info.sample_count == 1) != (*span == 0) || info.last_ts_ms < info.first_ts_ms) {
      return corrupt("timestamp span " + std::to_string(*span) + " ms does not fit " +
                     std::to_string(info.sample_count) + " samples");
    }
  }
  auto timestamp_column_bytes = cursor.varint("timestamp column length");
  if (!timestamp_column_bytes) return timestamp_column_bytes.error();
  uint64_t raw_payload_bytes = 0;
  if (info.zstd) {
    auto raw = cursor.varint("raw payload length");
    if (!raw) return raw.error();
    raw_payload_bytes = *raw;
  }
  auto stored_payload_bytes = cursor.varint("payload length");
  if (!stored_payload_bytes) return stored_payload_bytes.error();
  if (*stored_payload_bytes > cursor.remaining() || cursor.remaining() - *stored_payload_bytes < kChecksumBytes) {
    return makeError(ErrorCode::kTruncated, "chunk of " + std::to_string(chunk.size()) + " bytes is shorter than its " +
                                                std::to_string(*stored_payload_bytes) + "-byte payload and checksum");
  }
  if (cursor.remaining() - *stored_payload_bytes != kChecksumBytes) {
    return corrupt(std::to_string(cursor.remaining() - *stored_payload_bytes - kChecksumBytes) +
                   " stray bytes after the checksum");
  }
  if (!info.zstd) raw_payload_bytes = *stored_payload_bytes;
  info.payload_bytes = static_cast<size_t>(*stored_payload_bytes);
  info.chunk_bytes = chunk.size();

  // Checksum before trusting any length further.
  const size_t body_bytes = chunk.size() - kChecksumBytes;
  uint32_t stored_crc = 0;
  for (size_t i = 0; i < kChecksumBytes; ++i) stored_crc |= static_cast<uint32_t>(chunk[body_bytes + i]) << (8 * i);
  const uint32_t actual_crc = crc32c(chunk.first(body_bytes));
  if (stored_crc != actual_crc) {
    return corrupt("CRC32C mismatch (stored " + std::to_string(stored_crc) + ", computed " + std::to_string(actual_crc) + ")");
  }

  // Lengths against the count: each sample after the first needs ≥ 1 timestamp bit and ≥ 1 value
  // bit (XOR's first value 64), and none needs more than kMaxPayloadBytesPerSample.
  if (raw_payload_bytes > static_cast<uint64_t>(info.sample_count) * kMaxPayloadBytesPerSample) {
    return corrupt("payload of " + std::to_string(raw_payload_bytes) + " bytes is too long for " +
                   std::to_string(info.sample_count) + " samples");
  }
  if (*timestamp_column_bytes > raw_payload_bytes) return corrupt("timestamp column longer than the payload");
  std::span<const uint8_t> payload = chunk.subspan(cursor.position(), static_cast<size_t>(*stored_payload_bytes));
  if (info.zstd) {
    auto inflated = decompress(ContentEncoding::kZstd,
                               std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()),
                               static_cast<size_t>(raw_payload_bytes));
    if (!inflated) return corrupt("payload: " + inflated.error().toString());
    if (inflated->size() != raw_payload_bytes) {
      return corrupt("payload inflates to " + std::to_string(inflated->size()) + " bytes, header says " +
                     std::to_string(raw_payload_bytes));
    }
    it.inflated_.assign(inflated->begin(), inflated->end());
    payload = it.inflated_;
  }
  const auto ts_bytes = static_cast<size_t>(*timestamp_column_bytes);
  const size_t value_bytes = payload.size() - ts_bytes;
  if (info.sample_count > 0) {
    const uint64_t later_samples = info.sample_count - 1;
    const size_t first_value_bits = info.encoding == ValueEncoding::kXor ? 64 : 1;
    if (later_samples > ts_bytes * 8 || first_value_bits + later_samples > value_bytes * 8) {
      return corrupt("payload of " + std::to_string(payload.size()) + " bytes is too short for " +
                     std::to_string(info.sample_count) + " samples");
    }
  } else if (!payload.empty()) {
    return corrupt("empty chunk with a payload");
  }
  it.timestamp_reader_ = BitReader(payload.first(ts_bytes));
  it.value_reader_ = BitReader(payload.subspan(ts_bytes));
  it.timestamp_decoder_ = TimestampDecoder(info.first_ts_ms);
  it.integer_decoder_ =
      IntegerDecoder(info.encoding == ValueEncoding::kDeltaOfDelta ? IntegerMode::kDeltaOfDelta : IntegerMode::kDelta);
  it.values_only_ = values_only;
  return it;
}

Result<bool> ChunkIterator::next(Sample& out) {
  if (decoded_ == info_.sample_count) {
    if (!values_only_ && !timestamp_reader_.atPaddedEnd()) return corrupt("stray bits after the timestamp column");
    if (!value_reader_.atPaddedEnd()) return corrupt("stray bits after the value column");
    return false;
  }
  Result<int64_t> ts = int64_t{0};
  if (!values_only_) {
    ts = timestamp_decoder_.next(timestamp_reader_);
    if (!ts) return corrupt("timestamp " + std::to_string(decoded_) + ": " + ts.error().toString());
  }
  uint64_t bits = 0;
  if (info_.encoding == ValueEncoding::kXor) {
    auto value = xor_decoder_.next(value_reader_);
    if (!value) return corrupt("value " + std::to_string(decoded_) + ": " + value.error().toString());
    bits = *value;
  } else {
    auto value = integer_decoder_.next(value_reader_);
    if (!value) return corrupt("value " + std::to_string(decoded_) + ": " + value.error().toString());
    bits = *value;
    if (info_.scale != 0) {
      const auto n = static_cast<int64_t>(bits);
      if (!(std::fabs(static_cast<double>(n)) < kMaxExactInteger)) {
        return corrupt("scaled value " + std::to_string(n) + " out of range in sample " + std::to_string(decoded_));
      }
      bits = std::bit_cast<uint64_t>(static_cast<double>(n) / static_cast<double>(info_.scale));
    }
  }
  ++decoded_;
  if (!values_only_ && decoded_ == info_.sample_count && *ts != info_.last_ts_ms) {
    return corrupt("last timestamp " + std::to_string(*ts) + " ms differs from the header's " +
                   std::to_string(info_.last_ts_ms) + " ms");
  }
  out = Sample{*ts, Value{info_.kind, bits}};
  return true;
}

namespace {

Result<DecodedChunk> decodeWholeChunk(std::span<const uint8_t> chunk, bool values_only) {
  auto it = ChunkIterator::open(chunk, values_only);
  if (!it) return it.error();
  DecodedChunk decoded;
  decoded.info = it->info();
  decoded.samples.reserve(decoded.info.sample_count);  // bounded by the payload size in open()
  Sample sample;
  while (true) {
    auto more = it->next(sample);
    if (!more) return more.error();
    if (!*more) break;
    decoded.samples.push_back(sample);
  }
  return decoded;
}

}  // namespace

Result<DecodedChunk> decodeChunk(std::span<const uint8_t> chunk) { return decodeWholeChunk(chunk, false); }

Result<DecodedChunk> decodeChunkValues(std::span<const uint8_t> chunk) { return decodeWholeChunk(chunk, true); }

}  // namespace kubemonitor::tsdb
