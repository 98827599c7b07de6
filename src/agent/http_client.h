#pragma once
// A small blocking HTTP/1.1 client over libcurl. One instance keeps one connection alive between
// requests (the agent posts to the same server every interval). Not thread-safe: one per thread.
// curl_global_init must have run (main does it) before the first instance is created.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor::agent {

struct HttpResponse {
  long status = 0;          // HTTP status code
  std::string body;         // response body, as received
  std::string retry_after;  // the Retry-After header as sent (seconds or an HTTP-date), empty when absent
};

class HttpClient {
 public:
  // `ca_file`: PEM bundle that verifies https servers instead of the system's (a private CA).
  explicit HttpClient(std::chrono::milliseconds timeout = std::chrono::seconds(10), std::string ca_file = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Transport failures (refused, timed out, DNS) are kUnavailable; any HTTP status is a response.
  Result<HttpResponse> get(const std::string& url, const std::vector<std::string>& headers = {});
  Result<HttpResponse> post(const std::string& url, std::string_view body, const std::vector<std::string>& headers);

 private:
  Result<HttpResponse> perform(const std::string& url, const std::vector<std::string>& headers);

  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::chrono::milliseconds timeout_;
  std::string ca_file_;
};

}  // namespace kubemonitor::agent
