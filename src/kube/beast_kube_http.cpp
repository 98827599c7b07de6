#include "common/compression.h"
#include "common/files.h"
#include "kube/kube_http.h"

namespace kubemonitor::kube {
namespace {

// Bodies bigger than this are refused: a LIST page of 500 pods is a few MiB.
constexpr size_t kMaxBodyBytes = 256u << 20;

// Splits a stream into lines for the consumer; false once it asked to stop.
class LineSplitter {
 public:
  explicit LineSplitter(const std::function<bool(std::string_view)>& on_line) : on_line_(on_line) {}

  bool add(std::string_view data) {
    if (pending_.size() + data.size() > kMaxBodyBytes) {
      too_large_ = true;  // one "line" of 256 MiB is not a watch event
      return false;
    }
    pending_.append(data);
    size_t start = 0;
    for (size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string_view line(pending_.data() + start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty() && !on_line_(line)) {
        stopped_ = true;
        return false;
      }
    }
    pending_.erase(0, start);
    return true;
  }
  // A last line without '\n' at the end of the stream still counts.
  void finish() {
    if (!stopped_ && !too_large_ && !pending_.empty()) add("\n");
  }
  bool tooLarge() const { return too_large_; }

 private:
  const std::function<bool(std::string_view)>& on_line_;
  std::string pending_;
  bool stopped_ = false;
  bool too_large_ = false;
};

}  // namespace

BeastKubeHttp::BeastKubeHttp(KubeApiConfig config, KubeHttpOptions options)
    : config_(std::move(config)), options_(options) {}

BeastKubeHttp::~BeastKubeHttp() = default;

std::vector<std::string> BeastKubeHttp::headers(bool accept_gzip) const {
  std::vector<std::string> out = {"Accept: application/json"};
  // The API server compresses large LIST answers when asked; watch streams it never compresses.
  if (accept_gzip) out.emplace_back("Accept-Encoding: gzip");
  std::string token = config_.bearer_token;
  if (!config_.bearer_token_file.empty()) {
    // Rotated projected tokens: the file holds the current one; keep the last good one on a hiccup.
    if (auto fresh = readTokenFile(config_.bearer_token_file)) token = std::move(*fresh);
  }
  if (!token.empty()) out.push_back("Authorization: Bearer " + token);
  return out;
}

std::shared_ptr<HttpClient> BeastKubeHttp::startTransfer(std::chrono::milliseconds timeout) {
  HttpClientOptions options;
  options.connect_timeout = options_.connect_timeout;
  options.request_timeout = timeout;
  options.tls = TlsTrust{config_.ca_file, config_.ca_data_pem, config_.insecure_skip_tls_verify};
  options.max_body_bytes = kMaxBodyBytes;
  options.user_agent = "kubemonitor-agent";
  auto client = std::make_shared<HttpClient>(std::move(options));
  std::lock_guard lock(transfers_mutex_);
  if (stopped_) return nullptr;
  active_.insert(client);
  return client;
}

void BeastKubeHttp::endTransfer(const std::shared_ptr<HttpClient>& client) {
  std::lock_guard lock(transfers_mutex_);
  active_.erase(client);
}

void BeastKubeHttp::stop() {
  std::lock_guard lock(transfers_mutex_);
  stopped_ = true;
  for (const auto& client : active_) client->cancel();
}

void BeastKubeHttp::resume() {
  std::lock_guard lock(transfers_mutex_);
  stopped_ = false;
}

Result<HttpBody> BeastKubeHttp::get(std::string_view path_and_query) {
  const std::string url = config_.base_url + std::string(path_and_query);
  auto client = startTransfer(options_.request_timeout);
  if (!client) return makeError(ErrorCode::kUnavailable, "stopped", url);
  auto answer = client->get(url, headers(true));
  endTransfer(client);
  if (!answer) return answer.error();
  HttpBody out{answer->status, std::move(answer->body)};
  if (!answer->content_encoding.empty()) {
    auto encoding = parseContentEncoding(answer->content_encoding);
    if (!encoding) return encoding.error();
    auto decoded = decompress(*encoding, out.body, kMaxBodyBytes);
    if (!decoded) return decoded.error();
    out.body = std::move(*decoded);
  }
  return out;
}

Result<HttpBody> BeastKubeHttp::stream(std::string_view path_and_query,
                                       const std::function<bool(std::string_view line)>& on_line) {
  const std::string url = config_.base_url + std::string(path_and_query);
  auto client = startTransfer(options_.stream_timeout);
  if (!client) return makeError(ErrorCode::kUnavailable, "stopped", url);
  LineSplitter lines(on_line);
  auto answer = client->stream(url, headers(false), options_.stream_timeout,
                               [&](std::string_view data) { return lines.add(data); });
  endTransfer(client);
  if (lines.tooLarge()) return makeError(ErrorCode::kTooLarge, "API answer larger than 256 MiB", url);
  if (!answer) {
    // stop() before the status line arrived: the caller asked for the end of the stream.
    if (answer.error().message == "cancelled") return HttpBody{};
    return answer.error();
  }
  if (answer->status >= 200 && answer->status < 300) lines.finish();
  return HttpBody{answer->status, std::move(answer->body)};
}

}  // namespace kubemonitor::kube
