#pragma once
// The simulated agents of `kubemonitor-bench load`: N agents, each with its own keep-alive TCP
// connection, its own clock and its own shipping queue, all driven by one Asio event loop on the
// calling thread (steady_timers; no thread per agent), posting pre-encoded bodies to
// POST /api/ingest as the real agent does.
//
// Open loop (default): agent a's report for grid slot k falls due at first_slot + k × interval +
// phase_a (phase uniform in [0, interval)), whether or not its earlier reports were answered. An
// agent has at most one request in flight, as the real agent's shipping queue: a report that falls
// due while the previous one is outstanding waits behind it, but the agent's clock does not wait.
// Closed loop: every report is queued at the start and each agent posts the next one as soon as
// the previous one is answered (N requests in flight, no clock) — throughput × latency only.
//
// A 503 or 429 answer or a transport failure (refused connection, reset, timeout) keeps the
// report: it is retried when the real agent would (agent::RetryBackoff: after Retry-After plus
// jitter when the answer carries that header, else exponential backoff with full jitter capped at
// 10 s), one RetryBackoff per simulated agent.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kubemonitor::bench {

using SteadyTime = std::chrono::steady_clock::time_point;

struct FleetOptions {
  std::string host = "127.0.0.1";  // the server, an IP address
  uint16_t port = 0;
  int agents = 1000;
  int slots = 1;                             // reports per agent
  std::chrono::milliseconds interval{2000};  // between an agent's reports
  SteadyTime first_slot;                     // open loop: when grid slot 0 begins
  int first_measured_slot = 0;               // open loop: earlier slots are the warm-up
  SteadyTime measure_begin;                  // 202s received in [measure_begin, measure_end)
  SteadyTime measure_end;                    //   are counted in acknowledged_in_window
  SteadyTime deadline;                       // reports unacknowledged then stay so
  bool closed_loop = false;
  std::chrono::milliseconds request_timeout{10'000};  // a connect, or a write + its answer (the agent's)
  uint64_t seed = 1;                                  // phases and jitter: runs are repeatable
};

// The body of agent `agent`'s report for slot `slot`; must stay valid until run() returns.
using FleetBodies = std::function<std::string_view(int agent, int slot)>;

struct FleetFigures {
  uint64_t offered = 0;                 // distinct reports that fell due
  uint64_t sent = 0;                    // distinct reports written at least once
  uint64_t acknowledged = 0;            // distinct reports answered 202
  uint64_t acknowledged_in_window = 0;  // 202s received in [measure_begin, measure_end)
  uint64_t requests = 0;                // POSTs written, retries included
  uint64_t retries = 0;                 // POSTs of a report written before
  uint64_t refused = 0;                 // 503 and 429 answers (the server's backpressure)
  uint64_t transient_errors = 0;        // other retryable answers: 408, 425, 5xx but 503
  uint64_t rejected = 0;                // answers that reject a report for good (other 4xx): dropped
  uint64_t connection_errors = 0;       // failed connects, writes and reads, timeouts included
  uint64_t timeouts = 0;                // of those, request_timeout expired
  std::map<std::string, uint64_t> connection_error_kinds;  // error message → count
  // Of the measured reports (open loop: slots ≥ first_measured_slot; closed loop: all), in ms:
  std::vector<double> ingest_ms;     // due → 202 (closed loop: first write → 202)
  std::vector<double> service_ms;    // write of the answered attempt → 202
  std::vector<double> timer_lag_ms;  // due → the event loop noticing it (load generator saturation)
  std::vector<int> acknowledged_per_agent;
  SteadyTime last_acknowledged{};  // when the last 202 arrived
};

class AsyncFleet {
 public:
  AsyncFleet(FleetOptions options, FleetBodies bodies);
  ~AsyncFleet();
  AsyncFleet(const AsyncFleet&) = delete;
  AsyncFleet& operator=(const AsyncFleet&) = delete;

  // Runs the event loop on the calling thread until every report has fallen due and been
  // acknowledged (or rejected), or until the deadline; then closes every connection and returns.
  // Call once.
  FleetFigures run();

  // Any thread: true once agent `agent` had a report acknowledged (its node and pods exist).
  bool hasAcknowledged(int agent) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemonitor::bench
