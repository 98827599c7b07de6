#pragma once
// A small blocking HTTP/1.1 client (Boost.Beast over Asio; OpenSSL only for https://). The agent
// ships reports with it, the Kubernetes API client watches pods with it, and the CLI can query the
// server with it: it lives in common so that none of them depends on another for it (DESIGN §5).
//
// One instance keeps one connection alive between requests to the same scheme, host and port and
// opens a new one when the peer closed it. Every request has a deadline: `connect_timeout` for
// reaching the peer (TCP and TLS handshake), then `request_timeout` (or a stream's own timeout)
// for sending the request and reading the whole answer.
//
// Thread safety: one request at a time per instance; cancel() may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kubemonitor {

struct HttpUrl {
  bool tls = false;     // https
  std::string host;     // name or address, IPv6 without brackets
  std::string port;     // "80", "443" when the URL gives none
  std::string target;   // path and query, "/" when the URL gives none
};

// "http[s]://host[:port][/path?query]"; kInvalidArgument for another scheme or no host.
Result<HttpUrl> parseHttpUrl(std::string_view url);

// Percent-encoding of a URL query value: RFC 3986's unreserved characters pass, all else is %XX.
std::string percentEncode(std::string_view value);

struct HttpResponse {
  long status = 0;                // HTTP status code
  std::string body;               // as received (not decoded); empty for a streamed 2xx answer
  std::string retry_after;        // the Retry-After header as sent (seconds or an HTTP-date), "" when absent
  std::string content_encoding;   // the Content-Encoding header, "" when absent (identity)
};

// Whom https:// trusts. Neither CA given: the system's CAs.
struct TlsTrust {
  std::string ca_file;  // PEM bundle on disk (a private CA, the service-account ca.crt)
  std::string ca_pem;   // PEM text (kubeconfig certificate-authority-data, decoded)
  bool insecure_skip_verify = false;  // kubeconfig insecure-skip-tls-verify: no peer check at all
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{10000};  // send + whole answer of a get() or post()
  TlsTrust tls;
  size_t max_body_bytes = size_t{256} << 20;  // bigger answers are kTooLarge
  std::string user_agent = "kubemonitor";
};

class HttpClient {
 public:
  // Defaults of HttpClientOptions. (Out of line: a default argument builds the options in every
  // caller, where GCC 12 then warns about their strings.)
  HttpClient();
  explicit HttpClient(HttpClientOptions options);
  // The common case: one timeout for both phases, a private CA file or the system's CAs.
  explicit HttpClient(std::chrono::milliseconds timeout, std::string ca_file = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `headers` are "Name: value" lines. Transport failures (refused, timed out, TLS, DNS,
  // cancelled) are kUnavailable; any HTTP status is a response.
  Result<HttpResponse> get(const std::string& url, const std::vector<std::string>& headers = {});
  Result<HttpResponse> post(const std::string& url, std::string_view body, const std::vector<std::string>& headers);

  // A GET whose 2xx body is handed to `on_data` piece by piece as it arrives (a chunked watch);
  // `timeout` bounds the whole stream. `on_data` returning false, the peer ending the body, or
  // cancel() end it: the response then carries the status and no body. A non-2xx answer is
  // returned whole, as get() would. Before the status line, failures are kUnavailable.
  Result<HttpResponse> stream(const std::string& url, const std::vector<std::string>& headers,
                              std::chrono::milliseconds timeout,
                              const std::function<bool(std::string_view data)>& on_data);

  // Any thread: aborts the request in progress at once and fails every later one (kUnavailable
  // "cancelled"). A client is cancelled for good; make a new one to start again.
  void cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemonitor
