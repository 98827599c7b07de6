#include "async_agents.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <optional>
#include <random>

#include "agent/http_report_sink.h"
#include "agent/retry_backoff.h"

namespace kubemonitor::bench {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kInitialBackoff{1000};  // the agent's ShippingQueue default
constexpr std::chrono::milliseconds kMaxBackoff{10'000};    // DESIGN §2
constexpr int kLoggedAnswers = 3;                            // unexpected answers logged in full

double msBetween(SteadyTime from, SteadyTime to) { return std::chrono::duration<double, std::milli>(to - from).count(); }

// The server's Retry-After, parsed as the agent parses it; nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> retryAfter(const http::response<http::string_body>& response) {
  const auto value = response[http::field::retry_after];
  return agent::parseRetryAfter(std::string_view(value.data(), value.size()), std::chrono::system_clock::now());
}

struct Agent {
  Agent(net::io_context& ioc, int agent_index, int slots, uint64_t seed)
      : index(agent_index),
        stream(ioc),
        clock(ioc),
        retry(ioc),
        backoff(kInitialBackoff, kMaxBackoff, seed),
        written(size_t(slots)) {}

  enum class State { kIdle, kConnecting, kInFlight, kBackingOff };

  const int index;
  beast::tcp_stream stream;
  net::steady_timer clock;  // the next slot's due time
  net::steady_timer retry;  // backoff before retrying the head of the queue
  std::chrono::nanoseconds phase{0};
  int next_slot = 0;        // the slot the clock waits for
  std::deque<int> queue;    // slots due and not yet answered, oldest first; the head is in flight
  State state = State::kIdle;
  bool connected = false;
  agent::RetryBackoff backoff;  // the real agent's: full jitter, capped, Retry-After honoured
  SteadyTime head_first_write{};
  SteadyTime write_started{};
  std::vector<uint8_t> written;  // per slot: 1 once written (a later write is a retry)
  beast::flat_buffer buffer;
  http::request<http::span_body<const char>> request;
  http::response<http::string_body> response;
};

}  // namespace

struct AsyncFleet::Impl {
  Impl(FleetOptions fleet_options, FleetBodies fleet_bodies)
      : options(std::move(fleet_options)),
        bodies(std::move(fleet_bodies)),
        ever_acknowledged(std::make_unique<std::atomic<bool>[]>(size_t(options.agents))),
        random(options.seed) {}

  SteadyTime due(const Agent& a, int slot) const { return options.first_slot + slot * options.interval + a.phase; }
  bool measured(int slot) const { return options.closed_loop || slot >= options.first_measured_slot; }

  void start();
  void scheduleClock(Agent& a);
  void onDue(Agent& a);
  void pump(Agent& a);
  void connect(Agent& a);
  void send(Agent& a);
  void onAnswer(Agent& a);
  void onTransportError(Agent& a, beast::error_code ec);
  void retryLater(Agent& a, std::optional<std::chrono::milliseconds> retry_after);
  void closeConnection(Agent& a);
  void finishIfDone();
  void stop();

  const FleetOptions options;
  const FleetBodies bodies;
  std::unique_ptr<std::atomic<bool>[]> ever_acknowledged;
  std::mt19937_64 random;
  FleetFigures figures;
  int clocks_done = 0;  // agents whose every slot has fallen due
  int logged_answers = 0;
  bool stopping = false;

  // Declared before what uses it, so destroyed after: sockets and timers need their io_context.
  net::io_context ioc{1};  // concurrency hint: one thread runs it
  tcp::endpoint endpoint;
  net::steady_timer deadline_timer{ioc};
  std::vector<std::unique_ptr<Agent>> agents;
};

void AsyncFleet::Impl::start() {
  endpoint = tcp::endpoint(net::ip::make_address(options.host), options.port);
  figures.acknowledged_per_agent.assign(size_t(options.agents), 0);
  const std::string host = options.host + ":" + std::to_string(options.port);
  std::uniform_int_distribution<int64_t> phase_ns(0, std::chrono::nanoseconds(options.interval).count() - 1);
  for (int i = 0; i < options.agents; ++i) {
    auto& a = *agents.emplace_back(std::make_unique<Agent>(ioc, i, options.slots, random()));
    a.phase = std::chrono::nanoseconds(phase_ns(random));
    a.request.method(http::verb::post);
    a.request.target("/api/ingest");
    a.request.version(11);
    a.request.set(http::field::host, host);
    a.request.set(http::field::content_type, "application/json");
    a.request.set(http::field::content_encoding, "zstd");
    a.request.keep_alive(true);
  }
  deadline_timer.expires_at(options.deadline);
  deadline_timer.async_wait([this](beast::error_code ec) {
    if (!ec) stop();
  });
  for (auto& a : agents) {
    if (options.closed_loop) {
      for (int slot = 0; slot < options.slots; ++slot) a->queue.push_back(slot);
      figures.offered += uint64_t(options.slots);
      ++clocks_done;
      connect(*a);
    } else {
      // Connects when its first report falls due, in the warm-up: a connection opened earlier
      // would sit idle and the server closes a new connection without a request after 10 s.
      scheduleClock(*a);
    }
  }
}

void AsyncFleet::Impl::scheduleClock(Agent& a) {
  if (a.next_slot >= options.slots) {
    ++clocks_done;
    return finishIfDone();
  }
  a.clock.expires_at(due(a, a.next_slot));
  a.clock.async_wait([this, &a](beast::error_code ec) {
    if (ec || stopping) return;
    onDue(a);
  });
}

void AsyncFleet::Impl::onDue(Agent& a) {
  const int slot = a.next_slot++;
  ++figures.offered;
  if (measured(slot)) figures.timer_lag_ms.push_back(msBetween(due(a, slot), std::chrono::steady_clock::now()));
  a.queue.push_back(slot);
  pump(a);
  scheduleClock(a);
}

void AsyncFleet::Impl::pump(Agent& a) {
  if (stopping || a.state != Agent::State::kIdle || a.queue.empty()) return;
  if (!a.connected) return connect(a);
  send(a);
}

void AsyncFleet::Impl::connect(Agent& a) {
  a.state = Agent::State::kConnecting;
  a.stream.expires_after(options.request_timeout);
  a.stream.async_connect(endpoint, [this, &a](beast::error_code ec) {
    if (stopping) return;
    if (ec) return onTransportError(a, ec);
    a.stream.expires_never();
    a.connected = true;
    a.state = Agent::State::kIdle;
    pump(a);
  });
}

void AsyncFleet::Impl::send(Agent& a) {
  const int slot = a.queue.front();
  const auto now = std::chrono::steady_clock::now();
  if (a.written[size_t(slot)] == 0) {
    a.written[size_t(slot)] = 1;
    ++figures.sent;
    a.head_first_write = now;
  } else {
    ++figures.retries;
  }
  ++figures.requests;
  const std::string_view body = bodies(a.index, slot);
  a.request.body() = http::span_body<const char>::value_type(body.data(), body.size());
  a.request.prepare_payload();
  a.state = Agent::State::kInFlight;
  a.write_started = now;
  a.stream.expires_after(options.request_timeout);  // covers the write and the answer
  http::async_write(a.stream, a.request, [this, &a](beast::error_code ec, size_t) {
    if (stopping) return;
    if (ec) return onTransportError(a, ec);
    a.response = {};
    http::async_read(a.stream, a.buffer, a.response, [this, &a](beast::error_code read_ec, size_t) {
      if (stopping) return;
      if (read_ec) return onTransportError(a, read_ec);
      onAnswer(a);
    });
  });
}

void AsyncFleet::Impl::onAnswer(Agent& a) {
  const auto now = std::chrono::steady_clock::now();
  a.stream.expires_never();
  if (!a.response.keep_alive()) closeConnection(a);
  const int slot = a.queue.front();
  const unsigned status = a.response.result_int();
  if (status == 202) {
    ++figures.acknowledged;
    ++figures.acknowledged_per_agent[size_t(a.index)];
    ever_acknowledged[size_t(a.index)].store(true, std::memory_order_relaxed);
    if (now >= options.measure_begin && now < options.measure_end) ++figures.acknowledged_in_window;
    if (measured(slot)) {
      figures.ingest_ms.push_back(msBetween(options.closed_loop ? a.head_first_write : due(a, slot), now));
      figures.service_ms.push_back(msBetween(a.write_started, now));
    }
    figures.last_acknowledged = now;
    a.queue.pop_front();
    a.backoff.reset();
    a.state = Agent::State::kIdle;
    pump(a);
    return finishIfDone();
  }
  if (agent::classifyIngestStatus(status) == agent::SendOutcome::kRetryLater) {
    if (status == 503 || status == 429) {
      ++figures.refused;
    } else {
      ++figures.transient_errors;
    }
    return retryLater(a, retryAfter(a.response));
  }
  // 2xx but 202, or a 4xx that retrying cannot fix: the agent drops such a report.
  if (logged_answers++ < kLoggedAnswers) spdlog::error("{}: ingest answered {}: {}", a.index, status, a.response.body().substr(0, 300));
  ++figures.rejected;
  a.queue.pop_front();
  a.backoff.reset();
  a.state = Agent::State::kIdle;
  pump(a);
  finishIfDone();
}

void AsyncFleet::Impl::onTransportError(Agent& a, beast::error_code ec) {
  ++figures.connection_errors;
  if (ec == beast::error::timeout) ++figures.timeouts;
  ++figures.connection_error_kinds[ec.message()];
  closeConnection(a);
  retryLater(a, std::nullopt);
}

void AsyncFleet::Impl::retryLater(Agent& a, std::optional<std::chrono::milliseconds> retry_after) {
  a.state = Agent::State::kBackingOff;
  a.retry.expires_after(a.backoff.next(retry_after));
  a.retry.async_wait([this, &a](beast::error_code ec) {
    if (ec || stopping) return;
    a.state = Agent::State::kIdle;
    pump(a);
  });
}

void AsyncFleet::Impl::closeConnection(Agent& a) {
  beast::error_code ignored;
  a.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  a.stream.close();
  a.buffer.clear();
  a.connected = false;
}

void AsyncFleet::Impl::finishIfDone() {
  if (clocks_done == options.agents && figures.acknowledged + figures.rejected == figures.offered) stop();
}

void AsyncFleet::Impl::stop() {
  if (stopping) return;
  stopping = true;  // every pending handler returns at once; then ioc.run() runs out of work
  deadline_timer.cancel();
  for (auto& a : agents) {
    a->clock.cancel();
    a->retry.cancel();
    closeConnection(*a);
  }
}

AsyncFleet::AsyncFleet(FleetOptions options, FleetBodies bodies)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(bodies))) {}

AsyncFleet::~AsyncFleet() = default;

FleetFigures AsyncFleet::run() {
  impl_->start();
  impl_->ioc.run();
  return std::move(impl_->figures);
}

bool AsyncFleet::hasAcknowledged(int agent) const {
  return impl_->ever_acknowledged[size_t(agent)].load(std::memory_order_relaxed);
}

}  // namespace kubemonitor::bench
