#pragma once
// Byte-granular encoding shared by the tsdb's on-disk formats (chunks, WAL report records, block
// files): LEB128 varints, little-endian fixed fields and a bounds-checked cursor that reads them.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor::tsdb {

inline void putVarint(std::vector<uint8_t>& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

inline size_t varintBytes(uint64_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

inline void putFixed32(std::vector<uint8_t>& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

inline void putFixed64(std::vector<uint8_t>& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

inline void putDouble(std::vector<uint8_t>& out, double value) { putFixed64(out, std::bit_cast<uint64_t>(value)); }

// A varint length, then the bytes.
inline void putString(std::vector<uint8_t>& out, std::string_view text) {
  putVarint(out, text.size());
  out.insert(out.end(), text.begin(), text.end());
}

// Reads fields in order, each bounds-checked; errors name `what` (e.g. "chunk") and the field.
class ByteCursor {
 public:
  ByteCursor(std::span<const uint8_t> bytes, std::string_view what) : bytes_(bytes), what_(what) {}
  Result<uint8_t> byte(std::string_view field) {
    if (position_ >= bytes_.size()) return truncated(field);
    return bytes_[position_++];
  }
  Result<uint64_t> varint(std::string_view field) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position_ >= bytes_.size()) return truncated(field);
      const uint8_t b = bytes_[position_++];
      if (shift == 63 && (b & 0x7E) != 0) break;  // more than 64 bits
      value |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return value;
    }
    return makeError(ErrorCode::kParse,
                     std::string(what_) + " " + std::string(field) + " varint is longer than 64 bits");
  }
  Result<uint64_t> fixed(std::string_view field, int bytes) {
    if (remaining() < static_cast<size_t>(bytes)) return truncated(field);
    uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(bytes_[position_++]) << (8 * i);
    return value;
  }
  Result<double> float64(std::string_view field) {
    auto bits = fixed(field, 8);
    if (!bits) return bits.error();
    return std::bit_cast<double>(*bits);
  }
  Result<std::string> string(std::string_view field, size_t max_bytes) {
    auto size = varint(field);
    if (!size) return size.error();
    if (*size > max_bytes) {
      return makeError(ErrorCode::kParse, std::string(what_) + " " + std::string(field) + " is longer than " +
                                              std::to_string(max_bytes) + " bytes");
    }
    if (*size > remaining()) return truncated(field);
    std::string out(reinterpret_cast<const char*>(bytes_.data() + position_), *size);
    position_ += *size;
    return out;
  }
  Result<std::span<const uint8_t>> bytes(std::string_view field, size_t count) {
    if (count > remaining()) return truncated(field);
    auto out = bytes_.subspan(position_, count);
    position_ += count;
    return out;
  }
  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }

 private:
  Error truncated(std::string_view field) const {
    return makeError(ErrorCode::kTruncated, std::string(what_) + " ends inside its " + std::string(field) + " (" +
                                                std::to_string(bytes_.size()) + " bytes)");
  }
  std::span<const uint8_t> bytes_;
  std::string_view what_;
  size_t position_ = 0;
};

}  // namespace kubemonitor::tsdb
