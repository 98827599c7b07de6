#include "common/testing/scripted_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <string_view>

namespace kubemonitor::testing {
namespace {

// Waits until `fd` is readable or the wake pipe fired; false for the wake pipe.
bool waitReadable(int fd, int wake_fd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  while (::poll(fds, 2, -1) < 0) {
  }
  return (fds[1].revents & POLLIN) == 0;
}

size_t contentLength(const std::string& head) {
  for (size_t at = head.find("\r\n"); at != std::string::npos; at = head.find("\r\n", at + 2)) {
    constexpr std::string_view kName = "content-length:";
    std::string line = head.substr(at + 2, kName.size());
    for (char& c : line) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (line == kName) return std::strtoul(head.c_str() + at + 2 + kName.size(), nullptr, 10);
  }
  return 0;
}

}  // namespace

ScriptedHttpServer::ScriptedHttpServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::pipe2(wake_fds_, O_CLOEXEC) != 0) {
    std::abort();  // a test machine without loopback cannot run these tests at all
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  [[maybe_unused]] auto written = ::write(wake_fds_[1], "x", 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_fds_[0]);
  ::close(wake_fds_[1]);
}

std::string ScriptedHttpServer::url(const std::string& target) const {
  return "http://127.0.0.1:" + std::to_string(port_) + target;
}

void ScriptedHttpServer::push(ScriptedReply reply) {
  std::lock_guard lock(mutex_);
  replies_.push_back(std::move(reply));
}

std::string ScriptedHttpServer::reply(int status, const std::string& body, const std::string& extra_headers) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

void ScriptedHttpServer::release() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  [[maybe_unused]] auto written = ::write(wake_fds_[1], "r", 1);
}

std::vector<ReceivedRequest> ScriptedHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void ScriptedHttpServer::waitForRequests(size_t count) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::seconds(10), [&] { return requests_.size() >= count; });
}

void ScriptedHttpServer::serve() {
  int connections = 0;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (!waitReadable(listen_fd_, wake_fds_[0])) {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      char drained[16];
      [[maybe_unused]] auto n = ::read(wake_fds_[0], drained, sizeof drained);
      continue;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections;
    std::string pending;
    bool open = true;
    while (open) {
      // One request: the head, then Content-Length bytes of body.
      size_t head_end;
      while ((head_end = pending.find("\r\n\r\n")) == std::string::npos ||
             pending.size() < head_end + 4 + contentLength(pending.substr(0, head_end + 2))) {
        char chunk[4096];
        if (!waitReadable(fd, wake_fds_[0])) {
          std::lock_guard lock(mutex_);
          if (stopping_) {
            ::close(fd);
            return;
          }
          char drained[16];
          [[maybe_unused]] auto n = ::read(wake_fds_[0], drained, sizeof drained);
          continue;
        }
        const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
        if (got <= 0) {
          open = false;
          break;
        }
        pending.append(chunk, static_cast<size_t>(got));
      }
      if (!open) break;
      const std::string head = pending.substr(0, head_end + 2);
      const size_t body_bytes = contentLength(head);
      ScriptedReply reply;
      bool have_reply = false;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back({head, pending.substr(head_end + 4, body_bytes), connections});
        if (!replies_.empty()) {
          reply = std::move(replies_.front());
          replies_.pop_front();
          have_reply = true;
        }
        released_ = false;
      }
      changed_.notify_all();
      pending.erase(0, head_end + 4 + body_bytes);
      if (!have_reply) break;  // nothing scripted: hang up
      for (size_t sent = 0; sent < reply.bytes.size();) {
        const ssize_t n = ::send(fd, reply.bytes.data() + sent, reply.bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      if (reply.hold_until_release) {
        // Until release(), the test's end, or the client hanging up.
        for (;;) {
          if (waitReadable(fd, wake_fds_[0])) {
            char chunk[4096];
            if (::recv(fd, chunk, sizeof chunk, 0) <= 0) break;
            continue;
          }
          char drained[16];
          [[maybe_unused]] auto n = ::read(wake_fds_[0], drained, sizeof drained);
          std::lock_guard lock(mutex_);
          if (released_ || stopping_) break;
        }
        open = false;
      }
      if (reply.close_after) open = false;
    }
    ::close(fd);
  }
}

}  // namespace kubemonitor::testing
