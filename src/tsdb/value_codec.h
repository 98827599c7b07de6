#pragma once
// The two exact value encodings of a chunk's value column:
//  - XOR (Gorilla, VLDB 2015 §4.1.2) on 64-bit patterns: doubles round-trip bit for bit, NaN
//    payloads, ±inf and -0.0 included, because only bits are compared, never values.
//  - Integer delta or delta-of-delta with zigzag, in wrapping uint64 arithmetic: exact over the full
//    uint64 range, so counter resets and wraparound (a decreasing value) cost bits, not correctness.

#include <cstdint>

#include "common/result.h"
#include "tsdb/bit_stream.h"

namespace kubemonitor::tsdb {

// Not thread-safe. The first value is written whole (64 bits); then "0" = same bits as before,
// "10" = XOR fits the previous leading/trailing-zero window, "11" + 5 bits leading zeros + 6 bits
// meaningful length (0 means 64) + the meaningful bits.
class XorEncoder {
 public:
  void append(uint64_t bits, BitWriter& out);

 private:
  bool started_ = false;
  uint64_t last_bits_ = 0;
  int leading_ = -1;   // window of the last "11" record; -1 before the first one
  int trailing_ = 0;
};

class XorDecoder {
 public:
  // kTruncated when the stream ends, kParse for a window that does not fit 64 bits.
  Result<uint64_t> next(BitReader& in);

 private:
  bool started_ = false;
  uint64_t last_bits_ = 0;
  int leading_ = -1;
  int trailing_ = 0;
};

enum class IntegerMode : uint8_t {
  kDelta,         // v[i] − v[i−1]: best for random walks (memory working set, bursty bytes)
  kDeltaOfDelta,  // (v[i] − v[i−1]) − (v[i−1] − v[i−2]): best for steady counters (cpu_usage_ns)
};

// Residuals in a (width, shift) window like XOR's: the residual's low `shift` bits must be zero and
// are dropped before zigzag, so page-sized memory steps (multiples of 4096 B) and sector-sized disk
// steps cost 12 or 9 bits less. Records: "0" = residual 0; "10" + width bits = fits the current
// window; "11" + 6 bits (width − 1) + "0" (same shift) or "1" + 6 bits shift, then width bits = new
// window. A window is reused only when at most kMaxWastedBits of it would go unused, so one counter
// reset does not bloat every later sample.
class IntegerEncoder {
 public:
  static constexpr int kMaxWastedBits = 6;  // about the cost of a new "11" header (8 bits)
  explicit IntegerEncoder(IntegerMode mode) : mode_(mode) {}
  void append(uint64_t value, BitWriter& out);

 private:
  IntegerMode mode_;
  size_t count_ = 0;
  uint64_t last_value_ = 0;
  uint64_t last_delta_ = 0;
  int width_ = 0;  // 0 before the first "11" record
  int shift_ = 0;  // trailing zero bits dropped from each residual
};

class IntegerDecoder {
 public:
  explicit IntegerDecoder(IntegerMode mode) : mode_(mode) {}
  // kTruncated when the stream ends, kParse for "10" before any width was set.
  Result<uint64_t> next(BitReader& in);

 private:
  IntegerMode mode_;
  size_t count_ = 0;
  uint64_t last_value_ = 0;
  uint64_t last_delta_ = 0;
  int width_ = 0;
  int shift_ = 0;
};

}  // namespace kubemonitor::tsdb
