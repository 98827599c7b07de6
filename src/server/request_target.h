#pragma once
// Splits a raw request-target into percent-decoded path segments and query parameters.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor::server {

struct RequestTarget {
  std::vector<std::string> segments;  // "/api/nodes/a%2Db" → {"api", "nodes", "a-b"}; "/" → {}
  std::map<std::string, std::string, std::less<>> query;  // decoded; '+' is a space in values
};

// "%41" → "A". Malformed escapes ("%4", "%zz") and NUL bytes are kInvalidArgument errors.
Result<std::string> percentDecode(std::string_view text, bool plus_is_space);

// Errors (kInvalidArgument) for malformed escapes, a repeated query parameter, an empty segment
// in the middle of the path ("/api//nodes") or a target not starting with '/'. One trailing
// slash is ignored.
Result<RequestTarget> parseRequestTarget(std::string_view target);

}  // namespace kubemonitor::server
