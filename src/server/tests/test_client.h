#pragma once
// A small Beast client for the server's transport tests: synchronous from the test's point of
// view, every call with a deadline, so that a server bug fails the test instead of hanging it.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kubemonitor::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kClientDeadline = 10s;

// Each call runs the client's own io_context until the operation completes or the deadline passes.
class TestClient {
 public:
  explicit TestClient(uint16_t port) : stream_(ioc_) {
    stream_.expires_after(kClientDeadline);
    stream_.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [this](beast::error_code ec) { ec_ = ec; });
    runOnce();
    connected_ = !ec_;
  }

  bool connected() const { return connected_; }

  // Sends one request and reads one response; nullopt on any transport error (e.g. closed).
  std::optional<http::response<http::string_body>> send(http::request<http::string_body> request) {
    request.set(http::field::host, "127.0.0.1");
    request.prepare_payload();
    stream_.expires_after(kClientDeadline);
    http::async_write(stream_, request, [this](beast::error_code ec, size_t) { ec_ = ec; });
    runOnce();
    if (ec_) return std::nullopt;
    return readResponse();
  }

  std::optional<http::response<http::string_body>> get(const std::string& target) {
    return send(http::request<http::string_body>(http::verb::get, target, 11));
  }

  std::optional<http::response<http::string_body>> readResponse() {
    http::response<http::string_body> response;
    stream_.expires_after(kClientDeadline);
    http::async_read(stream_, buffer_, response, [this](beast::error_code ec, size_t) { ec_ = ec; });
    runOnce();
    if (ec_) return std::nullopt;
    return response;
  }

  bool writeRaw(std::string_view bytes) {
    stream_.expires_after(kClientDeadline);
    net::async_write(stream_, net::buffer(bytes), [this](beast::error_code ec, size_t) { ec_ = ec; });
    runOnce();
    return !ec_;
  }

  // True when the server closes the connection (EOF or reset) within `timeout` without sending
  // anything more.
  bool waitForClose(std::chrono::milliseconds timeout) {
    char byte = 0;
    stream_.expires_after(timeout);
    size_t received = 0;
    stream_.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, size_t n) {
      ec_ = ec;
      received = n;
    });
    runOnce();
    return received == 0 && (ec_ == net::error::eof || ec_ == net::error::connection_reset);
  }

 private:
  void runOnce() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
  bool connected_ = false;
};

}  // namespace kubemonitor::testing
