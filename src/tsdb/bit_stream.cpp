#include "tsdb/bit_stream.h"

#include <string>

namespace kubemonitor::tsdb {

void BitWriter::writeBits(uint64_t value, int bit_count) {
  if (bit_count <= 0) return;
  if (bit_count < 64) value &= (uint64_t{1} << bit_count) - 1;
  int left = bit_count;
  while (left > 0) {
    const int used_in_byte = static_cast<int>(bit_count_ % 8);
    if (used_in_byte == 0) bytes_.push_back(0);
    const int free_in_byte = 8 - used_in_byte;
    const int take = left < free_in_byte ? left : free_in_byte;
    // The `take` most significant of the remaining `left` bits.
    const auto piece = static_cast<uint8_t>((value >> (left - take)) & ((1U << take) - 1));
    bytes_.back() |= static_cast<uint8_t>(piece << (free_in_byte - take));
    left -= take;
    bit_count_ += static_cast<size_t>(take);
  }
}

Result<uint64_t> BitReader::readBits(int bit_count) {
  if (bit_count < 0 || bit_count > 64) {
    return makeError(ErrorCode::kInvalidArgument, "bit count " + std::to_string(bit_count) + " outside 0..64");
  }
  if (static_cast<size_t>(bit_count) > remainingBits()) {
    return makeError(ErrorCode::kTruncated, "bit stream ends after " + std::to_string(bytes_.size() * 8) +
                                                " bits; wanted " + std::to_string(bit_count) + " more at bit " +
                                                std::to_string(position_bits_));
  }
  uint64_t out = 0;
  int left = bit_count;
  while (left > 0) {
    const uint8_t byte = bytes_[position_bits_ / 8];
    const int used_in_byte = static_cast<int>(position_bits_ % 8);
    const int avail = 8 - used_in_byte;
    const int take = left < avail ? left : avail;
    const uint64_t piece = (static_cast<unsigned>(byte) >> (avail - take)) & ((1U << take) - 1);
    // `out << take` with take == 8 and 64-bit out never overflows the shift count.
    out = (out << take) | piece;
    left -= take;
    position_bits_ += static_cast<size_t>(take);
  }
  return out;
}

Result<bool> BitReader::readBit() {
  if (position_bits_ >= bytes_.size() * 8) {
    return makeError(ErrorCode::kTruncated, "bit stream ends at bit " + std::to_string(position_bits_));
  }
  const uint8_t byte = bytes_[position_bits_ / 8];
  const bool bit = ((byte >> (7 - position_bits_ % 8)) & 1U) != 0;
  ++position_bits_;
  return bit;
}

bool BitReader::atPaddedEnd() const {
  if (remainingBits() >= 8) return false;
  if (remainingBits() == 0) return true;
  const uint8_t last = bytes_.back();
  const int padding = static_cast<int>(remainingBits());
  return (last & ((1U << padding) - 1)) == 0;
}

}  // namespace kubemonitor::tsdb
