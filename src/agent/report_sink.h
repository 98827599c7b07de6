#pragma once
// Where encoded reports go. The push loop sees only this interface; the HTTP implementation
// posts to the server's /api/ingest, tests use a fake.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace kubemonitor::agent {

struct EncodedReport {
  int64_t timestamp_ms = 0;  // the report's grid timestamp, for ordering and logs
  std::string body;          // zstd-compressed report JSON
};

enum class SendOutcome {
  kDelivered,   // the server acknowledged it (2xx)
  kRetryLater,  // the server is away or overloaded: keep it and try again, in order
  kRejected,    // the server refused this report for good (4xx): drop it and say why
};

struct SendResult {
  SendResult(SendOutcome result_outcome, std::optional<std::chrono::milliseconds> server_retry_after = std::nullopt)
      : outcome(result_outcome), retry_after(server_retry_after) {}
  SendOutcome outcome;
  // kRetryLater: how long the server asked us to stay away (its Retry-After), when it said.
  std::optional<std::chrono::milliseconds> retry_after;
};

class ReportSink {
 public:
  virtual ~ReportSink() = default;
  virtual SendResult send(const EncodedReport& report) = 0;
};

}  // namespace kubemonitor::agent
