#pragma once
// The narrow HTTP interface the pod watcher needs (DESIGN rule 4): a GET and a line-by-line
// stream. CurlKubeHttp is the real one; tests run it against FakeKubeApiServer.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "kube/api_config.h"

namespace kubemonitor::kube {

struct HttpBody {
  long status = 0;   // HTTP status code
  std::string body;  // the body (decompressed); for a failed stream, the error body (a Status)
};

class KubeHttp {
 public:
  virtual ~KubeHttp() = default;
  // GET <base_url><path_and_query>. Transport failures are kUnavailable; any HTTP status is an answer.
  virtual Result<HttpBody> get(std::string_view path_and_query) = 0;
  // GET a chunked watch stream and hand every complete line (without '\n') to `on_line`.
  // Returns the HTTP status when the stream ends: for 2xx, the lines went to `on_line` and body is
  // empty; otherwise body is the error answer. `on_line` returning false, or stop(), ends the
  // stream promptly (returns {status, ""}, not an error). Transport failures are kUnavailable.
  virtual Result<HttpBody> stream(std::string_view path_and_query,
                                  const std::function<bool(std::string_view line)>& on_line) = 0;
  // Aborts the transfers in progress (any thread) and every later one until resume().
  virtual void stop() = 0;
  virtual void resume() = 0;
};

struct CurlKubeHttpOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};  // a whole GET (LIST pages, ReplicaSets)
  // A whole watch: the server ends it after timeoutSeconds (300 s); this only catches a dead peer.
  std::chrono::milliseconds stream_timeout{330000};
};

// libcurl implementation: Bearer token, CA file or in-memory CA, gzip accepted, timeouts.
// Thread-safe: get() and stream() may run at once (the watcher GETs ReplicaSets mid-stream).
// Each transfer runs on its own multi handle so that stop() wakes it at once (curl_multi_wakeup).
// curl_global_init must have run (main does it) before the first transfer.
class CurlKubeHttp final : public KubeHttp {
 public:
  explicit CurlKubeHttp(KubeApiConfig config, CurlKubeHttpOptions options = {});
  ~CurlKubeHttp() override;
  CurlKubeHttp(const CurlKubeHttp&) = delete;
  CurlKubeHttp& operator=(const CurlKubeHttp&) = delete;

  Result<HttpBody> get(std::string_view path_and_query) override;
  Result<HttpBody> stream(std::string_view path_and_query,
                          const std::function<bool(std::string_view line)>& on_line) override;
  void stop() override;
  void resume() override;

 private:
  struct Transfer;
  Result<HttpBody> perform(std::string_view path_and_query, std::chrono::milliseconds timeout,
                           const std::function<bool(std::string_view line)>* on_line);

  const KubeApiConfig config_;
  const CurlKubeHttpOptions options_;
  std::atomic<bool> stopped_{false};
  std::mutex transfers_mutex_;
  std::set<void*> active_multis_;  // CURLM* of transfers in progress, woken by stop()
};

}  // namespace kubemonitor::kube
