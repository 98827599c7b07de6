#include "tsdb/crc32c.h"

#include <array>
#include <cstring>

namespace kubemonitor::tsdb {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // CRC-32C, bit-reversed

// kTables[k][b]: the CRC of byte b followed by k zero bytes, for slicing-by-8.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables makeTables() {
  Tables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1U) ? (crc >> 1) ^ kPolynomial : crc >> 1;
    tables[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (size_t k = 1; k < 8; ++k) tables[k][b] = (tables[k - 1][b] >> 8) ^ tables[0][tables[k - 1][b] & 0xFFU];
  }
  return tables;
}

constexpr Tables kTables = makeTables();

uint64_t loadLittleEndian64(const uint8_t* p) {
  uint64_t value = 0;
  std::memcpy(&value, p, sizeof(value));  // x86-64 and arm64 Linux are little-endian
  return value;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32cSse42(const uint8_t* p, size_t n, uint32_t crc) {
  uint64_t crc64 = crc;
  while (n >= 8) {
    crc64 = __builtin_ia32_crc32di(crc64, loadLittleEndian64(p));
    p += 8;
    n -= 8;
  }
  auto crc32 = static_cast<uint32_t>(crc64);
  while (n > 0) {
    crc32 = __builtin_ia32_crc32qi(crc32, *p++);
    --n;
  }
  return crc32;
}

bool detectSse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
bool detectSse42() { return false; }
#endif

// Works on the inverted register (callers invert before and after).
uint32_t crc32cTables(const uint8_t* p, size_t n, uint32_t crc) {
  while (n >= 8) {
    const uint64_t word = loadLittleEndian64(p) ^ crc;
    crc = kTables[7][word & 0xFFU] ^ kTables[6][(word >> 8) & 0xFFU] ^ kTables[5][(word >> 16) & 0xFFU] ^
          kTables[4][(word >> 24) & 0xFFU] ^ kTables[3][(word >> 32) & 0xFFU] ^ kTables[2][(word >> 40) & 0xFFU] ^
          kTables[1][(word >> 48) & 0xFFU] ^ kTables[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFFU];
    --n;
  }
  return crc;
}

}  // namespace

bool crc32cHardwareAvailable() {
  static const bool available = detectSse42();  // thread-safe static initialisation
  return available;
}

uint32_t crc32cPortable(std::span<const uint8_t> data, uint32_t seed) {
  return ~crc32cTables(data.data(), data.size(), ~seed);
}

uint32_t crc32c(std::span<const uint8_t> data, uint32_t seed) {
#if defined(__x86_64__)
  if (crc32cHardwareAvailable()) return ~crc32cSse42(data.data(), data.size(), ~seed);
#endif
  return crc32cPortable(data, seed);
}

}  // namespace kubemonitor::tsdb
