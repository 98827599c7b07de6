#include "tsdb/crc32c.h"

#include <array>

namespace kubemonitor::tsdb {
namespace {

constexpr uint32_t kCastagnoliReflected = 0x82F63B78U;

// Slicing-by-4 tables built at compile time: table[0] is the classic byte table, table[k] advances
// it k more bytes, so the loop folds four input bytes per step.
constexpr std::array<std::array<uint32_t, 256>, 4> makeTables() {
  std::array<std::array<uint32_t, 256>, 4> tables{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1U) != 0 ? kCastagnoliReflected : 0U);
    tables[0][i] = crc;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (size_t k = 1; k < 4; ++k) tables[k][i] = (tables[k - 1][i] >> 8) ^ tables[0][tables[k - 1][i] & 0xFFU];
  }
  return tables;
}

constexpr auto kTables = makeTables();

}  // namespace

uint32_t crc32c(std::span<const uint8_t> bytes, uint32_t crc) {
  crc = ~crc;
  size_t i = 0;
  for (; i + 4 <= bytes.size(); i += 4) {
    crc ^= static_cast<uint32_t>(bytes[i]) | (static_cast<uint32_t>(bytes[i + 1]) << 8) |
           (static_cast<uint32_t>(bytes[i + 2]) << 16) | (static_cast<uint32_t>(bytes[i + 3]) << 24);
    crc = kTables[3][crc & 0xFFU] ^ kTables[2][(crc >> 8) & 0xFFU] ^ kTables[1][(crc >> 16) & 0xFFU] ^
          kTables[0][crc >> 24];
  }
  for (; i < bytes.size(); ++i) crc = (crc >> 8) ^ kTables[0][(crc ^ bytes[i]) & 0xFFU];
  return ~crc;
}

}  // namespace kubemonitor::tsdb
