#include "agent/http_report_sink.h"

#include <spdlog/spdlog.h>

#include "agent/retry_backoff.h"
#include "common/time_format.h"

namespace kubemonitor::agent {

SendOutcome classifyIngestStatus(long status) {
  if (status >= 200 && status < 300) return SendOutcome::kDelivered;
  if (status == 408 || status == 425 || status == 429 || status >= 500) return SendOutcome::kRetryLater;
  return SendOutcome::kRejected;
}

HttpReportSink::HttpReportSink(std::string server_url, std::string token, std::string ca_file)
    : client_(std::chrono::seconds(10), std::move(ca_file)) {
  while (!server_url.empty() && server_url.back() == '/') server_url.pop_back();
  ingest_url_ = server_url + "/api/ingest";
  headers_ = {"Content-Type: application/json", "Content-Encoding: zstd"};
  if (!token.empty()) headers_.push_back("Authorization: Bearer " + token);
}

SendResult HttpReportSink::send(const EncodedReport& report) {
  auto response = client_.post(ingest_url_, report.body, headers_);
  if (!response) {
    spdlog::warn("report {}: server unreachable: {}", formatRfc3339(report.timestamp_ms), response.error().toString());
    return SendOutcome::kRetryLater;
  }
  const SendOutcome outcome = classifyIngestStatus(response->status);
  if (outcome == SendOutcome::kDelivered) return outcome;
  spdlog::warn("report {}: server answered {}{}: {}", formatRfc3339(report.timestamp_ms), response->status,
               response->retry_after.empty() ? "" : " (Retry-After " + response->retry_after + ")",
               response->body.substr(0, 300));
  if (outcome == SendOutcome::kRetryLater && !response->retry_after.empty()) {
    return SendResult(outcome, parseRetryAfter(response->retry_after, std::chrono::system_clock::now()));
  }
  return outcome;
}

}  // namespace kubemonitor::agent
