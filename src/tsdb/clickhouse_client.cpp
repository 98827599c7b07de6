#include "tsdb/clickhouse_client.h"

#include <cctype>

#include "common/text.h"

namespace kubemonitor::tsdb {

Result<ClickHouseUrl> parseClickHouseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "clickhouse://";
  auto invalid = [&](std::string message) {
    return makeError(ErrorCode::kInvalidArgument,
                     message + ": expected clickhouse://HOST:PORT[,HOST:PORT…]/DATABASE[?cluster=NAME&user=U&password=P]",
                     std::string(url));
  };
  if (!text::startsWith(url, kScheme)) return invalid("not a clickhouse:// URL");
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return invalid("no database");
  ClickHouseUrl out;
  std::string_view hosts = rest.substr(0, slash);
  while (!hosts.empty()) {
    const size_t comma = hosts.find(',');
    std::string_view host = hosts.substr(0, comma);
    if (host.empty()) return invalid("an empty host");
    out.endpoints.emplace_back(host.find(':') == std::string_view::npos ? std::string(host) + ":8123" : std::string(host));
    hosts = comma == std::string_view::npos ? std::string_view{} : hosts.substr(comma + 1);
  }
  if (out.endpoints.empty()) return invalid("no host");
  std::string_view path = rest.substr(slash + 1);
  const size_t question = path.find('?');
  out.database = std::string(path.substr(0, question));
  if (out.database.empty()) return invalid("no database");
  for (char c : out.database) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return invalid("a database name other than [A-Za-z0-9_]");
  }
  std::string_view params = question == std::string_view::npos ? std::string_view{} : path.substr(question + 1);
  while (!params.empty()) {
    const size_t amp = params.find('&');
    std::string_view param = params.substr(0, amp);
    params = amp == std::string_view::npos ? std::string_view{} : params.substr(amp + 1);
    const size_t eq = param.find('=');
    if (eq == std::string_view::npos) return invalid("parameter \"" + std::string(param) + "\" without a value");
    std::string_view name = param.substr(0, eq);
    std::string value(param.substr(eq + 1));
    if (name == "cluster") {
      out.cluster = value;
    } else if (name == "user") {
      out.user = value;
    } else if (name == "password") {
      out.password = value;
    } else {
      return invalid("unknown parameter \"" + std::string(name) + "\"");
    }
  }
  for (char c : out.cluster) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return invalid("a cluster name other than [A-Za-z0-9_]");
  }
  return out;
}

ClickHouseClient::ClickHouseClient(ClickHouseUrl url, std::chrono::milliseconds timeout)
    : url_(std::move(url)), timeout_(timeout) {}

ClickHouseClient::~ClickHouseClient() = default;

std::unique_ptr<HttpClient> ClickHouseClient::borrow() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  HttpClientOptions options;
  options.connect_timeout = std::min(timeout_, std::chrono::milliseconds(2000));
  options.request_timeout = timeout_;
  options.user_agent = "kubemonitor-server";
  return std::make_unique<HttpClient>(options);
}

void ClickHouseClient::giveBack(std::unique_ptr<HttpClient> client) {
  constexpr size_t kMaxIdle = 16;  // connections kept open between requests
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(client));
}

ClickHouseClient::Attempt ClickHouseClient::post(size_t endpoint, std::string_view statement, std::string_view body,
                                                 std::string_view settings) {
  // No `database` parameter: it must exist before the request, and the schema creates it; every
  // statement names its tables with the database.
  std::string target = "http://" + url_.endpoints[endpoint] + "/?send_progress_in_http_headers=0";
  if (!url_.user.empty()) target += "&user=" + percentEncode(url_.user);
  if (!url_.password.empty()) target += "&password=" + percentEncode(url_.password);
  if (!statement.empty()) target += "&query=" + percentEncode(statement);
  if (!settings.empty()) target += "&" + std::string(settings);
  auto client = borrow();
  auto response = client->post(target, body, {"Content-Type: application/octet-stream"});
  if (!response) {
    return {makeError(ErrorCode::kUnavailable, "ClickHouse at " + url_.endpoints[endpoint] + ": " + response.error().message),
            false};
  }
  giveBack(std::move(client));
  if (response->status != 200) {
    std::string detail(text::trim(response->body).substr(0, 1000));
    return {makeError(ErrorCode::kUnavailable, "ClickHouse at " + url_.endpoints[endpoint] + " answered " +
                                                   std::to_string(response->status) + ": " + detail),
            true};
  }
  return {std::move(response->body), true};
}

Result<std::string> ClickHouseClient::queryOn(size_t endpoint, std::string_view sql) {
  return post(endpoint, {}, sql, {}).answer;
}

Result<std::string> ClickHouseClient::postAnywhere(std::string_view statement, std::string_view body,
                                                   std::string_view settings) {
  size_t first = 0;
  {
    std::lock_guard lock(mutex_);
    first = next_endpoint_++ % url_.endpoints.size();
  }
  Result<std::string> last = makeError(ErrorCode::kUnavailable, "no ClickHouse endpoint");
  for (size_t i = 0; i < url_.endpoints.size(); ++i) {
    Attempt attempt = post((first + i) % url_.endpoints.size(), statement, body, settings);
    if (attempt.reached) return std::move(attempt.answer);
    last = std::move(attempt.answer);
  }
  return last;
}

Result<std::string> ClickHouseClient::query(std::string_view sql) { return postAnywhere({}, sql, {}); }

Status ClickHouseClient::insertOn(size_t endpoint, std::string_view statement, std::string_view rows) {
  auto answer = post(endpoint, statement, rows, {}).answer;
  if (!answer) return answer.error();
  return {};
}

Status ClickHouseClient::insert(std::string_view statement, std::string_view rows, std::string_view settings) {
  auto answer = postAnywhere(statement, rows, settings);
  if (!answer) return answer.error();
  return {};
}

}  // namespace kubemonitor::tsdb
