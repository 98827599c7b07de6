#pragma once
// A real ClickHouse cluster on loopback for integration tests: `shards` clickhouse-server processes
// (Debian 12's 18.16), one replica per shard, no ZooKeeper. Each server has its own config, users
// file, data dir and logs under one TempDir, listens on 127.0.0.1 only, on free ports (never the
// defaults 8123/9000/9009), and knows the cluster `cluster_name` made of every shard, so a
// `Distributed(cluster_name, db, table, key)` table works on any of them. Nothing is read from
// /etc/clickhouse-server and nothing is written outside the TempDir.
//
// On this machine (2 cores) two shards answer `SELECT 1` 65-140 ms after start() is called (up to
// 0.4 s while a compiler runs beside them), a restarted shard 60-100 ms after startShard();
// stopShard() takes about 2 s (a SIGTERM shutdown).
//
// Not thread-safe: one test thread drives it. Every process it starts is stopped by its own pid.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/result.h"
#include "common/testing/child_process.h"

namespace kubemonitor::testing {

class ClickHouseCluster {
 public:
  // The server binary: $KUBEMONITOR_CLICKHOUSE_SERVER when set, else the first executable of
  // /usr/bin/clickhouse-server, /usr/sbin/clickhouse-server (Debian's) and /usr/bin/clickhouse
  // (the single binary, run as `clickhouse server`). nullopt when none is there.
  static std::optional<std::string> findServerBinary();

  // Starts the shards and waits (up to `startup_timeout`) until each answers `SELECT 1` over HTTP.
  // Ports are picked by binding port 0; when a server loses one to another process before it binds
  // it (it exits with "Address already in use"), all shards are restarted on new ports, up to 3
  // times. kNotFound when clickhouse-server is not installed; kUnavailable when a server exits or
  // does not answer in time; the message then carries the tail of that server's stderr and logs.
  static Result<std::unique_ptr<ClickHouseCluster>> start(
      int shards, std::string cluster_name = "kubemonitor",
      std::chrono::milliseconds startup_timeout = std::chrono::seconds(60));

  ~ClickHouseCluster();  // stops every shard still running (SIGTERM, then SIGKILL), removes the dir
  ClickHouseCluster(const ClickHouseCluster&) = delete;
  ClickHouseCluster& operator=(const ClickHouseCluster&) = delete;

  int shards() const { return static_cast<int>(shards_.size()); }
  const std::string& clusterName() const { return cluster_name_; }
  // "127.0.0.1:PORT" of each shard's HTTP interface, by shard index.
  std::vector<std::string> httpEndpoints() const;
  std::string httpUrl(int shard) const;  // "http://127.0.0.1:PORT"
  int httpPort(int shard) const;
  int tcpPort(int shard) const;  // the native protocol port, which Distributed tables use between shards
  // The shard's own directory (config.xml, users.xml, data/, logs) inside the cluster's TempDir.
  std::string shardDir(int shard) const;

  // SIGTERM to the shard's server (the pid we started, nothing else), then waits up to 30 s for
  // it to exit and kills it if it did not. No-op when the shard is not running.
  void stopShard(int shard);
  // Starts a stopped shard again: same ports, config and data dir, so it keeps its tables and rows.
  // Waits as start() does, up to 60 s. No-op when it is running.
  Status startShard(int shard);
  bool running(int shard);
  // The pid of the shard's server (for a benchmark's CPU figures); -1 when it is not running.
  pid_t pid(int shard) const;

  // POSTs `sql` to the shard's HTTP interface (user default) and returns the body of a 200 answer.
  // `url_params` ("insert_distributed_sync=1&…") are added to the URL: ClickHouse settings for this
  // query. Any other status is kInvalidArgument with ClickHouse's message ("Code: 60, …") and the
  // status; a transport failure (the shard is down) is the client's kUnavailable.
  Result<std::string> query(int shard, const std::string& sql, const std::string& url_params = {});

  // The last `max_bytes` of the shard's stderr, error log and log, for failure messages.
  std::string logTail(int shard, size_t max_bytes = 4000) const;

 private:
  struct Shard {
    std::string dir;
    int http_port = 0;
    int tcp_port = 0;
    int interserver_port = 0;
    std::optional<ChildProcess> process;
  };

  ClickHouseCluster(std::string binary, std::string cluster_name, int shards);
  Status writeConfigs() const;
  Status spawnShard(int shard);
  // Polls the shard's HTTP interface until `SELECT 1` answers 1, the server exits, or the deadline.
  Status waitReady(int shard, std::chrono::steady_clock::time_point deadline);
  bool lostPortRace(int shard) const;

  std::string binary_;
  std::string cluster_name_;
  TempDir dir_;  // declared before shards_: removed only after every process is gone
  std::vector<Shard> shards_;
  HttpClient client_;
};

}  // namespace kubemonitor::testing
