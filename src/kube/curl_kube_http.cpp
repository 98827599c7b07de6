#include <curl/curl.h>

#include "common/files.h"
#include "kube/kube_http.h"

namespace kubemonitor::kube {
namespace {

// Bodies bigger than this are refused: a LIST page of 500 pods is a few MiB.
constexpr size_t kMaxBodyBytes = 256u << 20;

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& header) { list = curl_slist_append(list, header.c_str()); }
};

}  // namespace

struct CurlKubeHttp::Transfer {
  CURL* easy = nullptr;
  const std::function<bool(std::string_view)>* on_line = nullptr;
  std::string body;          // the whole body (GET, or a stream answered with an error status)
  std::string partial_line;  // a stream line not yet ended by '\n'
  bool consumer_stopped = false;
  bool too_large = false;

  bool streaming() {
    if (on_line == nullptr) return false;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    return status >= 200 && status < 300;
  }

  // Hands complete lines to the consumer; false when it asked to stop.
  bool deliverLines() {
    size_t start = 0;
    for (size_t end; (end = partial_line.find('\n', start)) != std::string::npos; start = end + 1) {
      std::string_view line(partial_line.data() + start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty() && !(*on_line)(line)) return false;
    }
    partial_line.erase(0, start);
    return true;
  }

  static size_t onData(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    std::string& target = self->streaming() ? self->partial_line : self->body;
    if (target.size() + bytes > kMaxBodyBytes) {
      self->too_large = true;
      return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
    }
    target.append(data, bytes);
    if (&target == &self->partial_line && !self->deliverLines()) {
      self->consumer_stopped = true;
      return 0;
    }
    return bytes;
  }
};

CurlKubeHttp::CurlKubeHttp(KubeApiConfig config, CurlKubeHttpOptions options)
    : config_(std::move(config)), options_(options) {}

CurlKubeHttp::~CurlKubeHttp() = default;

Result<HttpBody> CurlKubeHttp::get(std::string_view path_and_query) {
  return perform(path_and_query, options_.request_timeout, nullptr);
}

Result<HttpBody> CurlKubeHttp::stream(std::string_view path_and_query,
                                      const std::function<bool(std::string_view line)>& on_line) {
  return perform(path_and_query, options_.stream_timeout, &on_line);
}

void CurlKubeHttp::stop() {
  stopped_ = true;
  std::lock_guard lock(transfers_mutex_);
  for (void* multi : active_multis_) curl_multi_wakeup(static_cast<CURLM*>(multi));
}

void CurlKubeHttp::resume() { stopped_ = false; }

Result<HttpBody> CurlKubeHttp::perform(std::string_view path_and_query, std::chrono::milliseconds timeout,
                                       const std::function<bool(std::string_view line)>* on_line) {
  const std::string url = config_.base_url + std::string(path_and_query);
  if (stopped_) return makeError(ErrorCode::kUnavailable, "stopped", url);
  Transfer transfer;
  transfer.on_line = on_line;
  transfer.easy = curl_easy_init();
  CURLM* multi = curl_multi_init();
  if (transfer.easy == nullptr || multi == nullptr) {
    curl_easy_cleanup(transfer.easy);
    curl_multi_cleanup(multi);
    return makeError(ErrorCode::kInternal, "curl init failed", url);
  }
  CURL* easy = transfer.easy;

  HeaderList headers;
  headers.add("Accept: application/json");
  std::string token = config_.bearer_token;
  if (!config_.bearer_token_file.empty()) {
    // Rotated projected tokens: the file holds the current one; keep the last good one on a hiccup.
    if (auto fresh = readTokenFile(config_.bearer_token_file)) token = std::move(*fresh);
  }
  if (!token.empty()) headers.add("Authorization: Bearer " + token);

  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "kubemonitor-agent");
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");  // every encoding curl can decode (gzip)
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::onData);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM: the agent owns its signals
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!config_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, config_.ca_file.c_str());
  curl_blob ca_blob{const_cast<char*>(config_.ca_data_pem.data()), config_.ca_data_pem.size(), CURL_BLOB_COPY};
  if (!config_.ca_data_pem.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &ca_blob);
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  curl_multi_add_handle(multi, easy);
  {
    std::lock_guard lock(transfers_mutex_);
    active_multis_.insert(multi);
  }
  bool aborted = false;
  CURLcode result = CURLE_OK;
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) {
      result = CURLE_FAILED_INIT;
      break;
    }
    if (running == 0) {
      int queued = 0;
      if (CURLMsg* message = curl_multi_info_read(multi, &queued); message != nullptr && message->msg == CURLMSG_DONE) {
        result = message->data.result;
      }
      break;
    }
    if (stopped_) {
      aborted = true;
      break;
    }
    // Sleeps until the socket is ready, a timeout, or stop() wakes it; 1 s caps the wait anyway.
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  {
    std::lock_guard lock(transfers_mutex_);
    active_multis_.erase(multi);
  }
  HttpBody answer;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &answer.status);
  curl_multi_remove_handle(multi, easy);
  curl_multi_cleanup(multi);
  curl_easy_cleanup(easy);

  if (transfer.too_large) return makeError(ErrorCode::kTooLarge, "API answer larger than 256 MiB", url);
  const bool streamed_ok = on_line != nullptr && answer.status >= 200 && answer.status < 300;
  if (aborted || transfer.consumer_stopped) {
    if (on_line != nullptr) return answer;  // the caller asked for the end of the stream
    return makeError(ErrorCode::kUnavailable, "stopped", url);
  }
  if (result != CURLE_OK) {
    return makeError(ErrorCode::kUnavailable, curl_easy_strerror(result), url);
  }
  if (streamed_ok) {
    // A last line without '\n' at the end of the stream still counts.
    if (!transfer.partial_line.empty()) {
      transfer.partial_line.push_back('\n');
      transfer.deliverLines();
    }
    return answer;
  }
  answer.body = std::move(transfer.body);
  return answer;
}

}  // namespace kubemonitor::kube
