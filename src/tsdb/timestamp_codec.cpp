#include "tsdb/timestamp_codec.h"

#include <string>

namespace kubemonitor::tsdb {

Status TimestampEncoder::append(int64_t ts_ms, BitWriter& out) {
  if (count_ == 0) {
    first_ms_ = last_ms_ = ts_ms;
    count_ = 1;
    return {};
  }
  if (ts_ms <= last_ms_) {
    return makeError(ErrorCode::kInvalidArgument, "timestamp " + std::to_string(ts_ms) +
                                                      " ms is not after the chunk's last " +
                                                      std::to_string(last_ms_) + " ms");
  }
  const uint64_t delta = static_cast<uint64_t>(ts_ms) - static_cast<uint64_t>(last_ms_);
  const uint64_t zz = zigzagEncode(static_cast<int64_t>(delta - last_delta_ms_));
  if (zz == 0) {
    out.writeBit(false);
  } else {
    for (const DodBucket& bucket : kDodBuckets) {
      if (bucket.value_bits == 64 || zz < (uint64_t{1} << bucket.value_bits)) {
        out.writeBits(bucket.prefix, bucket.prefix_bits);
        out.writeBits(zz, bucket.value_bits);
        break;
      }
    }
  }
  last_delta_ms_ = delta;
  last_ms_ = ts_ms;
  ++count_;
  return {};
}

Result<int64_t> TimestampDecoder::next(BitReader& in) {
  if (!started_) {
    started_ = true;
    return last_ms_;
  }
  // Count leading 1 bits of the control code (at most 4: "1111" has no terminating 0).
  int ones = 0;
  while (ones < 4) {
    auto bit = in.readBit();
    if (!bit) return bit.error();
    if (!*bit) break;
    ++ones;
  }
  uint64_t zz = 0;
  if (ones > 0) {
    auto value = in.readBits(kDodBuckets[ones - 1].value_bits);
    if (!value) return value.error();
    zz = *value;
  }
  const uint64_t delta = last_delta_ms_ + static_cast<uint64_t>(zigzagDecode(zz));
  const int64_t ts_ms = static_cast<int64_t>(static_cast<uint64_t>(last_ms_) + delta);
  if (ts_ms <= last_ms_) {
    return makeError(ErrorCode::kParse, "timestamp " + std::to_string(ts_ms) + " ms is not after " +
                                            std::to_string(last_ms_) + " ms at bit " +
                                            std::to_string(in.positionBits()));
  }
  last_delta_ms_ = delta;
  last_ms_ = ts_ms;
  return ts_ms;
}

}  // namespace kubemonitor::tsdb
