#include "common/time_format.h"

#include <array>
#include <chrono>

#include "common/text.h"

namespace kubemonitor {
namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kSecondsPerDay = 86400;

// Civil date ↔ days since 1970-01-01, after Howard Hinnant's public-domain date algorithms.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

std::optional<unsigned> digits(std::string_view s, size_t pos, size_t count) {
  if (pos + count > s.size()) return std::nullopt;
  auto v = text::parseUint64(s.substr(pos, count));
  if (!v) return std::nullopt;
  return static_cast<unsigned>(*v);
}

}  // namespace

std::string formatRfc3339(int64_t unix_ms) {
  int64_t seconds = unix_ms / kMsPerSecond;
  int64_t ms = unix_ms % kMsPerSecond;
  if (ms < 0) {
    ms += kMsPerSecond;
    seconds -= 1;
  }
  int64_t days = seconds / kSecondsPerDay;
  int64_t sod = seconds % kSecondsPerDay;
  if (sod < 0) {
    sod += kSecondsPerDay;
    days -= 1;
  }
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civilFromDays(days, y, m, d);
  // Written digit by digit: API lists format one timestamp per point (a 1,000-pod fleet window has
  // 360,000), and snprintf's format parsing was 6 % of such a query.
  std::string out;
  out.reserve(24);
  auto put = [&](int64_t value, int width) {
    char digits_buf[20];
    int n = 0;
    uint64_t v = value < 0 ? 0 : static_cast<uint64_t>(value);
    do {
      digits_buf[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    for (int k = n; k < width; ++k) out.push_back('0');
    while (n > 0) out.push_back(digits_buf[--n]);
  };
  if (y < 0) out.push_back('-');  // not an RFC 3339 year, but never garbage
  put(y < 0 ? -y : y, 4);
  out.push_back('-');
  put(m, 2);
  out.push_back('-');
  put(d, 2);
  out.push_back('T');
  put(sod / 3600, 2);
  out.push_back(':');
  put(sod / 60 % 60, 2);
  out.push_back(':');
  put(sod % 60, 2);
  if (ms != 0) {
    out.push_back('.');
    put(ms, 3);
  }
  out.push_back('Z');
  return out;
}

Result<int64_t> parseRfc3339(std::string_view s) {
  const std::string subject(s);
  auto bad = [&] { return makeError(ErrorCode::kParse, "expected an RFC 3339 time like 2026-01-31T12:00:00Z", subject); };
  // YYYY-MM-DDTHH:MM:SS = 19 characters, then optional fraction, then Z or ±HH:MM.
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':') {
    return bad();
  }
  auto year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  auto hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return bad();
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) return bad();
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  if (pos >= s.size()) return bad();
  int64_t offset_seconds = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    auto oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
    if (!oh || !om || pos + 6 != s.size() || s[pos + 3] != ':') return bad();
    offset_seconds = (*oh * 3600 + *om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const int64_t days = daysFromCivil(*year, *month, *day);
  const int64_t seconds = days * kSecondsPerDay + *hour * 3600 + *minute * 60 + *second - offset_seconds;
  return seconds * kMsPerSecond + ms;
}

Result<int64_t> parseDurationSeconds(std::string_view text) {
  const std::string subject(text);
  if (auto plain = text::parseInt64(text)) {
    if (*plain <= 0) return makeError(ErrorCode::kInvalidArgument, "duration must be positive", subject);
    return *plain;
  }
  if (text.empty()) return makeError(ErrorCode::kInvalidArgument, "empty duration", subject);
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    auto amount = text::parseInt64(text.substr(start, pos - start));
    if (!amount || pos >= text.size()) {
      return makeError(ErrorCode::kInvalidArgument, "expected a duration like 90, 5m, 1h30m or 7d", subject);
    }
    int64_t unit = 0;
    switch (text[pos]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = kSecondsPerDay; break;
      case 'w': unit = 7 * kSecondsPerDay; break;
      default:
        return makeError(ErrorCode::kInvalidArgument, "unknown duration unit (use s, m, h, d, w)", subject);
    }
    ++pos;
    // 100 years is far beyond any retention; refusing more keeps the arithmetic from overflowing.
    constexpr int64_t kMaxSeconds = 100LL * 366 * kSecondsPerDay;
    if (*amount > kMaxSeconds / unit || total + *amount * unit > kMaxSeconds) {
      return makeError(ErrorCode::kInvalidArgument, "duration too long", subject);
    }
    total += *amount * unit;
  }
  if (total <= 0) return makeError(ErrorCode::kInvalidArgument, "duration must be positive", subject);
  return total;
}

std::string formatDurationSeconds(int64_t seconds) {
  if (seconds <= 0) return "0s";
  static constexpr std::array<std::pair<int64_t, char>, 4> kUnits{
      {{kSecondsPerDay, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}};
  std::string out;
  for (auto [size, suffix] : kUnits) {
    if (seconds >= size) {
      out += std::to_string(seconds / size);
      out.push_back(suffix);
      seconds %= size;
    }
  }
  return out;
}

}  // namespace kubemonitor
