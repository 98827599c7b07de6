#include "server/query_params.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <vector>

namespace kubemonitor::server {
namespace {

constexpr std::array<std::string_view, 6> kSeriesParameters{"window", "start", "end", "step", "fields",
                                                           "max-data-points"};

Error paramError(std::string_view param, std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message), std::string(param));
}

}  // namespace

HttpResponse badParameter(const Error& error) {
  return errorResponse(400, "bad_request", error.subject + ": " + error.message);
}

Status checkQueryParameters(const RequestTarget& target, RouteParameters allowed) {
  for (const auto& [name, value] : target.query) {
    if (allowed.namespace_filter && name == "namespace") continue;
    if (allowed.series && std::find(kSeriesParameters.begin(), kSeriesParameters.end(), name) != kSeriesParameters.end())
      continue;
    std::string known;
    if (allowed.namespace_filter) known = "namespace";
    if (allowed.series) {
      for (std::string_view p : kSeriesParameters) known += (known.empty() ? "" : ", ") + std::string(p);
    }
    return paramError(name, "unknown query parameter for this route (it takes " + (known.empty() ? "none" : known) + ")");
  }
  return {};
}

Result<FieldSelection> parseFieldSelection(const RequestTarget& target, std::span<const std::string_view> known) {
  auto it = target.query.find(std::string_view("fields"));
  if (it == target.query.end()) return FieldSelection{};
  std::vector<std::string> names;
  std::string_view rest = it->second;
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view name = rest.substr(0, comma);
    if (name.empty()) return paramError("fields", "empty field name in \"" + it->second + "\"");
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return paramError("fields", "unknown field \"" + std::string(name) + "\" (see /openapi.json for a point's fields)");
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      return paramError("fields", "field \"" + std::string(name) + "\" given twice");
    }
    names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return FieldSelection(std::move(names));
}

Result<size_t> parseMaxDataPoints(const RequestTarget& target, size_t server_max) {
  auto it = target.query.find(std::string_view("max-data-points"));
  if (it == target.query.end()) return server_max;
  const std::string& text = it->second;
  size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0) {
    return paramError("max-data-points", "expected a whole number ≥ 1, got \"" + text + "\"");
  }
  if (value > server_max) {
    return paramError("max-data-points",
                      "at most " + std::to_string(server_max) + " (the server's --max-data-points), got " + text);
  }
  return value;
}

}  // namespace kubemonitor::server
