#pragma once
// Delta-of-delta timestamps (Gorilla, VLDB 2015 §4.1.1) tuned for kubemonitor's interval grid: the
// agent snaps reports to a 5 s grid, so nearly every delta-of-delta is 0 and costs one bit. The
// first timestamp of a chunk lives in the chunk header; this stream starts at the second sample,
// whose delta is coded as a delta-of-delta against a previous delta of 0.

#include <cstdint>

#include "common/result.h"
#include "tsdb/bit_stream.h"

namespace kubemonitor::tsdb {

// Buckets for a zigzagged delta-of-delta (ms), after the 1-bit "0" for dod == 0. Chosen for a 5 s
// grid: 7 bits hold agent jitter of up to ±64 ms, 14 bits a missed sample or two (±8.2 s), 24 bits a
// pause of up to ±2.3 h, anything else is written whole.
struct DodBucket {
  uint64_t prefix;  // control bits, written MSB first
  int prefix_bits;
  int value_bits;   // zigzagged dod width
};
inline constexpr DodBucket kDodBuckets[] = {
    {0b10, 2, 7},
    {0b110, 3, 14},
    {0b1110, 4, 24},
    {0b1111, 4, 64},
};

// Not thread-safe. Timestamps must be strictly increasing.
class TimestampEncoder {
 public:
  // Appends `ts_ms`; the first one is only remembered (it goes into the chunk header). kInvalidArgument
  // when `ts_ms` is not newer than the previous timestamp; nothing is written then.
  Status append(int64_t ts_ms, BitWriter& out);
  size_t count() const { return count_; }
  int64_t firstMs() const { return first_ms_; }
  int64_t lastMs() const { return last_ms_; }

 private:
  size_t count_ = 0;
  int64_t first_ms_ = 0;
  int64_t last_ms_ = 0;
  uint64_t last_delta_ms_ = 0;  // wrapping arithmetic: exact for any pair of int64 timestamps
};

// Mirrors TimestampEncoder. Errors are kTruncated (stream ends) or kParse (not strictly increasing).
class TimestampDecoder {
 public:
  explicit TimestampDecoder(int64_t first_ms) : last_ms_(first_ms) {}
  // The first call returns the header's first timestamp without reading any bits.
  Result<int64_t> next(BitReader& in);

 private:
  bool started_ = false;
  int64_t last_ms_;
  uint64_t last_delta_ms_ = 0;
};

}  // namespace kubemonitor::tsdb
