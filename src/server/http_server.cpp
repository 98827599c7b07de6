#include "server/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <list>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>

#include "common/cpu_count.h"
#include "common/thread_name.h"

namespace kubemonitor::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kFirstReadBytes = 4096;
// After an error answer the client may still be sending a body we will not read; draining it for
// a moment before closing keeps the kernel from answering with RST, which could destroy our
// answer in the client's receive buffer before it reads it.
constexpr std::chrono::milliseconds kLingerTimeout{1000};
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};  // after EMFILE and friends

class SessionBase;

// Closed when the server goes away, so that a Responder called later (an ingest acknowledged
// after shutdown) does not post to a destroyed io_context. Responders share the lock.
struct ReplyGate {
  std::shared_mutex mutex;
  bool open = true;  // guarded by mutex
};

}  // namespace

struct Responder::State {
  std::shared_ptr<ReplyGate> gate;
  std::function<void(HttpResponse)> deliver;  // posts the answer to the connection's strand
  std::atomic<bool> answered{false};
};

void Responder::operator()(HttpResponse answer) const {
  if (!state_ || state_->answered.exchange(true)) return;
  std::shared_lock lock(state_->gate->mutex);
  if (!state_->gate->open) return;
  // Moved out: the connection is released as soon as its answer is on its way.
  auto deliver = std::move(state_->deliver);
  deliver(std::move(answer));
}

struct HttpServer::Impl {
  Impl(ServerOptions server_options, Handler request_handler)
      : options(std::move(server_options)), handler(std::move(request_handler)) {}
  ~Impl() {
    destroying.store(true);
    std::unique_lock lock(gate->mutex);
    gate->open = false;
  }

  void doAccept();
  void onAccept(beast::error_code ec, tcp::socket socket);
  void doStop();
  bool evictOldestIdle();
  // Registers a connection waiting for its next request; false when the server is stopping.
  bool enterIdle(const std::shared_ptr<SessionBase>& session);
  void leaveIdle(SessionBase& session);
  void sessionClosed();

  const ServerOptions options;
  const Handler handler;
  const std::shared_ptr<ReplyGate> gate = std::make_shared<ReplyGate>();
  std::atomic<size_t> connections{0};
  std::atomic<bool> destroying{false};
  std::mutex idle_mutex;
  bool stopping = false;                     // guarded by idle_mutex
  std::list<std::weak_ptr<SessionBase>> idle;  // guarded by idle_mutex; oldest first
  std::optional<net::ssl::context> tls;        // set by start() when a certificate is configured
  std::atomic<uint16_t> bound_port{0};
  size_t refused = 0;                        // on the control strand

  // Declared after the state above: destroying the io_context destroys the pending handlers and so
  // the sessions, which still touch that state.
  net::io_context ioc;
  // Acceptor, signals and timers are touched only on this strand.
  net::strand<net::io_context::executor_type> control{net::make_strand(ioc)};
  tcp::acceptor acceptor{control};
  net::signal_set signals{control};
  net::steady_timer grace_timer{control};
  net::steady_timer accept_retry_timer{control};
  bool stop_requested = false;  // on the control strand
};

namespace {

// What the server's idle list and eviction need of a connection, whatever its stream.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Closes the connection if it is still idle when this runs on its strand (it may have become
  // busy since it was chosen).
  virtual void evict() = 0;

  // Guarded by the server's idle_mutex.
  bool in_idle_list_ = false;
  std::list<std::weak_ptr<SessionBase>>::iterator idle_it_;
};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection; Stream is PlainStream or TlsStream. Timeouts and socket calls go to the TCP
// layer underneath (get_lowest_layer), HTTP reads and writes to the stream itself.
template <class Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(tcp::socket&& socket, HttpServer::Impl& server) : stream_(makeStream(std::move(socket), server)), server_(server) {
    server_.connections.fetch_add(1);
  }
  ~Session() override { server_.sessionClosed(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    net::dispatch(lowest().get_executor(), [self = self()] {
      // A new connection must finish the TLS handshake and send its first request within the
      // header deadline.
      if constexpr (kTls) {
        self->lowest().expires_after(self->server_.options.header_timeout);
        self->stream_.async_handshake(net::ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) {
            spdlog::debug("http: TLS handshake: {}", ec.message());
            return self->close();
          }
          self->waitForRequest(self->server_.options.header_timeout);
        });
      } else {
        self->waitForRequest(self->server_.options.header_timeout);
      }
    });
  }

  void evict() override {
    net::post(lowest().get_executor(), [self = self()] {
      if (!self->idle_) return;
      beast::error_code ec;
      self->lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      self->lowest().cancel();
    });
  }

 private:
  static Stream makeStream(tcp::socket&& socket, HttpServer::Impl& server) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *server.tls);
    } else {
      return Stream(std::move(socket));
    }
  }
  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void waitForRequest(std::chrono::milliseconds timeout) {
    if (buffer_.size() > 0) return readHeader();  // a pipelined request is already here
    if (!server_.enterIdle(shared_from_this())) return close();
    idle_ = true;
    lowest().expires_after(timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes), beast::bind_front_handler(&Session::onFirstBytes, self()));
  }

  void onFirstBytes(beast::error_code ec, size_t bytes) {
    idle_ = false;
    server_.leaveIdle(*this);
    if (ec) return close();  // idle timeout, client gone, evicted or stopping
    buffer_.commit(bytes);
    readHeader();
  }

  void readHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(std::min<size_t>(server_.options.header_limit_bytes, UINT32_MAX)));
    parser_->body_limit(server_.options.max_body_bytes);
    lowest().expires_after(server_.options.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::onHeader, self()));
  }

  void onHeader(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return onReadError(ec);
    const auto& request = parser_->get();
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, request.version());
      lowest().expires_after(server_.options.read_timeout);
      http::async_write(stream_, *continue_, [self = self()](beast::error_code write_ec, size_t) {
        if (write_ec) return self->close();
        self->readBody();
      });
      return;
    }
    readBody();
  }

  void readBody() {
    if (parser_->is_done()) return handleRequest();
    lowest().expires_after(server_.options.read_timeout);
    http::async_read_some(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::onBody, self()));
  }

  void onBody(beast::error_code ec, size_t /*bytes*/) {
    if (ec) return onReadError(ec);
    readBody();
  }

  void onReadError(beast::error_code ec) {
    const unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    if (ec == http::error::header_limit) {
      return sendError(errorResponse(431, "request_header_fields_too_large",
                                     "request headers exceed " + std::to_string(server_.options.header_limit_bytes) +
                                         " bytes"),
                       version);
    }
    if (ec == http::error::body_limit) {
      return sendError(errorResponse(413, "payload_too_large",
                                     "body exceeds " + std::to_string(server_.options.max_body_bytes) + " bytes"),
                       version);
    }
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::ssl::error::stream_truncated) {
      return close();
    }
    if (ec.category() == http::make_error_code(http::error::bad_version).category()) {  // malformed HTTP
      return sendError(errorResponse(400, "bad_request", "malformed HTTP request: " + ec.message()), version);
    }
    spdlog::debug("http: read error: {}", ec.message());
    close();
  }

  void handleRequest() {
    auto& request = parser_->get();
    const bool head = request.method() == http::verb::head;
    HttpRequest plain;
    plain.method = head ? std::string("GET") : std::string(request.method_string());
    plain.target = std::string(request.target());
    plain.content_type = std::string(request[http::field::content_type]);
    plain.content_encoding = std::string(request[http::field::content_encoding]);
    plain.authorization = std::string(request[http::field::authorization]);
    plain.accept = std::string(request[http::field::accept]);
    plain.accept_encoding = std::string(request[http::field::accept_encoding]);
    plain.body = std::move(request.body());

    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    auto state = std::make_shared<Responder::State>();
    state->gate = server_.gate;
    state->deliver = [self = self(), version, keep_alive, head](HttpResponse answer) {
      net::post(self->lowest().get_executor(), [self, answer = std::move(answer), version, keep_alive, head]() mutable {
        self->finishRequest(std::move(answer), version, keep_alive, head);
      });
    };
    const Responder respond(std::move(state));
    const std::string method = plain.method;
    const std::string target = plain.target;
    try {
      server_.handler(std::move(plain), respond);
    } catch (const std::exception& e) {
      // One request's bug must not take the server down; it is logged and answered (unless the
      // handler answered before it threw).
      spdlog::error("http: {} {}: handler threw: {}", method, target, e.what());
      respond(errorResponse(500, "internal", "internal error"));
    }
  }

  // On the strand: the handler's answer to the request read last.
  void finishRequest(HttpResponse answer, unsigned version, bool keep_alive, bool head) {
    spdlog::debug("http: answered {}", answer.status);
    {
      std::lock_guard lock(server_.idle_mutex);
      keep_alive = keep_alive && !server_.stopping;
    }
    send(std::move(answer), version, keep_alive, head, /*linger=*/false);
  }

  void sendError(HttpResponse answer, unsigned version) { send(std::move(answer), version, false, false, true); }

  void send(HttpResponse answer, unsigned version, bool keep_alive, bool head, bool linger) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::server, "kubemonitor");
    response_.set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response_.set(name, value);
    response_.keep_alive(keep_alive);
    if (head) {
      response_.content_length(answer.body.size());  // the length a GET would have had, no body
    } else {
      response_.body() = std::move(answer.body);
      response_.prepare_payload();
    }
    lowest().expires_after(server_.options.read_timeout);
    http::async_write(stream_, response_,
                      [self = self(), keep_alive, linger](beast::error_code ec, size_t) {
                        if (ec) return self->close();
                        if (!keep_alive) return linger ? self->lingerClose() : self->close();
                        self->parser_.reset();
                        self->waitForRequest(self->server_.options.idle_timeout);
                      });
  }

  void lingerClose() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    linger_deadline_ = std::chrono::steady_clock::now() + kLingerTimeout;
    drain();
  }

  // Drains raw bytes (encrypted ones on TLS: they are thrown away unread either way).
  void drain() {
    lowest().expires_at(linger_deadline_);
    lowest().async_read_some(net::buffer(drain_buffer_), [self = self()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  // On TLS this closes without a close_notify: every answer carries Content-Length, so a client
  // can tell a complete answer from a truncated one (RFC 8446 §6.1 allows this for HTTP).
  void close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  Stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> response_;
  bool idle_ = false;  // waiting for a request's first byte; on the session's strand
  std::chrono::steady_clock::time_point linger_deadline_;
  std::array<char, 4096> drain_buffer_{};
};

}  // namespace

void HttpServer::Impl::doAccept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    onAccept(ec, std::move(socket));
  });
}

void HttpServer::Impl::onAccept(beast::error_code ec, tcp::socket socket) {
  if (ec) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    // Out of file descriptors (or similar): wait a little rather than spin on the error.
    spdlog::warn("http: accept: {}", ec.message());
    accept_retry_timer.expires_after(kAcceptRetryDelay);
    accept_retry_timer.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor.is_open()) doAccept();
    });
    return;
  }
  {
    // An answer is written whole, then the next request awaited: Nagle would hold the tail of a
    // large answer until the client's delayed ACK (40 ms on Linux).
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
  }
  if (connections.load() >= options.max_connections && !evictOldestIdle()) {
    // Every connection is busy: refuse this one. Logged on powers of two to stay quiet under load.
    ++refused;
    if ((refused & (refused - 1)) == 0) {
      spdlog::warn("http: {} connections open (the maximum); refused {} so far", connections.load(), refused);
    }
    beast::error_code ignored;
    socket.close(ignored);
  } else {
    if (tls) {
      std::make_shared<Session<TlsStream>>(std::move(socket), *this)->start();
    } else {
      std::make_shared<Session<PlainStream>>(std::move(socket), *this)->start();
    }
  }
  doAccept();
}

bool HttpServer::Impl::evictOldestIdle() {
  std::shared_ptr<SessionBase> victim;
  {
    std::lock_guard lock(idle_mutex);
    while (!idle.empty() && !victim) {
      victim = idle.front().lock();
      if (victim) victim->in_idle_list_ = false;
      idle.pop_front();
    }
  }
  if (!victim) return false;
  victim->evict();
  return true;
}

bool HttpServer::Impl::enterIdle(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard lock(idle_mutex);
  if (stopping) return false;
  session->idle_it_ = idle.insert(idle.end(), session);
  session->in_idle_list_ = true;
  return true;
}

void HttpServer::Impl::leaveIdle(SessionBase& session) {
  std::lock_guard lock(idle_mutex);
  if (!session.in_idle_list_) return;  // already taken out by an eviction
  idle.erase(session.idle_it_);
  session.in_idle_list_ = false;
}

void HttpServer::Impl::sessionClosed() {
  if (connections.fetch_sub(1) != 1 || destroying.load()) return;
  // The last connection closed: if we are stopping, run() may return now rather than at the end
  // of the grace period.
  net::post(control, [this] {
    if (stop_requested) grace_timer.cancel();
  });
}

void HttpServer::Impl::doStop() {
  if (stop_requested) return;
  stop_requested = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  signals.cancel(ignored);
  accept_retry_timer.cancel();
  std::list<std::weak_ptr<SessionBase>> idle_now;
  {
    std::lock_guard lock(idle_mutex);
    stopping = true;
    for (auto& weak : idle) {
      if (auto session = weak.lock()) session->in_idle_list_ = false;
    }
    idle_now.swap(idle);
  }
  for (auto& weak : idle_now) {
    if (auto session = weak.lock()) session->evict();
  }
  if (connections.load() == 0) return;
  grace_timer.expires_after(options.shutdown_grace);
  grace_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;  // cancelled: every connection closed in time
    spdlog::warn("http: {} connections still open after the shutdown grace period; closing them", connections.load());
    ioc.stop();
  });
}

HttpServer::HttpServer(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::HttpServer(ServerOptions options, SyncHandler handler)
    : HttpServer(std::move(options), Handler([handler = std::move(handler)](HttpRequest request, Responder respond) {
                   respond(handler(request));
                 })) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() {
  const ServerOptions& options = impl_->options;
  const std::string where = options.listen_address + ":" + std::to_string(options.port);
  if (!options.tls_cert_file.empty()) {
    auto& tls = impl_->tls.emplace(net::ssl::context::tls_server);
    // TLS 1.2 and 1.3 only; OpenSSL's default cipher list for those.
    tls.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                    net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls.use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) return makeError(ErrorCode::kInvalidArgument, "TLS certificate: " + ec.message(), options.tls_cert_file);
    tls.use_private_key_file(options.tls_key_file, net::ssl::context::pem, ec);
    if (ec) return makeError(ErrorCode::kInvalidArgument, "TLS private key: " + ec.message(), options.tls_key_file);
  }
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options.listen_address, ec);
  if (ec) {
    // Not a literal address: a host name such as "localhost".
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(options.listen_address, "", ec);
    if (ec || results.empty()) {
      return makeError(ErrorCode::kInvalidArgument, "cannot resolve listen address: " + ec.message(), where);
    }
    address = results.begin()->endpoint().address();
  }
  const tcp::endpoint endpoint(address, options.port);
  auto& acceptor = impl_->acceptor;
  // Each step checks ec itself: whether these calls also return it depends on Asio's deprecation mode.
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return makeError(ErrorCode::kIo, "socket: " + ec.message(), where);
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return makeError(ErrorCode::kIo, "SO_REUSEADDR: " + ec.message(), where);
  acceptor.bind(endpoint, ec);
  if (ec) return makeError(ErrorCode::kIo, "bind: " + ec.message(), where);
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return makeError(ErrorCode::kIo, "listen: " + ec.message(), where);
  impl_->bound_port.store(acceptor.local_endpoint().port());
  net::post(impl_->control, [impl = impl_.get()] {
    if (!impl->stop_requested) impl->doAccept();
  });
  return {};
}

uint16_t HttpServer::port() const { return impl_->bound_port.load(); }

unsigned HttpServer::threads() const {
  return impl_->options.threads > 0 ? impl_->options.threads : usableCpuCount();
}

void HttpServer::run() {
  const unsigned extra = threads() - 1;
  std::vector<std::thread> threads;
  threads.reserve(extra);
  for (unsigned i = 0; i < extra; ++i) {
    threads.emplace_back([this] {
      nameThisThread("km-http");
      impl_->ioc.run();
    });
  }
  impl_->ioc.run();
  for (auto& thread : threads) thread.join();
}

void HttpServer::stop() {
  net::post(impl_->control, [impl = impl_.get()] { impl->doStop(); });
}

void HttpServer::stopOnSignals(const std::vector<int>& signals) {
  for (int signal : signals) impl_->signals.add(signal);
  impl_->signals.async_wait([impl = impl_.get()](beast::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signal);
    impl->doStop();
  });
}

size_t HttpServer::connectionCount() const { return impl_->connections.load(); }

}  // namespace kubemonitor::server
