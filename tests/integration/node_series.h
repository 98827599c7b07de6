#pragma once
// What the integration tests ask a running server about one node's history: the timestamps of its
// points, to check that reports arrived (crash test) or arrived once each (outage test).

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/result.h"
#include "common/time_format.h"

namespace kubemonitor::integration {

// The point timestamps (Unix ms, in the server's order) of
// GET <base_url>/api/nodes/<node>?window=<window_seconds>&step=1. Errors say what failed: the
// request, the status (with the body), or the JSON.
inline Result<std::vector<int64_t>> nodePointTimestamps(HttpClient& client, const std::string& base_url,
                                                         const std::string& node, int window_seconds) {
  auto response = client.get(base_url + "/api/nodes/" + node + "?window=" + std::to_string(window_seconds) + "&step=1");
  if (!response) return response.error();
  if (response->status != 200) {
    return makeError(ErrorCode::kIo, "status " + std::to_string(response->status) + ": " + response->body, node);
  }
  simdjson::dom::parser parser;
  simdjson::dom::element series;
  simdjson::dom::array points;
  if (parser.parse(response->body).get(series) || series["points"].get_array().get(points)) {
    return makeError(ErrorCode::kParse, "not a series: " + response->body, node);
  }
  std::vector<int64_t> timestamps;
  for (auto point : points) {
    std::string_view text;
    if (point["timestamp"].get_string().get(text)) return makeError(ErrorCode::kParse, "point without a timestamp", node);
    auto ms = parseRfc3339(text);
    if (!ms) return makeError(ErrorCode::kParse, "bad timestamp " + std::string(text), node);
    timestamps.push_back(*ms);
  }
  return timestamps;
}

}  // namespace kubemonitor::integration
