#pragma once
// The HTTP/1.1 transport: Boost.Beast over Asio, event-driven on options.threads threads (never a
// thread per connection). Requests are handed to a Handler as plain HttpRequest values. Beast
// stays inside http_server.cpp so that nothing else pays for its headers.
//
// Event-loop threads: options.threads, 0 = the cores this process may run on.
//
// Per connection: header deadline (header_timeout from the first byte), body inactivity deadline
// (read_timeout), keep-alive idle deadline (idle_timeout), header and body size limits (431/413,
// then close). At max_connections the oldest idle keep-alive connection is closed to make room
// (as nginx does), so a fleet of idle clients cannot lock others out; without an idle one the new
// connection is refused.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "common/result.h"
#include "server/http_message.h"
#include "server/server_options.h"

namespace kubemonitor::server {

// Answers one request, from any thread, at any later time: the answer is written on the
// connection's strand. Calls after the first are ignored; a Responder dropped without being called
// closes the connection. Once the server is gone, calling it does nothing.
class Responder {
 public:
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  void operator()(HttpResponse answer) const;

 private:
  std::shared_ptr<State> state_;
};

class HttpServer {
 public:
  // Called on an event-loop thread, concurrently when threads > 1; must not block: work that waits
  // (a durable write) answers later through the Responder.
  using Handler = std::function<void(HttpRequest request, Responder respond)>;
  // A handler that answers at once.
  using SyncHandler = std::function<HttpResponse(const HttpRequest&)>;

  HttpServer(ServerOptions options, Handler handler);
  HttpServer(ServerOptions options, SyncHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens; port() is known afterwards. Accepting starts with run().
  Status start();
  // The bound port (the ephemeral one when options.port was 0); 0 before start().
  uint16_t port() const;
  // Serves until stop(); blocks. Runs threads() threads (this one included).
  void run();
  // Thread-safe, returns at once: stops accepting, closes idle connections, lets requests in
  // flight finish (up to options.shutdown_grace), then run() returns.
  void stop();
  // Calls stop() when one of `signals` (e.g. SIGTERM, SIGINT) arrives. Call before run().
  void stopOnSignals(const std::vector<int>& signals);
  // Open connections right now (tests poll this).
  size_t connectionCount() const;
  // Event-loop threads run() starts (options.threads resolved).
  unsigned threads() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemonitor::server
