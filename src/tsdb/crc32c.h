#pragma once
// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of WAL records and chunks.
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run time) and a
// slicing-by-8 table otherwise; both give identical results.

#include <cstdint>
#include <span>

namespace kubemonitor::tsdb {

// CRC-32C of `data`. `seed` is the CRC of the bytes before `data`, so that
// crc32c(b, crc32c(a)) == crc32c(a ++ b); 0 starts a new checksum. crc32c("123456789") == 0xE3069283.
// Thread-safe (pure function).
uint32_t crc32c(std::span<const uint8_t> data, uint32_t seed = 0);

// The portable table-driven implementation, exposed so tests can compare it with the hardware path.
uint32_t crc32cPortable(std::span<const uint8_t> data, uint32_t seed = 0);

// True when crc32c() uses the SSE4.2 instruction on this CPU.
bool crc32cHardwareAvailable();

}  // namespace kubemonitor::tsdb
