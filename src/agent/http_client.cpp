#include "agent/http_client.h"

#include <curl/curl.h>

namespace kubemonitor::agent {

struct HttpClient::Handle {
  CURL* curl = curl_easy_init();
  ~Handle() { curl_easy_cleanup(curl); }
};

namespace {

size_t appendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct HeaderList {
  curl_slist* list = nullptr;
  explicit HeaderList(const std::vector<std::string>& headers) {
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  }
  ~HeaderList() { curl_slist_free_all(list); }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
};

}  // namespace

HttpClient::HttpClient(std::chrono::milliseconds timeout, std::string ca_file)
    : handle_(std::make_unique<Handle>()), timeout_(timeout), ca_file_(std::move(ca_file)) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::get(const std::string& url, const std::vector<std::string>& headers) {
  if (handle_->curl == nullptr) return makeError(ErrorCode::kInternal, "curl_easy_init failed");
  curl_easy_setopt(handle_->curl, CURLOPT_HTTPGET, 1L);
  return perform(url, headers);
}

Result<HttpResponse> HttpClient::post(const std::string& url, std::string_view body,
                                      const std::vector<std::string>& headers) {
  if (handle_->curl == nullptr) return makeError(ErrorCode::kInternal, "curl_easy_init failed");
  curl_easy_setopt(handle_->curl, CURLOPT_POST, 1L);
  curl_easy_setopt(handle_->curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle_->curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  return perform(url, headers);
}

Result<HttpResponse> HttpClient::perform(const std::string& url, const std::vector<std::string>& headers) {
  CURL* curl = handle_->curl;
  HeaderList header_list(headers);
  HttpResponse response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: the agent owns its signals
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!ca_file_.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);  // header_list dies with this scope
  if (rc != CURLE_OK) {
    return makeError(ErrorCode::kUnavailable, curl_easy_strerror(rc), url);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_header* retry_after = nullptr;
  if (curl_easy_header(curl, "Retry-After", 0, CURLH_HEADER, -1, &retry_after) == CURLHE_OK && retry_after != nullptr) {
    response.retry_after = retry_after->value;
  }
  return response;
}

}  // namespace kubemonitor::agent
