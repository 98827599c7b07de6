#pragma once
// Internal to tsdb: ClickHouse over its HTTP interface (no client library is packaged for Debian;
// https://clickhouse.com/docs/en/interfaces/http). Statements go in the `query` URL parameter,
// insert data (RowBinary) or a SELECT's text in the body; a 200 is success, anything else carries
// ClickHouse's "Code: N, e.displayText() = …" text, which becomes the error message.
//
// Thread-safe: each request borrows a keep-alive HttpClient from a small pool, so concurrent
// readers and writers do not queue behind one connection.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_client.h"
#include "common/result.h"

namespace kubemonitor::tsdb {

// Parsed from `clickhouse://HOST:PORT[,HOST:PORT…]/DATABASE[?cluster=NAME&user=…&password=…]`.
struct ClickHouseUrl {
  std::vector<std::string> endpoints;  // "host:port" of each server's HTTP interface (8123 by default)
  std::string database;
  std::string cluster;   // remote_servers name: tables are Distributed over it; empty: one server
  std::string user;      // empty: ClickHouse's "default"
  std::string password;
};
// kInvalidArgument with what is wrong (scheme, no host, no database, an unknown parameter).
Result<ClickHouseUrl> parseClickHouseUrl(std::string_view url);

class ClickHouseClient {
 public:
  ClickHouseClient(ClickHouseUrl url, std::chrono::milliseconds timeout);
  ~ClickHouseClient();

  size_t endpointCount() const { return url_.endpoints.size(); }
  const ClickHouseUrl& url() const { return url_; }

  // A statement whose answer is the body (SELECT … FORMAT RowBinary, DDL: empty). Sent to the
  // first endpoint that answers, starting with a different one each call (a down replica is
  // skipped; ClickHouse's own error is not retried elsewhere). kUnavailable when none answers
  // or ClickHouse refuses it.
  Result<std::string> query(std::string_view sql);
  // The same on one endpoint (schema statements go to every server).
  Result<std::string> queryOn(size_t endpoint, std::string_view sql);
  // `statement` is "INSERT INTO t (cols) FORMAT RowBinary"; `rows` its data. `settings` are extra
  // URL parameters ("insert_distributed_sync=1"). Returns once ClickHouse answered 200.
  Status insert(std::string_view statement, std::string_view rows, std::string_view settings);
  // The same on one endpoint (rows for that shard's local tables).
  Status insertOn(size_t endpoint, std::string_view statement, std::string_view rows);

 private:
  // One request to one endpoint; `reached` tells a ClickHouse error (not retried elsewhere: every
  // server would say the same) from a transport failure (the next endpoint is tried).
  struct Attempt {
    Result<std::string> answer;
    bool reached = false;
  };
  Attempt post(size_t endpoint, std::string_view statement, std::string_view body, std::string_view settings);
  Result<std::string> postAnywhere(std::string_view statement, std::string_view body, std::string_view settings);
  std::unique_ptr<HttpClient> borrow();
  void giveBack(std::unique_ptr<HttpClient> client);

  const ClickHouseUrl url_;
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<HttpClient>> idle_;  // guarded by mutex_
  size_t next_endpoint_ = 0;                       // guarded by mutex_: round robin start
};

}  // namespace kubemonitor::tsdb
