#pragma once
// An HTTP/1.1 peer for client tests on 127.0.0.1 (port 0): it answers each request with the next
// scripted reply, verbatim, and records what it received. A reply can hold the connection open
// until release() (a watch that sends nothing), close it after answering, or never answer.
// One thread for the listener and the connections, one connection at a time; thread-safe.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace kubemonitor::testing {

struct ScriptedReply {
  std::string bytes;               // written as is (status line, headers, body, chunks)
  bool close_after = false;        // close the connection once written
  bool hold_until_release = false; // after writing, keep the connection open until release()
};

struct ReceivedRequest {
  std::string head;  // request line and headers, up to the blank line
  std::string body;  // Content-Length bytes
  int connection = 0;  // 1 for the first accepted connection, 2 for the second…
};

class ScriptedHttpServer {
 public:
  ScriptedHttpServer();
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& target = "/") const;

  void push(ScriptedReply reply);
  // "HTTP/1.1 <status> X\r\nContent-Length: …\r\n<extra_headers>\r\n<body>".
  static std::string reply(int status, const std::string& body, const std::string& extra_headers = {});
  // Ends every held connection.
  void release();

  std::vector<ReceivedRequest> requests() const;
  // Blocks until `count` requests arrived (bounded by 10 s; the test then fails on its own check).
  void waitForRequests(size_t count) const;

 private:
  void serve();

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<ScriptedReply> replies_;
  std::vector<ReceivedRequest> requests_;
  bool released_ = false;
  bool stopping_ = false;
  int wake_fds_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace kubemonitor::testing
