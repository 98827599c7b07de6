#pragma once
// The narrow HTTP interface the pod watcher needs (DESIGN rule 4): a GET and a line-by-line
// stream. BeastKubeHttp is the real one; tests run it against FakeKubeApiServer.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_client.h"
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

struct KubeHttpOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};  // a whole GET (LIST pages, ReplicaSets)
  // A whole watch: the server ends it after timeoutSeconds (300 s); this only catches a dead peer.
  std::chrono::milliseconds stream_timeout{330000};
};

// Over the common HttpClient (Boost.Beast; OpenSSL for https): Bearer token (re-read from its
// file for each request), CA file or in-memory CA, gzip accepted for GETs, timeouts.
// Thread-safe: get() and stream() may run at once (the watcher GETs ReplicaSets mid-stream). Each
// transfer has a client of its own, so that stop() aborts all of them at once.
class BeastKubeHttp final : public KubeHttp {
 public:
  explicit BeastKubeHttp(KubeApiConfig config, KubeHttpOptions options = {});
  ~BeastKubeHttp() override;
  BeastKubeHttp(const BeastKubeHttp&) = delete;
  BeastKubeHttp& operator=(const BeastKubeHttp&) = delete;

  Result<HttpBody> get(std::string_view path_and_query) override;
  Result<HttpBody> stream(std::string_view path_and_query,
                          const std::function<bool(std::string_view line)>& on_line) override;
  void stop() override;
  void resume() override;

 private:
  // A client for one transfer, registered so that stop() reaches it; null when stopped.
  std::shared_ptr<HttpClient> startTransfer(std::chrono::milliseconds timeout);
  void endTransfer(const std::shared_ptr<HttpClient>& client);
  std::vector<std::string> headers(bool accept_gzip) const;

  const KubeApiConfig config_;
  const KubeHttpOptions options_;
  std::mutex transfers_mutex_;
  bool stopped_ = false;                             // guarded by transfers_mutex_
  std::set<std::shared_ptr<HttpClient>> active_;     // guarded by transfers_mutex_
};

}  // namespace kubemonitor::kube
