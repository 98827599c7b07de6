#pragma once
// The CLI's view of the kubemonitor server: GETs with the query token, answers parsed, failures
// turned into one-line messages that name the URL and say why, with the exit status they mean.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cli/json_value.h"
#include "common/http_client.h"

namespace kubemonitor::cli {

// Exit statuses of DESIGN §3: 0 ok, 1 usage (the command must change: bad flags, a name that
// does not exist or is ambiguous, a refused token), 2 the server cannot be reached or failed.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitUnreachable = 2;

struct ConnectionOptions {
  std::string server = "http://127.0.0.1:8080";  // base URL; a trailing '/' is ignored
  std::string token;                             // the query token; empty: none sent
  std::string ca_file;                           // PEM bundle for https://; empty: the system's CAs
  std::chrono::milliseconds timeout{10000};      // connect, then the whole answer
};

struct Failure {
  int exit_code = kExitUnreachable;
  std::string message;  // one line, no "kubemonitor:" prefix
};

struct Answer {
  long status = 0;
  std::string body;  // as received: `-o json` prints it unchanged
  JsonValue json;    // parsed; null when the body is not JSON
  std::string url;
};

class ApiClient {
 public:
  explicit ApiClient(ConnectionOptions options);

  // GET `path_and_query` ("/api/pods?namespace=shop"): any HTTP status is an Answer (the caller
  // decides what a 404 or 400 means there); a transport failure is a Failure (exit 2).
  std::optional<Failure> get(const std::string& path_and_query, Answer& answer);
  // The same, but only a 2xx JSON answer is an answer; anything else is the Failure describing it.
  std::optional<Failure> getOk(const std::string& path_and_query, Answer& answer);

  std::string url(const std::string& path_and_query) const { return base_ + path_and_query; }
  // Any thread: aborts the request in flight and fails every later one (watch mode's Ctrl-C).
  void cancel() { client_.cancel(); }

 private:
  std::string base_;
  std::string token_;
  HttpClient client_;
};

// The Failure for a non-2xx answer: its status, the server's message (a 409 lists the candidate
// namespaces and says to pass -n) and the exit status (4xx: 1; 5xx and the rest: 2).
Failure describeAnswer(const Answer& answer);

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters stay).
std::string urlEncode(std::string_view text);

// Reads the token file: its first line, trimmed. A missing or empty file is a usage Failure.
std::optional<Failure> readTokenFile(const std::string& path, std::string& token);

}  // namespace kubemonitor::cli
