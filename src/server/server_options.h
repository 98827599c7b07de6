#pragma once
// Every knob of kubemonitor-server's HTTP layer and API, with the defaults of DESIGN §3.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace kubemonitor::server {

struct ServerOptions {
  // Transport.
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8080;                        // 0: an ephemeral port, see HttpServer::port()
  size_t max_body_bytes = 16 << 20;            // request body limit, compressed and decompressed each
  size_t header_limit_bytes = 16 << 10;        // request line + headers
  std::chrono::milliseconds header_timeout{10'000};  // first byte of a request → end of its headers
  std::chrono::milliseconds read_timeout{10'000};    // body: longest pause between two reads
  std::chrono::milliseconds idle_timeout{75'000};    // keep-alive: between two requests
  std::chrono::milliseconds shutdown_grace{5'000};   // stop(): how long in-flight requests may finish
  size_t max_connections = 10'000;  // at the cap an idle keep-alive connection is closed, else refused
  unsigned threads = 0;             // event-loop threads, 0 = usable CPUs; never a thread per connection
  // HTTPS when both are set (PEM files: certificate chain, private key); plain HTTP otherwise.
  std::string tls_cert_file;
  std::string tls_key_file;

  // Ingest: decompressing, parsing and storing reports runs on its own workers, never on an event
  // loop, so that queries are answered while ingest is busy.
  unsigned ingest_workers = 0;  // 0 = usable CPUs
  // Reports admitted and not yet acknowledged (queued, being parsed, or waiting for their WAL
  // sync). Beyond it ingest answers 503 with Retry-After and the agent keeps the report.
  size_t ingest_queue = 1024;
  // Also 503 once the oldest report in flight has waited this long: past capacity the bound on
  // latency comes before the bound on memory (1,000 agents never fill 1,024 slots, each having
  // at most one report in flight, but at 400 reports/s they would wait 2.5 s). 0: no bound.
  std::chrono::milliseconds ingest_max_wait{500};

  // API.
  std::string ingest_token;                // when not empty, POST /api/ingest needs "Bearer <token>"
  std::string query_token;                 // when not empty, every GET but /health needs "Bearer <token>"
  size_t max_data_points = 1000;           // per series; the step grows to fit
  int64_t default_window_seconds = 3600;   // series routes without window/start
  // GET /api/nodes leaves out nodes whose newest sample is older than this; 0 keeps them all.
  // Single-node routes always answer with the last known values (and their timestamp).
  std::chrono::seconds node_grace{0};
  // Pods (and their share of namespaces and deployments) leave the latest views when their node
  // has been silent this long; their history stays. 0: 3 × the node's report interval (60 s
  // when the interval is unknown). A deleted pod leaves with its node's next report.
  std::chrono::seconds stale_after{0};
};

}  // namespace kubemonitor::server
