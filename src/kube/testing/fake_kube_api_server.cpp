#include "kube/testing/fake_kube_api_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <simdjson.h>

#include "common/json_writer.h"

namespace kubemonitor::kube {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

std::string percentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

// Query parameters of a request target, decoded.
std::map<std::string, std::string> queryOf(std::string_view target) {
  std::map<std::string, std::string> out;
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return out;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    out[percentDecode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

// A core/v1 Status object, as the API server writes it for failures.
std::string statusJson(int code, std::string_view reason, std::string_view message) {
  std::string out;
  JsonWriter writer(out);
  writer.beginObject()
      .field("kind", "Status")
      .field("apiVersion", "v1")
      .key("metadata").beginObject().endObject()
      .field("status", "Failure")
      .field("message", message)
      .field("reason", reason)
      .field("code", code)
      .endObject();
  return out;
}

struct ParsedPod {
  std::string uid;
  std::string node_name;
  std::string json;  // minified
};

Result<ParsedPod> parsePodObject(simdjson::dom::element pod) {
  ParsedPod out;
  std::string_view uid;
  if (pod["metadata"]["uid"].get_string().get(uid)) {
    return makeError(ErrorCode::kInvalidArgument, "fake API server: pod without metadata.uid");
  }
  out.uid = uid;
  std::string_view node;
  if (!pod["spec"]["nodeName"].get_string().get(node)) out.node_name = node;
  out.json = simdjson::minify(pod);
  return out;
}

// Puts "resourceVersion" first in the pod's metadata (where lookups find it first).
std::string stampResourceVersion(const std::string& minified_pod, uint64_t version) {
  const std::string anchor = "\"metadata\":{";
  const size_t at = minified_pod.find(anchor);
  if (at == std::string::npos) return minified_pod;
  std::string out = minified_pod;
  const bool empty_metadata = out.compare(at + anchor.size(), 1, "}") == 0;
  out.insert(at + anchor.size(),
             "\"resourceVersion\":\"" + std::to_string(version) + "\"" + (empty_metadata ? "" : ","));
  return out;
}

void writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;  // the client went away; the read side notices
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// True when the peer closed its end (a watch client that went away while no events flow).
bool peerClosed(int fd) {
  char byte;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

std::string chunk(std::string_view line) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", line.size() + 1);
  return std::string(size) + std::string(line) + "\n\r\n";
}

}  // namespace

FakeKubeApiServer::FakeKubeApiServer() = default;

FakeKubeApiServer::~FakeKubeApiServer() { stop(); }

Status FakeKubeApiServer::start() {
  std::lock_guard lock(mutex_);
  if (running_) return {};
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errnoError(errno, "socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // come back on the same port
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port_);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0) {
    const int error = errno;
    ::close(fd);
    return errnoError(error, "bind/listen 127.0.0.1", std::to_string(port_));
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  listen_fd_ = fd;
  running_ = true;
  accept_thread_ = std::thread([this] { acceptLoop(); });
  return {};
}

void FakeKubeApiServer::stop() {
  std::vector<std::thread> threads;
  std::thread accept_thread;
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
    // shutdown() wakes the threads blocked in accept() and read(); they close their own fds.
    ::shutdown(listen_fd_, SHUT_RDWR);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    accept_thread = std::move(accept_thread_);
  }
  changed_.notify_all();
  accept_thread.join();
  {
    std::lock_guard lock(mutex_);
    ::close(listen_fd_);
    listen_fd_ = -1;
    threads = std::move(connection_threads_);
    connection_threads_.clear();
  }
  for (auto& thread : threads) thread.join();
}

uint16_t FakeKubeApiServer::port() const {
  std::lock_guard lock(mutex_);
  return port_;
}

std::string FakeKubeApiServer::baseUrl() const { return "http://127.0.0.1:" + std::to_string(port()); }

void FakeKubeApiServer::acceptLoop() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard lock(mutex_);
    if (!running_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    if (fd < 0) continue;  // EINTR, ECONNABORTED
    open_fds_.insert(fd);
    connection_threads_.emplace_back([this, fd] { serveConnection(fd); });
  }
}

void FakeKubeApiServer::serveConnection(int fd) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.assign(asio::ip::tcp::v4(), fd, ec);
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    http::read(socket, buffer, request, ec);
    if (ec) break;
    const std::string target(request.target());
    std::string authorization(request[http::field::authorization]);
    std::string required_token;
    {
      std::lock_guard lock(mutex_);
      if (!running_) break;
      requests_.push_back({target, authorization});
      required_token = required_token_;
    }
    http::response<http::string_body> response;
    response.version(11);
    response.set(http::field::content_type, "application/json");
    response.keep_alive(request.keep_alive());
    const std::string path = target.substr(0, target.find('?'));
    auto query = queryOf(target);
    std::string node;
    if (auto selector = query.find("fieldSelector"); selector != query.end()) {
      const std::string prefix = "spec.nodeName=";
      if (selector->second.rfind(prefix, 0) == 0) node = selector->second.substr(prefix.size());
    }
    int status = 200;
    std::string body;
    if (!required_token.empty() && authorization != "Bearer " + required_token) {
      status = 401;
      body = statusJson(401, "Unauthorized", "Unauthorized");
    } else if (path == "/api/v1/pods" && query["watch"] == "1") {
      const std::string& version_text = query["resourceVersion"];
      uint64_t from_version = 0;
      if (!version_text.empty()) from_version = std::stoull(version_text);
      handleWatch(fd, node, from_version);
      break;  // a watch answer ends with the connection
    } else if (path == "/api/v1/pods") {
      size_t limit = 0;
      size_t offset = 0;
      if (!query["limit"].empty()) limit = std::stoul(query["limit"]);
      if (!query["continue"].empty()) offset = std::stoul(query["continue"]);
      body = handleList(node, limit, offset, status);
    } else if (path.rfind("/apis/apps/v1/namespaces/", 0) == 0 && path.find("/replicasets/") != std::string::npos) {
      const std::string rest = path.substr(std::string("/apis/apps/v1/namespaces/").size());
      const std::string ns = rest.substr(0, rest.find('/'));
      const std::string name = rest.substr(rest.rfind('/') + 1);
      std::lock_guard lock(mutex_);
      auto found = replica_sets_.find(ns + "/" + name);
      if (replica_sets_forbidden_) {
        status = 403;
        body = statusJson(403, "Forbidden",
                          "replicasets.apps \"" + name +
                              "\" is forbidden: User \"system:serviceaccount:kube-system:kubemonitor-agent\" cannot get "
                              "resource \"replicasets\" in API group \"apps\" in the namespace \"" + ns + "\"");
      } else if (found == replica_sets_.end()) {
        status = 404;
        body = statusJson(404, "NotFound", "replicasets.apps \"" + name + "\" not found");
      } else {
        std::string owners;
        if (!found->second.empty()) {
          owners = ",\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"" +
                   found->second + "\",\"uid\":\"8c1d2e3f-0000-4000-8000-000000000001\",\"controller\":true," +
                   "\"blockOwnerDeletion\":true}]";
        }
        body = "{\"kind\":\"ReplicaSet\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"" + name +
               "\",\"namespace\":\"" + ns + "\",\"uid\":\"2b3c4d5e-0000-4000-8000-000000000002\"," +
               "\"resourceVersion\":\"" + std::to_string(resource_version_) + "\"" + owners +
               "},\"spec\":{\"replicas\":1},\"status\":{\"replicas\":1,\"readyReplicas\":1}}";
      }
    } else {
      status = 404;
      body = statusJson(404, "NotFound", "the server could not find the requested resource");
    }
    response.result(static_cast<unsigned>(status));
    response.body() = std::move(body);
    response.prepare_payload();
    http::write(socket, response, ec);
    if (ec || !request.keep_alive()) break;
  }
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  std::lock_guard lock(mutex_);
  open_fds_.erase(fd);
  // The socket closes fd when it goes out of scope, after fd left open_fds_ (no shutdown on a reused fd).
}

std::string FakeKubeApiServer::handleList(const std::string& node, size_t limit, size_t offset, int& status) {
  std::lock_guard lock(mutex_);
  std::vector<const StoredPod*> selected;
  for (const auto& [uid, pod] : pods_) {
    if (node.empty() || pod.node_name == node) selected.push_back(&pod);
  }
  if (offset > selected.size()) {
    status = 410;
    return statusJson(410, "Expired", "The provided continue parameter is too old");
  }
  const size_t end = limit == 0 ? selected.size() : std::min(selected.size(), offset + limit);
  std::string out = "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"" +
                    std::to_string(resource_version_) + "\"";
  if (end < selected.size()) out += ",\"continue\":\"" + std::to_string(end) + "\",\"remainingItemCount\":" +
                                    std::to_string(selected.size() - end);
  out += "},\"items\":[";
  for (size_t i = offset; i < end; ++i) {
    if (i > offset) out += ',';
    out += selected[i]->json;
  }
  out += "]}";
  return out;
}

void FakeKubeApiServer::handleWatch(int fd, const std::string& node, uint64_t from_version) {
  std::unique_lock lock(mutex_);
  if (from_version != 0 && from_version < compacted_version_) {
    const std::string body = statusJson(410, "Expired", "too old resource version: " + std::to_string(from_version) +
                                                            " (" + std::to_string(compacted_version_) + ")");
    lock.unlock();
    writeAll(fd, "HTTP/1.1 410 Gone\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    return;
  }
  if (from_version == 0) from_version = resource_version_;
  ++open_watches_;
  const uint64_t expire_generation = expire_generation_;
  const uint64_t end_generation = end_generation_;
  size_t next_event = 0;
  lock.unlock();
  writeAll(fd,
           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\n"
           "Transfer-Encoding: chunked\r\n\r\n");
  lock.lock();
  for (;;) {
    std::string out;
    for (; next_event < events_.size(); ++next_event) {
      const Event& event = events_[next_event];
      if (event.resource_version <= from_version) continue;
      if (!event.node_name.empty() && !node.empty() && event.node_name != node) continue;
      out += chunk(event.line);
    }
    bool finished = !running_;
    if (expire_generation_ != expire_generation) {
      out += chunk("{\"type\":\"ERROR\",\"object\":" +
                   statusJson(410, "Expired", "too old resource version: " + std::to_string(from_version)) + "}");
      finished = true;
    }
    if (end_generation_ != end_generation) finished = true;
    if (!out.empty() || finished) {
      lock.unlock();
      if (!out.empty()) writeAll(fd, out);
      if (finished) writeAll(fd, "0\r\n\r\n");
      lock.lock();
    }
    if (finished) break;
    // Wakes for news, and every 20 ms to notice a client that hung up (as the real server does).
    changed_.wait_for(lock, std::chrono::milliseconds(20), [&] {
      return next_event < events_.size() || !running_ || expire_generation_ != expire_generation ||
             end_generation_ != end_generation;
    });
    if (peerClosed(fd)) break;
  }
  --open_watches_;
}

Status FakeKubeApiServer::loadPodList(std::string_view pod_list_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(pod_list_json).get(root)) return makeError(ErrorCode::kParse, "fake API server: bad PodList");
  simdjson::dom::array items;
  if (root["items"].get_array().get(items)) return makeError(ErrorCode::kParse, "fake API server: PodList without items");
  std::map<std::string, StoredPod> pods;
  for (simdjson::dom::element item : items) {
    auto pod = parsePodObject(item);
    if (!pod) return pod.error();
    pods[pod->uid] = StoredPod{pod->node_name, pod->json};
  }
  std::string_view version;
  uint64_t list_version = 1;
  if (!root["metadata"]["resourceVersion"].get_string().get(version)) list_version = std::stoull(std::string(version));
  std::lock_guard lock(mutex_);
  pods_ = std::move(pods);
  resource_version_ = std::max(resource_version_, list_version);
  return {};
}

Status FakeKubeApiServer::pushPodEvent(std::string_view type, std::string_view pod_json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(pod_json).get(root)) return makeError(ErrorCode::kParse, "fake API server: bad pod JSON");
  auto pod = parsePodObject(root);
  if (!pod) return pod.error();
  {
    std::lock_guard lock(mutex_);
    const uint64_t version = ++resource_version_;
    const std::string stamped = stampResourceVersion(pod->json, version);
    if (type == "DELETED") {
      pods_.erase(pod->uid);
    } else {
      pods_[pod->uid] = StoredPod{pod->node_name, stamped};
    }
    events_.push_back(Event{version, pod->node_name,
                            "{\"type\":\"" + std::string(type) + "\",\"object\":" + stamped + "}"});
  }
  changed_.notify_all();
  return {};
}

Status FakeKubeApiServer::addPod(std::string_view pod_json) { return pushPodEvent("ADDED", pod_json); }
Status FakeKubeApiServer::modifyPod(std::string_view pod_json) { return pushPodEvent("MODIFIED", pod_json); }
Status FakeKubeApiServer::deletePod(std::string_view pod_json) { return pushPodEvent("DELETED", pod_json); }

void FakeKubeApiServer::bookmark() {
  {
    std::lock_guard lock(mutex_);
    const uint64_t version = ++resource_version_;
    events_.push_back(Event{version, "",
                            "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{"
                            "\"resourceVersion\":\"" + std::to_string(version) + "\",\"creationTimestamp\":null},"
                            "\"spec\":{\"containers\":null},\"status\":{}}}"});
  }
  changed_.notify_all();
}

void FakeKubeApiServer::expireWatches() {
  {
    std::lock_guard lock(mutex_);
    ++expire_generation_;
  }
  changed_.notify_all();
}

void FakeKubeApiServer::compactHistory() {
  {
    std::lock_guard lock(mutex_);
    // Other objects changed meanwhile: the current version moves past every version a client holds.
    compacted_version_ = ++resource_version_;
    ++end_generation_;
  }
  changed_.notify_all();
}

void FakeKubeApiServer::endWatches() {
  {
    std::lock_guard lock(mutex_);
    ++end_generation_;
  }
  changed_.notify_all();
}

void FakeKubeApiServer::pushRawWatchLine(std::string line) {
  {
    std::lock_guard lock(mutex_);
    events_.push_back(Event{++resource_version_, "", std::move(line)});
  }
  changed_.notify_all();
}

void FakeKubeApiServer::setReplicaSet(const std::string& namespace_name, const std::string& name,
                                      const std::string& deployment) {
  std::lock_guard lock(mutex_);
  replica_sets_[namespace_name + "/" + name] = deployment;
}

void FakeKubeApiServer::setReplicaSetsForbidden(bool forbidden) {
  std::lock_guard lock(mutex_);
  replica_sets_forbidden_ = forbidden;
}

void FakeKubeApiServer::setRequiredToken(std::string token) {
  std::lock_guard lock(mutex_);
  required_token_ = std::move(token);
}

std::vector<RecordedRequest> FakeKubeApiServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t FakeKubeApiServer::openWatches() const {
  std::lock_guard lock(mutex_);
  return open_watches_;
}

std::string FakeKubeApiServer::resourceVersion() const {
  std::lock_guard lock(mutex_);
  return std::to_string(resource_version_);
}

}  // namespace kubemonitor::kube
