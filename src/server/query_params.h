#pragma once
// The query parameters of the API routes besides the time range (series_params.h): which ones a
// route understands (anything else is 400: a typo must not silently answer something else),
// `fields=` and `max-data-points=`. Pure, so every rule is unit-tested.

#include <cstddef>
#include <span>
#include <string_view>

#include "common/field_selection.h"
#include "common/result.h"
#include "server/http_message.h"
#include "server/request_target.h"

namespace kubemonitor::server {

// What a route understands besides nothing: `namespace=`, and the series parameters (window,
// start, end, step, fields, max-data-points).
struct RouteParameters {
  bool namespace_filter = false;
  bool series = false;
};

// kInvalidArgument naming the first parameter the route does not understand, and what it does.
Status checkQueryParameters(const RequestTarget& target, RouteParameters allowed);

// fields=a,b (comma-separated, each a name in `known`): the selection; absent: every field.
// Empty, repeated or unknown names are kInvalidArgument with subject "fields".
Result<FieldSelection> parseFieldSelection(const RequestTarget& target, std::span<const std::string_view> known);

// max-data-points=N, 1 ≤ N ≤ `server_max` (the server's --max-data-points, also the default).
Result<size_t> parseMaxDataPoints(const RequestTarget& target, size_t server_max);

// 400 {"error":"bad_request","message":"<parameter>: <what is wrong>"}.
HttpResponse badParameter(const Error& error);

}  // namespace kubemonitor::server
