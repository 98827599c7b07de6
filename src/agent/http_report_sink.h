#pragma once
// Posts reports to <server>/api/ingest with Content-Encoding: zstd and the ingest token.

#include <optional>
#include <string>

#include "common/http_client.h"
#include "agent/report_sink.h"

namespace kubemonitor::agent {

class HttpReportSink final : public ReportSink {
 public:
  // server_url like "http://127.0.0.1:8080"; token empty = no Authorization header.
  // ca_file: PEM bundle for an https server signed by a private CA; empty = the system's.
  HttpReportSink(std::string server_url, std::string token, std::string ca_file = {});
  SendResult send(const EncodedReport& report) override;

 private:
  std::string ingest_url_;
  std::vector<std::string> headers_;
  HttpClient client_;
};

// 2xx delivered; 408, 425, 429 and 5xx are transient; other 4xx reject the report for good.
SendOutcome classifyIngestStatus(long status);

}  // namespace kubemonitor::agent
