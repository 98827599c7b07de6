#pragma once
// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum ext4, iSCSI and LevelDB use:
// it catches every burst error up to 32 bits, which covers a torn or bit-flipped chunk on disk.

#include <cstdint>
#include <span>

namespace kubemonitor::tsdb {

// Extends `crc` (0 to start) over `bytes`; crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::span<const uint8_t> bytes, uint32_t crc = 0);

}  // namespace kubemonitor::tsdb
