#include "cli/units.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace kubemonitor::cli {
namespace {

// `value` (already scaled, ≥ 1 unless it is the smallest unit) with three significant digits.
std::string threeDigits(double value, const char* unit) {
  if (value < 10) return fmt::format("{:.2f}{}", value, unit);
  if (value < 100) return fmt::format("{:.1f}{}", value, unit);
  return fmt::format("{:.0f}{}", value, unit);
}

// Scales by `base` through `units` (the first is the plain unit, printed as a whole number).
template <size_t N>
std::string scaled(double value, double base, const std::array<const char*, N>& units) {
  if (!std::isfinite(value) || value < 0) value = 0;
  if (value < base) return fmt::format("{:.0f}{}", value, units[0]);
  size_t unit = 0;
  while (unit + 1 < N && value >= base) {
    value /= base;
    ++unit;
  }
  // 1023.6 KiB rounds to "1024KiB": move up one unit instead.
  if (unit + 1 < N && value >= base - 0.5) {
    value /= base;
    ++unit;
  }
  return threeDigits(value, units[unit]);
}

}  // namespace

std::string formatMillicores(double millicores) {
  if (!std::isfinite(millicores) || millicores < 0) millicores = 0;
  if (millicores == 0) return "0m";
  if (millicores < 9.95) return fmt::format("{:.1f}m", millicores);
  if (millicores < 999.5) return fmt::format("{:.0f}m", millicores);
  return threeDigits(millicores / 1000.0, " cores");
}

std::string formatBytes(double bytes) {
  static constexpr std::array<const char*, 6> kUnits{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  return scaled(bytes, 1024.0, kUnits);
}

std::string formatRate(double bytes_per_sec) {
  static constexpr std::array<const char*, 6> kUnits{"B/s", "KB/s", "MB/s", "GB/s", "TB/s", "PB/s"};
  return scaled(bytes_per_sec, 1000.0, kUnits);
}

std::string formatPercent(double percent) {
  if (!std::isfinite(percent) || percent < 0) percent = 0;
  if (percent < 9.95) return fmt::format("{:.1f}%", percent);
  return fmt::format("{:.0f}%", percent);
}

std::string formatCount(double count) { return fmt::format("{:.0f}", std::isfinite(count) ? count : 0.0); }

}  // namespace kubemonitor::cli
