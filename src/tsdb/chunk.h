#pragma once
// A sealed chunk: one series' samples (strictly increasing timestamps, one value kind) in a
// self-checking byte string. Codec only: where chunks live is the storage engine's business.
//
// Layout (varints are LEB128, fixed fields little-endian):
//   magic "KC" · version (1) · value kind (1) · encoding (1: bits 0-3 ValueEncoding, bits 4-5
//   scale code, bit 7 zstd) · sample count (varint) · [count > 0: first ts (zigzag varint, ms),
//   last − first (varint, ms)] · timestamp column bytes (varint) · [zstd: raw payload bytes
//   (varint)] · stored payload bytes (varint) · payload · CRC32C of everything before it (4).
// The payload is the timestamp column (TimestampEncoder) then the value column, each byte-aligned.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "tsdb/bit_stream.h"
#include "tsdb/timestamp_codec.h"
#include "tsdb/value_codec.h"

namespace kubemonitor::tsdb {

enum class ValueKind : uint8_t {
  kDouble = 1,  // gauges and rates (cpu_millicores, *_per_sec)
  kUint64 = 2,  // quantities and counters (bytes, cpu_usage_ns, packets)
};

enum class ValueEncoding : uint8_t {
  kXor = 1,           // Gorilla XOR of the 64-bit pattern
  kDelta = 2,         // IntegerMode::kDelta
  kDeltaOfDelta = 3,  // IntegerMode::kDeltaOfDelta
};

std::string_view valueKindName(ValueKind kind);
std::string_view valueEncodingName(ValueEncoding encoding);

// One value of either kind, compared bit for bit (so NaN == NaN with the same payload, -0.0 != 0.0).
struct Value {
  ValueKind kind = ValueKind::kDouble;
  uint64_t bits = 0;  // the double's bit pattern, or the integer

  static Value ofDouble(double value) { return {ValueKind::kDouble, std::bit_cast<uint64_t>(value)}; }
  static Value ofUint64(uint64_t value) { return {ValueKind::kUint64, value}; }
  double asDouble() const { return std::bit_cast<double>(bits); }
  uint64_t asUint64() const { return bits; }
  bool operator==(const Value&) const = default;
};

struct Sample {
  int64_t ts_ms = 0;  // Unix time, ms
  Value value;
  bool operator==(const Sample&) const = default;
};

// Which encodings finish() may choose from; it keeps the smallest. XOR is the fallback that always
// fits, so a chunk of doubles that cannot be scaled is XOR even when allow_xor is false.
struct ChunkOptions {
  bool allow_xor = true;
  bool allow_delta = true;
  bool allow_delta_of_delta = true;
  // Doubles that are whole (scale 1) or have at most 3 decimals (scale 1000) as integers; exact:
  // a value is scaled only when n / scale gives back the very same bits.
  bool allow_scaled = true;
  // zstd over the payload, kept only when the result (plus its length field) is smaller.
  bool allow_zstd = true;
  int zstd_level = 3;
};

// The sealed chunk's header fields.
struct ChunkInfo {
  ValueKind kind = ValueKind::kDouble;
  ValueEncoding encoding = ValueEncoding::kXor;
  uint32_t scale = 0;          // doubles stored as integer / scale: 1 or 1000; 0 = not scaled
  bool zstd = false;
  uint32_t sample_count = 0;
  int64_t first_ts_ms = 0;     // 0 when empty
  int64_t last_ts_ms = 0;      // 0 when empty
  size_t payload_bytes = 0;    // stored (possibly compressed) payload
  size_t chunk_bytes = 0;      // whole chunk, header and checksum included
};

inline constexpr size_t kMaxChunkSamples = 65536;  // bounds what a decoder allocates (≈1.5 MiB)

// Builds one chunk. Each append is encoded at once into every still-possible candidate column, so
// memory is the encoded size (bits), not 16 bytes per buffered sample. Not thread-safe.
class ChunkEncoder {
 public:
  explicit ChunkEncoder(ValueKind kind, ChunkOptions options = {});

  // kInvalidArgument when `value` is of the other kind or `ts_ms` is not after the last timestamp;
  // kTooLarge past kMaxChunkSamples. A rejected sample leaves the chunk unchanged.
  Status append(int64_t ts_ms, Value value);
  size_t size() const { return timestamps_.count(); }
  ValueKind kind() const { return kind_; }
  // Seals the chunk and starts a new empty one of the same kind and options.
  std::vector<uint8_t> finish();

 private:
  struct Candidate {
    ValueEncoding encoding;
    uint32_t scale;  // 0 = raw bits
    XorEncoder xor_encoder;
    IntegerEncoder integer_encoder;
    BitWriter bits;
    bool viable = true;
  };
  void reset();

  ValueKind kind_;
  ChunkOptions options_;
  TimestampEncoder timestamps_;
  BitWriter timestamp_bits_;
  std::vector<Candidate> candidates_;
};

struct DecodedChunk {
  ChunkInfo info;
  std::vector<Sample> samples;  // oldest first
};

// Verifies and decodes a whole chunk: magic, version, kind/encoding, every length, the sample
// count, CRC32C, strictly increasing timestamps, the last timestamp, no stray bits. Any corruption
// is an error value (kParse, kTruncated or kTooLarge), never a crash; allocation is bounded by the
// input size and kMaxChunkSamples.
Result<DecodedChunk> decodeChunk(std::span<const uint8_t> chunk);

// Decodes only the values (each sample's ts_ms is 0), after the same checks but those of the
// timestamp column's bits, which is skipped: for a column whose timestamps the caller knows to be
// another column's (checked against the header's count, first and last timestamp).
Result<DecodedChunk> decodeChunkValues(std::span<const uint8_t> chunk);

// Decodes one sample at a time after open() has checked the header and checksum. The payload is
// borrowed from `chunk` (which must outlive the iterator) unless it was zstd-compressed.
// `values_only`: the timestamp column is not read and every ts_ms is 0 (decodeChunkValues).
class ChunkIterator {
 public:
  static Result<ChunkIterator> open(std::span<const uint8_t> chunk, bool values_only = false);
  // Move-only: the readers point into inflated_, whose heap buffer a move keeps.
  ChunkIterator(ChunkIterator&&) = default;
  ChunkIterator& operator=(ChunkIterator&&) = default;
  ChunkIterator(const ChunkIterator&) = delete;
  ChunkIterator& operator=(const ChunkIterator&) = delete;
  const ChunkInfo& info() const { return info_; }
  // Writes the next sample to `out` and returns true; false after the last one, once the ends of
  // both columns are verified.
  Result<bool> next(Sample& out);

 private:
  ChunkIterator() = default;

  ChunkInfo info_;
  std::vector<uint8_t> inflated_;  // decompressed payload (zstd chunks only)
  BitReader timestamp_reader_{{}};
  BitReader value_reader_{{}};
  TimestampDecoder timestamp_decoder_{0};
  XorDecoder xor_decoder_;
  IntegerDecoder integer_decoder_{IntegerMode::kDelta};
  uint32_t decoded_ = 0;
  bool values_only_ = false;
};

}  // namespace kubemonitor::tsdb
