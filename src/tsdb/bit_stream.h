#pragma once
// Bit-granular streams for the chunk codecs (Gorilla-style encodings need fields narrower than a
// byte). Bits are written most-significant first, so a stream reads in the order it was written.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"

namespace kubemonitor::tsdb {

// Appends bits to a growing byte buffer. Not thread-safe.
// Zigzag maps signed to unsigned so that small magnitudes of either sign get few significant bits:
// 0→0, -1→1, 1→2, -2→3 ... The bit tricks work on the full int64 range without overflow.
constexpr uint64_t zigzagEncode(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
constexpr int64_t zigzagDecode(uint64_t value) {
  return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

class BitWriter {
 public:
  // Writes the low `bit_count` bits of `value` (0..64), most significant first.
  void writeBits(uint64_t value, int bit_count);
  void writeBit(bool bit) { writeBits(bit ? 1 : 0, 1); }
  size_t bitCount() const { return bit_count_; }
  // Whole bytes; the last byte's unused low bits are zero.
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> take() && { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
  size_t bit_count_ = 0;
};

// Reads bits from a borrowed buffer; reading past the end is kTruncated, never undefined behaviour.
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  // The next `bit_count` bits (0..64) as the low bits of the result.
  Result<uint64_t> readBits(int bit_count);
  Result<bool> readBit();
  size_t positionBits() const { return position_bits_; }
  size_t remainingBits() const { return bytes_.size() * 8 - position_bits_; }
  // True when everything left is zero padding inside the last byte (what BitWriter leaves).
  bool atPaddedEnd() const;

 private:
  std::span<const uint8_t> bytes_;
  size_t position_bits_ = 0;
};

}  // namespace kubemonitor::tsdb
