#include "server/dashboard.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "common/compression.h"

namespace kubemonitor::server {
namespace {

constexpr std::string_view kIndexName = "index.html";

std::string_view contentTypeOf(std::string_view name) {
  auto ends = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

// Each file compressed once, on the first request that accepts gzip (about 10 ms for the whole
// dashboard), and kept for the life of the process: the bytes never change without a new binary.
const std::vector<std::string>& gzippedFiles() {
  static const std::vector<std::string> gzipped = [] {
    std::vector<std::string> out;
    for (const auto& file : dashboardFiles()) out.push_back(compressGzip(file.bytes));
    return out;
  }();
  return gzipped;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool acceptsGzip(std::string_view accept_encoding) {
  const std::string header = lower(accept_encoding);
  std::string_view rest = header;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const size_t semicolon = item.find(';');
    const std::string_view coding = trim(item.substr(0, semicolon));
    if (coding != "gzip" && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    // "gzip;q=0" refuses gzip (RFC 9110 §12.5.3); any other weight accepts it.
    std::string_view params = trim(item.substr(semicolon + 1));
    if (params.substr(0, 2) != "q=") return true;
    params.remove_prefix(2);
    return params.find_first_not_of("0.") != std::string_view::npos;
  }
  return false;
}

HttpResponse serveDashboard(const RequestTarget& target, std::string_view accept_encoding) {
  const auto& s = target.segments;
  if (!target.query.empty()) {
    return errorResponse(400, "bad_request",
                         "unknown parameter \"" + target.query.begin()->first +
                             "\": the dashboard keeps its state after '#' in the URL");
  }
  const std::string_view name = s.empty() ? kIndexName : std::string_view(s.back());
  const auto files = dashboardFiles();
  const auto found = std::find_if(files.begin(), files.end(), [&](const DashboardFile& f) { return f.name == name; });
  if (found == files.end() || (!s.empty() && (s.size() != 2 || s[0] != "ui"))) {
    return errorResponse(404, "not_found", "no dashboard file " + std::string(name));
  }
  HttpResponse response;
  response.content_type = std::string(contentTypeOf(name));
  // no-cache: browsers revalidate, so a new binary's dashboard is never mixed with an old one's.
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("Vary", "Accept-Encoding");
  // The page loads nothing from elsewhere; a policy makes that a guarantee, not a habit.
  if (name == kIndexName) {
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                  "connect-src 'self'; frame-ancestors 'none'");
  }
  if (acceptsGzip(accept_encoding)) {
    response.body = gzippedFiles()[static_cast<size_t>(found - files.begin())];
    response.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    response.body = std::string(found->bytes);
  }
  return response;
}

}  // namespace kubemonitor::server
