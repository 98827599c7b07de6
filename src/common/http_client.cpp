#include "common/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace kubemonitor {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// A watch stream's pieces: the API server flushes one event (a line, ~1–20 KiB) at a time.
constexpr size_t kStreamPieceBytes = 16 * 1024;

bool isAddress(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// The peer closed a kept-alive connection before answering: the request may be sent again on a
// new one (the server never saw it).
bool isStaleConnection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

}  // namespace

Result<HttpUrl> parseHttpUrl(std::string_view url) {
  HttpUrl out;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else {
    return makeError(ErrorCode::kInvalidArgument, "not an http:// or https:// URL", std::string(url));
  }
  const size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view port;
  if (authority.starts_with('[')) {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return makeError(ErrorCode::kInvalidArgument, "unclosed [", std::string(url));
    out.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else {
    const size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return makeError(ErrorCode::kInvalidArgument, "no host", std::string(url));
  if (!port.empty() && port.find_first_not_of("0123456789") != std::string_view::npos) {
    return makeError(ErrorCode::kInvalidArgument, "bad port", std::string(url));
  }
  out.port = port.empty() ? (out.tls ? "443" : "80") : std::string(port);
  return out;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions o) : options(std::move(o)) {}

  HttpClientOptions options;
  net::io_context ioc;
  std::optional<net::ssl::context> tls_context;  // made on the first https:// request
  // The kept connection (one of the two streams) and the URL authority it belongs to.
  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> tls;
  std::string connected_to;  // "https://host:port", "" = none
  beast::flat_buffer buffer;
  std::atomic<bool> cancelled{false};

  // Runs the io_context until every started operation finished (or cancel() closed the socket).
  void run() {
    ioc.restart();
    ioc.run();
  }

  beast::tcp_stream& tcpLayer() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void closeConnection() {
    if (connected_to.empty()) return;
    beast::error_code ignored;
    tcpLayer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcpLayer().socket().close(ignored);
    plain.reset();
    tls.reset();
    connected_to.clear();
    buffer.clear();
  }

  // cancel()'s part, on the request's thread: pending operations complete with operation_aborted
  // and the request tears the connection down itself (the streams must outlive their operations).
  void abortSocket() {
    if (connected_to.empty()) return;
    beast::error_code ignored;
    tcpLayer().socket().close(ignored);
  }

  Error transportError(const beast::error_code& ec, const std::string& url) const {
    if (cancelled) return makeError(ErrorCode::kUnavailable, "cancelled", url);
    if (ec == beast::error::timeout) return makeError(ErrorCode::kUnavailable, "timed out", url);
    return makeError(ErrorCode::kUnavailable, ec.message(), url);
  }

  Status prepareTls(const std::string& url) {
    if (tls_context) return {};
    auto& context = tls_context.emplace(net::ssl::context::tls_client);
    context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                        net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    const TlsTrust& trust = options.tls;
    if (trust.insecure_skip_verify) {
      context.set_verify_mode(net::ssl::verify_none);
      return {};
    }
    context.set_verify_mode(net::ssl::verify_peer, ec);
    if (!trust.ca_file.empty()) context.load_verify_file(trust.ca_file, ec);
    if (!ec && !trust.ca_pem.empty()) context.add_certificate_authority(net::buffer(trust.ca_pem), ec);
    if (!ec && trust.ca_file.empty() && trust.ca_pem.empty()) context.set_default_verify_paths(ec);
    if (ec) {
      tls_context.reset();
      return makeError(ErrorCode::kInvalidArgument, "CA certificates: " + ec.message(), url);
    }
    return {};
  }

  Status connect(const HttpUrl& target, const std::string& url) {
    const std::string authority = (target.tls ? "https://" : "http://") + target.host + ":" + target.port;
    if (connected_to == authority) return {};
    closeConnection();
    if (target.tls) {
      if (auto prepared = prepareTls(url); !prepared) return prepared;
    }
    // A blocking getaddrinfo: no resolver thread; in-cluster and `kubectl proxy` URLs are addresses.
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (ec) return makeError(ErrorCode::kUnavailable, "resolve: " + ec.message(), url);

    if (target.tls) {
      tls.emplace(ioc, *tls_context);
    } else {
      plain.emplace(ioc);
    }
    connected_to = authority;  // closeConnection() now tears it down on failure
    beast::tcp_stream& layer = tcpLayer();
    layer.expires_after(options.connect_timeout);
    ec = net::error::would_block;
    layer.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (!ec && cancelled) ec = net::error::operation_aborted;
    if (!ec) {
      // A request is written whole and then awaited: Nagle would hold the tail of a body larger
      // than a segment until the peer's delayed ACK (40 ms on Linux), on every such request.
      beast::error_code ignored;
      layer.socket().set_option(tcp::no_delay(true), ignored);
    }
    if (!ec && target.tls) {
      SSL* ssl = tls->native_handle();
      if (isAddress(target.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), target.host.c_str());
      } else {
        // SNI; SSL_set_tlsext_host_name is this call behind a C cast.
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(target.host.c_str()));
        SSL_set1_host(ssl, target.host.c_str());
      }
      ec = net::error::would_block;
      tls->async_handshake(net::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
      run();
    }
    if (ec) {
      Error error = transportError(ec, url);
      closeConnection();
      return error;
    }
    return {};
  }

  template <class Operation>
  beast::error_code onStream(Operation&& operation) {
    beast::error_code ec = net::error::would_block;
    if (tls) {
      operation(*tls, ec);
    } else {
      operation(*plain, ec);
    }
    run();
    if (!ec && cancelled) ec = net::error::operation_aborted;
    return ec;
  }

  http::request<http::string_body> makeRequest(http::verb verb, const HttpUrl& target, std::string_view body,
                                               const std::vector<std::string>& headers) const {
    http::request<http::string_body> request(verb, target.target, 11);
    const bool default_port = target.port == (target.tls ? "443" : "80");
    const std::string host = target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host;
    request.set(http::field::host, default_port ? host : host + ":" + target.port);
    request.set(http::field::user_agent, options.user_agent);
    for (const auto& line : headers) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const size_t value = line.find_first_not_of(' ', colon + 1);
      request.set(line.substr(0, colon), value == std::string::npos ? std::string() : line.substr(value));
    }
    request.body() = std::string(body);
    if (verb != http::verb::get || !body.empty()) request.prepare_payload();
    return request;
  }

  static HttpResponse fromHeader(const http::response_header<>& header) {
    HttpResponse response;
    response.status = static_cast<long>(header.result_int());
    if (auto it = header.find(http::field::retry_after); it != header.end()) response.retry_after = std::string(it->value());
    if (auto it = header.find(http::field::content_encoding); it != header.end()) {
      response.content_encoding = std::string(it->value());
    }
    return response;
  }

  // Sends `request` and reads the answer into `parser`; a kept connection the peer had closed is
  // replaced once. Returns the error of the last attempt.
  template <class Parser>
  beast::error_code exchange(const HttpUrl& target, const std::string& url, http::request<http::string_body>& request,
                             std::chrono::milliseconds timeout, std::optional<Parser>& parser, bool header_only,
                             Status& connect_status) {
    for (int attempt = 0;; ++attempt) {
      const bool reused = connected_to == (target.tls ? "https://" : "http://") + target.host + ":" + target.port;
      connect_status = connect(target, url);
      if (!connect_status) return {};
      tcpLayer().expires_after(timeout);
      parser.emplace();
      parser->body_limit(header_only ? boost::optional<std::uint64_t>() : boost::optional<std::uint64_t>(options.max_body_bytes));
      beast::error_code ec = onStream([&](auto& stream, beast::error_code& out) {
        http::async_write(stream, request, [&](beast::error_code e, size_t) { out = e; });
      });
      if (!ec) {
        ec = onStream([&](auto& stream, beast::error_code& out) {
          if (header_only) {
            http::async_read_header(stream, buffer, *parser, [&](beast::error_code e, size_t) { out = e; });
          } else {
            http::async_read(stream, buffer, *parser, [&](beast::error_code e, size_t) { out = e; });
          }
        });
      }
      if (ec && reused && attempt == 0 && !cancelled && !parser->got_some() && isStaleConnection(ec)) {
        closeConnection();
        continue;
      }
      return ec;
    }
  }

  Result<HttpResponse> perform(http::verb verb, const std::string& url, std::string_view body,
                               const std::vector<std::string>& headers) {
    if (cancelled) return makeError(ErrorCode::kUnavailable, "cancelled", url);
    auto target = parseHttpUrl(url);
    if (!target) return target.error();
    auto request = makeRequest(verb, *target, body, headers);
    std::optional<http::response_parser<http::string_body>> parser;
    Status connected;
    const beast::error_code ec = exchange(*target, url, request, options.request_timeout, parser, false, connected);
    if (!connected) return connected.error();
    if (ec) {
      Error error = ec == http::error::body_limit
                        ? makeError(ErrorCode::kTooLarge, "answer larger than the body limit", url)
                        : transportError(ec, url);
      closeConnection();
      return error;
    }
    auto& message = parser->get();
    HttpResponse response = fromHeader(message.base());
    response.body = std::move(message.body());
    if (!message.keep_alive()) closeConnection();
    return response;
  }

  Result<HttpResponse> stream(const std::string& url, const std::vector<std::string>& headers,
                              std::chrono::milliseconds timeout,
                              const std::function<bool(std::string_view)>& on_data) {
    if (cancelled) return makeError(ErrorCode::kUnavailable, "cancelled", url);
    auto target = parseHttpUrl(url);
    if (!target) return target.error();
    auto request = makeRequest(http::verb::get, *target, {}, headers);
    std::optional<http::response_parser<http::buffer_body>> parser;
    Status connected;
    beast::error_code ec = exchange(*target, url, request, timeout, parser, true, connected);
    if (!connected) return connected.error();
    if (ec) {
      Error error = transportError(ec, url);
      closeConnection();
      return error;
    }
    HttpResponse response = fromHeader(parser->get().base());
    if (response.status < 200 || response.status >= 300) {
      // An error answer (a Status document): read it whole, bounded like any other answer.
      http::response_parser<http::string_body> whole(std::move(*parser));
      whole.body_limit(options.max_body_bytes);
      ec = onStream([&](auto& stream, beast::error_code& out) {
        http::async_read(stream, buffer, whole, [&](beast::error_code e, size_t) { out = e; });
      });
      if (ec) {
        Error error = transportError(ec, url);
        closeConnection();
        return error;
      }
      response.body = std::move(whole.get().body());
      if (!whole.get().keep_alive()) closeConnection();
      return response;
    }
    std::array<char, kStreamPieceBytes> piece{};
    bool consumer_stopped = false;
    while (!parser->is_done()) {
      auto& body = parser->get().body();
      body.data = piece.data();
      body.size = piece.size();
      // read_some: whatever arrived is handed on at once (read would wait for a full piece).
      ec = onStream([&](auto& stream, beast::error_code& out) {
        http::async_read_some(stream, buffer, *parser, [&](beast::error_code e, size_t) { out = e; });
      });
      // Bytes that arrived before an error are still the stream's.
      const size_t received = piece.size() - parser->get().body().size;
      if (received > 0 && !on_data(std::string_view(piece.data(), received))) {
        consumer_stopped = true;
        break;
      }
      if (ec == http::error::need_buffer) ec = {};
      if (ec) break;
    }
    // A stream ended early leaves unread bytes on the connection: it cannot be reused.
    if (ec || consumer_stopped || !parser->get().keep_alive()) closeConnection();
    if (ec && !cancelled) return transportError(ec, url);
    return response;
  }
};

HttpClient::HttpClient() : HttpClient(HttpClientOptions{}) {}

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::HttpClient(std::chrono::milliseconds timeout, std::string ca_file)
    : HttpClient(HttpClientOptions{timeout, timeout, TlsTrust{std::move(ca_file), {}, false}}) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::get(const std::string& url, const std::vector<std::string>& headers) {
  return impl_->perform(http::verb::get, url, {}, headers);
}

Result<HttpResponse> HttpClient::post(const std::string& url, std::string_view body,
                                      const std::vector<std::string>& headers) {
  return impl_->perform(http::verb::post, url, body, headers);
}

Result<HttpResponse> HttpClient::stream(const std::string& url, const std::vector<std::string>& headers,
                                        std::chrono::milliseconds timeout,
                                        const std::function<bool(std::string_view data)>& on_data) {
  return impl_->stream(url, headers, timeout, on_data);
}

void HttpClient::cancel() {
  impl_->cancelled = true;
  // Runs on the thread inside run() (or at the start of the next one): the socket is only ever
  // touched by the thread doing the request.
  net::post(impl_->ioc, [impl = impl_.get()] { impl->abortSocket(); });
}

std::string percentEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3 / 2);
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace kubemonitor
