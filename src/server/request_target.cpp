#include "server/request_target.h"

namespace kubemonitor::server {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> percentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? hexValue(text[i + 1]) : -1;
      const int lo = i + 2 < text.size() ? hexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return makeError(ErrorCode::kInvalidArgument, "malformed percent-encoding", std::string(text));
      }
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return makeError(ErrorCode::kInvalidArgument, "NUL byte in URL", std::string(text));
      out += decoded;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<RequestTarget> parseRequestTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return makeError(ErrorCode::kInvalidArgument, "request target must start with '/'", std::string(target));
  }
  RequestTarget out;
  std::string_view path = target;
  std::string_view query;
  if (const size_t q = target.find('?'); q != std::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (const size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);

  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view raw = path.substr(0, slash);
    if (raw.empty()) return makeError(ErrorCode::kInvalidArgument, "empty path segment", std::string(target));
    // Split before decoding, so that "%2F" stays inside its segment.
    auto segment = percentDecode(raw, false);
    if (!segment) return segment.error();
    out.segments.push_back(std::move(*segment));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
  }

  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    const size_t eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq), true);
    if (!key) return key.error();
    auto value = percentDecode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!value) return makeError(ErrorCode::kInvalidArgument, value.error().message, *key);
    if (out.query.count(*key) != 0) {
      return makeError(ErrorCode::kInvalidArgument, "query parameter given more than once", *key);
    }
    out.query.emplace(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace kubemonitor::server
