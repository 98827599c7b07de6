#include "kube/quantity.h"

#include <array>
#include <string>

namespace kubemonitor::kube {
namespace {

__extension__ typedef unsigned __int128 Uint128;  // __extension__: GCC/clang builtin under -Wpedantic

constexpr Uint128 kUint128Max = ~Uint128{0};
// 10^38 < 2^128 < 10^39: mantissas with more significant digits than this cannot be held exactly.
constexpr int kMaxSignificantDigits = 38;

// value = mantissa × 10^exponent10 × 2^exponent2, with mantissa ≥ 0.
struct Decomposed {
  Uint128 mantissa = 0;
  int exponent10 = 0;
  int exponent2 = 0;
  bool negative = false;
};

Error parseError(std::string_view text, std::string_view why) {
  return makeError(ErrorCode::kParse, "bad Kubernetes quantity: " + std::string(why), std::string(text));
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Splits "<signedNumber><suffix>" into the number and its scaling.
Result<Decomposed> decompose(std::string_view text) {
  Decomposed out;
  size_t pos = 0;
  if (text.empty()) return parseError(text, "empty");
  if (text[pos] == '+' || text[pos] == '-') {
    out.negative = text[pos] == '-';
    ++pos;
  }
  int significant_digits = 0;
  bool any_digit = false;
  bool seen_point = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '.') {
      if (seen_point) return parseError(text, "two decimal points");
      seen_point = true;
      continue;
    }
    if (!isDigit(c)) break;
    any_digit = true;
    if (seen_point) --out.exponent10;
    if (out.mantissa == 0 && c == '0') continue;  // leading zeros carry no precision
    if (++significant_digits > kMaxSignificantDigits) return parseError(text, "too many digits");
    out.mantissa = out.mantissa * 10 + static_cast<unsigned>(c - '0');
  }
  if (!any_digit) return parseError(text, "no digits");

  const std::string_view suffix = text.substr(pos);
  struct Scale {
    std::string_view suffix;
    int exponent10;
    int exponent2;
  };
  static constexpr std::array<Scale, 14> kSuffixes{{
      {"", 0, 0}, {"n", -9, 0}, {"u", -6, 0}, {"m", -3, 0}, {"k", 3, 0}, {"M", 6, 0}, {"G", 9, 0},
      {"T", 12, 0}, {"P", 15, 0}, {"E", 18, 0},
      {"Ki", 0, 10}, {"Mi", 0, 20}, {"Gi", 0, 30}, {"Ti", 0, 40},
  }};
  for (const auto& scale : kSuffixes) {
    if (suffix == scale.suffix) {
      out.exponent10 += scale.exponent10;
      out.exponent2 += scale.exponent2;
      return out;
    }
  }
  if (suffix == "Pi" || suffix == "Ei") {
    out.exponent2 += suffix == "Pi" ? 50 : 60;
    return out;
  }
  // Decimal exponent: "e" or "E" followed by a signed integer ("1e3", "5E-3"). A bare "E" (exa)
  // matched above.
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    size_t i = 1;
    bool exponent_negative = false;
    if (suffix[i] == '+' || suffix[i] == '-') {
      exponent_negative = suffix[i] == '-';
      ++i;
    }
    if (i == suffix.size()) return parseError(text, "exponent without digits");
    int exponent = 0;
    for (; i < suffix.size(); ++i) {
      if (!isDigit(suffix[i])) return parseError(text, "bad exponent");
      exponent = exponent * 10 + (suffix[i] - '0');
      if (exponent > 1000) return parseError(text, "exponent out of range");
    }
    out.exponent10 += exponent_negative ? -exponent : exponent;
    return out;
  }
  return parseError(text, "unknown suffix \"" + std::string(suffix) + "\"");
}

// ceil(value × 10^extra_exponent10) as a uint64.
Result<uint64_t> scaleRoundingUp(std::string_view text, int extra_exponent10) {
  auto decomposed = decompose(text);
  if (!decomposed) return decomposed.error();
  Decomposed d = *decomposed;
  if (d.mantissa == 0) return uint64_t{0};  // "-0" and "0e99" are zero
  if (d.negative) {
    return makeError(ErrorCode::kInvalidArgument, "negative Kubernetes quantity", std::string(text));
  }
  const Error too_large = makeError(ErrorCode::kTooLarge, "Kubernetes quantity exceeds 2^64-1", std::string(text));
  Uint128 value = d.mantissa;
  for (int i = 0; i < d.exponent2; ++i) {
    if (value > kUint128Max / 2) return too_large;
    value *= 2;
  }
  int exponent10 = d.exponent10 + extra_exponent10;
  for (; exponent10 > 0; --exponent10) {
    if (value > kUint128Max / 10) return too_large;
    value *= 10;
  }
  // Divide by 10 per negative power, remembering any remainder so that the result rounds up.
  bool remainder = false;
  for (; exponent10 < 0 && value != 0; ++exponent10) {
    remainder = remainder || value % 10 != 0;
    value /= 10;
  }
  if (remainder) ++value;
  if (value > UINT64_MAX) return too_large;
  return static_cast<uint64_t>(value);
}

}  // namespace

Result<uint64_t> parseCpuQuantityMillicores(std::string_view text) { return scaleRoundingUp(text, 3); }

Result<uint64_t> parseMemoryQuantityBytes(std::string_view text) { return scaleRoundingUp(text, 0); }

}  // namespace kubemonitor::kube
