#include "tsdb/value_codec.h"

#include <bit>
#include <string>

namespace kubemonitor::tsdb {
namespace {

constexpr int kMaxLeadingZeros = 31;  // the 5-bit field's limit; more leading zeros are sent as bits

}  // namespace

void XorEncoder::append(uint64_t bits, BitWriter& out) {
  if (!started_) {
    started_ = true;
    last_bits_ = bits;
    out.writeBits(bits, 64);
    return;
  }
  const uint64_t x = bits ^ last_bits_;
  last_bits_ = bits;
  if (x == 0) {
    out.writeBit(false);
    return;
  }
  int leading = std::countl_zero(x);
  const int trailing = std::countr_zero(x);
  if (leading > kMaxLeadingZeros) leading = kMaxLeadingZeros;
  if (leading_ >= 0 && leading >= leading_ && trailing >= trailing_) {
    out.writeBits(0b10, 2);
    out.writeBits(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  const int meaningful = 64 - leading - trailing;
  out.writeBits(0b11, 2);
  out.writeBits(static_cast<uint64_t>(leading), 5);
  out.writeBits(static_cast<uint64_t>(meaningful & 63), 6);  // 64 is sent as 0
  out.writeBits(x >> trailing, meaningful);
  leading_ = leading;
  trailing_ = trailing;
}

Result<uint64_t> XorDecoder::next(BitReader& in) {
  if (!started_) {
    auto first = in.readBits(64);
    if (!first) return first.error();
    started_ = true;
    last_bits_ = *first;
    return last_bits_;
  }
  auto same = in.readBit();
  if (!same) return same.error();
  if (!*same) return last_bits_;
  auto new_window = in.readBit();
  if (!new_window) return new_window.error();
  if (*new_window) {
    auto leading = in.readBits(5);
    if (!leading) return leading.error();
    auto meaningful = in.readBits(6);
    if (!meaningful) return meaningful.error();
    const int length = *meaningful == 0 ? 64 : static_cast<int>(*meaningful);
    if (static_cast<int>(*leading) + length > 64) {
      return makeError(ErrorCode::kParse, "XOR window of " + std::to_string(*leading) + " leading zeros and " +
                                              std::to_string(length) + " bits exceeds 64 at bit " +
                                              std::to_string(in.positionBits()));
    }
    leading_ = static_cast<int>(*leading);
    trailing_ = 64 - leading_ - length;
  } else if (leading_ < 0) {
    return makeError(ErrorCode::kParse, "XOR record reuses a window before any was set at bit " +
                                            std::to_string(in.positionBits()));
  }
  auto meaningful_bits = in.readBits(64 - leading_ - trailing_);
  if (!meaningful_bits) return meaningful_bits.error();
  const uint64_t x = trailing_ >= 64 ? 0 : *meaningful_bits << trailing_;
  if (x == 0) return makeError(ErrorCode::kParse, "XOR record of zero (should have been \"0\") at bit " +
                                                      std::to_string(in.positionBits()));
  last_bits_ ^= x;
  return last_bits_;
}

void IntegerEncoder::append(uint64_t value, BitWriter& out) {
  // Wrapping uint64 differences reinterpreted as int64: exact for any pair of values.
  const uint64_t delta = value - last_value_;
  uint64_t residual = delta;
  if (mode_ == IntegerMode::kDeltaOfDelta && count_ >= 2) residual = delta - last_delta_;
  // The first delta (value − 0) and, in dod mode, the second (v1 − v0) are sent as they are.
  last_delta_ = delta;
  last_value_ = value;
  ++count_;
  if (residual == 0) {
    out.writeBit(false);
    return;
  }
  const int trailing = std::countr_zero(residual);
  // Arithmetic shift of the signed residual: exact, because the dropped bits are zero.
  auto zigzagShifted = [residual](int shift) {
    return zigzagEncode(static_cast<int64_t>(residual) >> shift);
  };
  if (width_ > 0 && trailing >= shift_) {
    const uint64_t zz = zigzagShifted(shift_);
    const int needed = 64 - std::countl_zero(zz);
    if (needed <= width_ && width_ - needed <= kMaxWastedBits) {
      out.writeBits(0b10, 2);
      out.writeBits(zz, width_);
      return;
    }
  }
  // A new window. Keep the current shift when the residual allows it, so that one residual with
  // extra trailing zeros does not force the next record to open yet another window.
  const int shift = width_ > 0 && trailing >= shift_ ? shift_ : trailing;
  const uint64_t zz = zigzagShifted(shift);
  width_ = 64 - std::countl_zero(zz);
  out.writeBits(0b11, 2);
  out.writeBits(static_cast<uint64_t>(width_ - 1), 6);
  if (shift == shift_) {
    out.writeBit(false);
  } else {
    out.writeBit(true);
    out.writeBits(static_cast<uint64_t>(shift), 6);
    shift_ = shift;
  }
  out.writeBits(zz, width_);
}

Result<uint64_t> IntegerDecoder::next(BitReader& in) {
  auto nonzero = in.readBit();
  if (!nonzero) return nonzero.error();
  uint64_t zz = 0;
  if (*nonzero) {
    auto new_width = in.readBit();
    if (!new_width) return new_width.error();
    if (*new_width) {
      auto width = in.readBits(6);
      if (!width) return width.error();
      width_ = static_cast<int>(*width) + 1;
      auto new_shift = in.readBit();
      if (!new_shift) return new_shift.error();
      if (*new_shift) {
        auto shift = in.readBits(6);
        if (!shift) return shift.error();
        shift_ = static_cast<int>(*shift);
      }
    } else if (width_ == 0) {
      return makeError(ErrorCode::kParse, "integer record reuses a width before any was set at bit " +
                                              std::to_string(in.positionBits()));
    }
    auto bits = in.readBits(width_);
    if (!bits) return bits.error();
    zz = *bits;
  }
  // Shifting the uint64 pattern left is the signed value times 2^shift in wrapping arithmetic.
  const uint64_t residual = static_cast<uint64_t>(zigzagDecode(zz)) << shift_;
  uint64_t delta = residual;
  if (mode_ == IntegerMode::kDeltaOfDelta && count_ >= 2) delta = last_delta_ + residual;
  last_value_ += delta;
  last_delta_ = delta;
  ++count_;
  return last_value_;
}

}  // namespace kubemonitor::tsdb
