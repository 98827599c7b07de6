#include "common/testing/clickhouse_cluster.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace kubemonitor::testing {
namespace {

// A clickhouse-server of 18.16 answers `SELECT 1` about 0.1 s after it is spawned; 20 ms polls.
constexpr std::chrono::milliseconds kReadyPoll{20};
// A SIGTERM shutdown takes 1-2 s; past this the server is killed.
constexpr std::chrono::seconds kStopTimeout{30};
constexpr int kPortAttempts = 3;

// Binds `count` sockets to 127.0.0.1 port 0 at once (so no port comes twice) and closes them: the
// ports the kernel chose are free right now. A server can still lose one to another process before
// it binds it, which start() detects and retries.
Result<std::vector<int>> pickFreePorts(int count) {
  std::vector<int> fds;
  std::vector<int> ports;
  Status status;
  for (int i = 0; i < count && status.ok(); ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      status = errnoError(errno, "socket");
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      status = errnoError(errno, "bind 127.0.0.1:0");
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  if (!status.ok()) return status.error();
  return ports;
}

bool isExecutable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// Cluster names become XML element names and Distributed() arguments.
bool isPlainName(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return !(name[0] >= '0' && name[0] <= '9');
}

std::string tailOf(const std::string& text, size_t max_bytes) {
  return text.size() <= max_bytes ? text : "…" + text.substr(text.size() - max_bytes);
}

Status writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return makeError(ErrorCode::kIo, "cannot write", path);
  return {};
}

// Every setting here exists in 18.16 (checked against its system.settings); max_server_memory_usage
// does not (it came later), so the profile caps the memory of all queries together instead.
constexpr const char* kUsersXml = R"(<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>536870912</max_memory_usage>                      <!-- 512 MiB per query -->
      <max_memory_usage_for_all_queries>1073741824</max_memory_usage_for_all_queries>  <!-- 1 GiB -->
      <max_threads>2</max_threads>                                       <!-- the machine has 2 cores -->
      <background_pool_size>4</background_pool_size>                     <!-- merge threads; default 16 -->
      <load_balancing>in_order</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks>
        <ip>::1</ip>
        <ip>127.0.0.1</ip>
      </networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
)";

// One server's config.xml; @NAME@ are filled in by writeConfigs(). Paths end with '/': 18.16
// concatenates them with file names. include_from names an empty substitutions file of ours so that
// /etc/metrika.xml (the default) is never read. keep_alive_timeout (s) is short because a SIGTERM
// shutdown waits for idle keep-alive connections to time out: at 10 s, stopShard() took 10 s; at 1 s,
// about 2 s.
constexpr const char* kConfigTemplate = R"(<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>@DIR@/server.log</log>
    <errorlog>@DIR@/server.err.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <timezone>UTC</timezone>
  <listen_host>127.0.0.1</listen_host>
  <http_port>@HTTP_PORT@</http_port>
  <tcp_port>@TCP_PORT@</tcp_port>
  <interserver_http_port>@INTERSERVER_PORT@</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>@DIR@/data/</path>
  <tmp_path>@DIR@/data/tmp/</tmp_path>
  <user_files_path>@DIR@/data/user_files/</user_files_path>
  <format_schema_path>@DIR@/data/format_schemas/</format_schema_path>
  <users_config>@DIR@/users.xml</users_config>
  <include_from>@DIR@/substitutions.xml</include_from>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>                 <!-- 64 MiB; default 5 GiB -->
  <uncompressed_cache_size>67108864</uncompressed_cache_size> <!-- 64 MiB; default 8 GiB -->
  <max_concurrent_queries>32</max_concurrent_queries>
  <keep_alive_timeout>1</keep_alive_timeout>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
@CLUSTER@  </remote_servers>
</yandex>
)";

std::string substitute(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values) {
    for (size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + value.size())) {
      text.replace(at, name.size(), value);
    }
  }
  return text;
}

}  // namespace

std::optional<std::string> ClickHouseCluster::findServerBinary() {
  if (const char* env = std::getenv("KUBEMONITOR_CLICKHOUSE_SERVER"); env != nullptr && *env != '\0') {
    return isExecutable(env) ? std::optional<std::string>(env) : std::nullopt;
  }
  for (const char* candidate : {"/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse"}) {
    if (isExecutable(candidate)) return std::string(candidate);
  }
  return std::nullopt;
}

ClickHouseCluster::ClickHouseCluster(std::string binary, std::string cluster_name, int shards)
    : binary_(std::move(binary)),
      cluster_name_(std::move(cluster_name)),
      // Connecting to loopback is refused at once when a shard is down; 60 s bounds a slow query.
      client_(std::chrono::milliseconds(60000)) {
  shards_.resize(static_cast<size_t>(shards));
  for (int i = 0; i < shards; ++i) {
    shards_[static_cast<size_t>(i)].dir = dir_.path() + "/shard" + std::to_string(i);
  }
}

Result<std::unique_ptr<ClickHouseCluster>> ClickHouseCluster::start(int shards, std::string cluster_name,
                                                                    std::chrono::milliseconds startup_timeout) {
  if (shards < 1) return makeError(ErrorCode::kInvalidArgument, "a cluster needs at least one shard");
  if (!isPlainName(cluster_name)) {
    return makeError(ErrorCode::kInvalidArgument, "cluster name must be [A-Za-z_][A-Za-z0-9_]*", cluster_name);
  }
  auto binary = findServerBinary();
  if (!binary) {
    if (const char* env = std::getenv("KUBEMONITOR_CLICKHOUSE_SERVER"); env != nullptr && *env != '\0') {
      return makeError(ErrorCode::kNotFound, "$KUBEMONITOR_CLICKHOUSE_SERVER is not an executable", env);
    }
    return makeError(ErrorCode::kNotFound,
                     "clickhouse-server is not installed (none of /usr/bin/clickhouse-server, "
                     "/usr/sbin/clickhouse-server, /usr/bin/clickhouse); scripts/install-deps.sh (make deps) "
                     "installs Debian's clickhouse-server");
  }
  std::unique_ptr<ClickHouseCluster> cluster(new ClickHouseCluster(*binary, std::move(cluster_name), shards));

  Status last_error;
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    auto ports = pickFreePorts(3 * shards);
    if (!ports.ok()) return ports.error();
    for (size_t i = 0; i < cluster->shards_.size(); ++i) {
      Shard& shard = cluster->shards_[i];
      shard.http_port = (*ports)[3 * i];
      shard.tcp_port = (*ports)[3 * i + 1];
      shard.interserver_port = (*ports)[3 * i + 2];
      // A data dir left by a failed attempt is dropped: each attempt starts empty.
      std::error_code ec;
      std::filesystem::remove_all(shard.dir, ec);
    }
    if (Status written = cluster->writeConfigs(); !written.ok()) return written.error();

    for (int i = 0; i < shards; ++i) {
      if (Status spawned = cluster->spawnShard(i); !spawned.ok()) return spawned.error();
    }
    const auto deadline = std::chrono::steady_clock::now() + startup_timeout;
    bool lost_port = false;
    last_error = {};
    for (int i = 0; i < shards && last_error.ok(); ++i) {
      last_error = cluster->waitReady(i, deadline);
      if (!last_error.ok()) lost_port = cluster->lostPortRace(i);
    }
    if (last_error.ok()) return cluster;
    for (int i = 0; i < shards; ++i) cluster->stopShard(i);
    if (!lost_port) return last_error.error();
  }
  return makeError(ErrorCode::kUnavailable, "free ports were taken by other processes " +
                                                std::to_string(kPortAttempts) +
                                                " times in a row; last: " + last_error.error().toString());
}

ClickHouseCluster::~ClickHouseCluster() {
  // SIGTERM to all first, so the shards shut down side by side.
  for (Shard& shard : shards_) {
    if (shard.process && !shard.process->exited()) shard.process->signal(SIGTERM);
  }
  for (Shard& shard : shards_) {
    if (shard.process) shard.process->waitExit(kStopTimeout);
    shard.process.reset();  // SIGKILL if it is still there
  }
}

std::vector<std::string> ClickHouseCluster::httpEndpoints() const {
  std::vector<std::string> endpoints;
  for (const Shard& shard : shards_) endpoints.push_back("127.0.0.1:" + std::to_string(shard.http_port));
  return endpoints;
}

std::string ClickHouseCluster::httpUrl(int shard) const {
  return "http://127.0.0.1:" + std::to_string(httpPort(shard));
}

int ClickHouseCluster::httpPort(int shard) const { return shards_.at(static_cast<size_t>(shard)).http_port; }
int ClickHouseCluster::tcpPort(int shard) const { return shards_.at(static_cast<size_t>(shard)).tcp_port; }
std::string ClickHouseCluster::shardDir(int shard) const { return shards_.at(static_cast<size_t>(shard)).dir; }

Status ClickHouseCluster::writeConfigs() const {
  std::string cluster = "    <" + cluster_name_ + ">\n";
  for (const Shard& shard : shards_) {
    cluster += "      <shard><replica><host>127.0.0.1</host><port>" + std::to_string(shard.tcp_port) +
               "</port></replica></shard>\n";
  }
  cluster += "    </" + cluster_name_ + ">\n";

  for (const Shard& shard : shards_) {
    std::error_code ec;
    std::filesystem::create_directories(shard.dir + "/data", ec);
    if (ec) return makeError(ErrorCode::kIo, "cannot create " + ec.message(), shard.dir);
    const std::string& d = shard.dir;
    const std::string config =
        substitute(kConfigTemplate, {{"@DIR@", d},
                                     {"@HTTP_PORT@", std::to_string(shard.http_port)},
                                     {"@TCP_PORT@", std::to_string(shard.tcp_port)},
                                     {"@INTERSERVER_PORT@", std::to_string(shard.interserver_port)},
                                     {"@CLUSTER@", cluster}});
    if (Status s = writeFile(d + "/config.xml", config); !s.ok()) return s;
    if (Status s = writeFile(d + "/users.xml", kUsersXml); !s.ok()) return s;
    if (Status s = writeFile(d + "/substitutions.xml", "<?xml version=\"1.0\"?>\n<yandex></yandex>\n"); !s.ok()) {
      return s;
    }
  }
  return {};
}

Status ClickHouseCluster::spawnShard(int i) {
  Shard& shard = shards_.at(static_cast<size_t>(i));
  std::vector<std::string> argv{binary_};
  // The single `clickhouse` binary takes the tool's name as its first argument.
  if (std::filesystem::path(binary_).filename() == "clickhouse") argv.push_back("server");
  argv.push_back("--config-file=" + shard.dir + "/config.xml");
  try {
    shard.process.emplace(ChildProcess::spawn(argv, shard.dir + "/stdout.txt", shard.dir + "/stderr.txt"));
  } catch (const std::runtime_error& e) {
    return makeError(ErrorCode::kIo, e.what(), binary_);
  }
  return {};
}

Status ClickHouseCluster::waitReady(int i, std::chrono::steady_clock::time_point deadline) {
  Shard& shard = shards_.at(static_cast<size_t>(i));
  HttpClient probe(std::chrono::milliseconds(1000));
  const std::string url = httpUrl(i) + "/?query=SELECT%201";
  while (true) {
    if (!shard.process || shard.process->exited()) {
      return makeError(ErrorCode::kUnavailable,
                       "clickhouse-server of shard " + std::to_string(i) + " exited during startup:\n" + logTail(i));
    }
    auto answer = probe.get(url);
    if (answer.ok() && answer->status == 200 && answer->body == "1\n") return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      return makeError(ErrorCode::kUnavailable, "clickhouse-server of shard " + std::to_string(i) +
                                                    " did not answer SELECT 1 in time on " + httpUrl(i) + ":\n" +
                                                    logTail(i));
    }
    std::this_thread::sleep_for(kReadyPoll);
  }
}

bool ClickHouseCluster::lostPortRace(int i) const {
  const std::string& d = shards_.at(static_cast<size_t>(i)).dir;
  const std::string needle = "Address already in use";
  return readTextFile(d + "/stderr.txt").find(needle) != std::string::npos ||
         readTextFile(d + "/server.err.log").find(needle) != std::string::npos;
}

bool ClickHouseCluster::running(int i) {
  Shard& shard = shards_.at(static_cast<size_t>(i));
  return shard.process && !shard.process->exited();
}

pid_t ClickHouseCluster::pid(int i) const {
  const Shard& shard = shards_.at(static_cast<size_t>(i));
  return shard.process ? shard.process->pid() : -1;
}

void ClickHouseCluster::stopShard(int i) {
  Shard& shard = shards_.at(static_cast<size_t>(i));
  if (!shard.process) return;
  if (!shard.process->exited()) {
    shard.process->signal(SIGTERM);
    shard.process->waitExit(kStopTimeout);
  }
  shard.process.reset();  // SIGKILL by pid if it is still there
}

Status ClickHouseCluster::startShard(int i) {
  if (running(i)) return {};
  if (Status spawned = spawnShard(i); !spawned.ok()) return spawned;
  Status ready = waitReady(i, std::chrono::steady_clock::now() + std::chrono::seconds(60));
  if (!ready.ok()) stopShard(i);
  return ready;
}

Result<std::string> ClickHouseCluster::query(int shard, const std::string& sql, const std::string& url_params) {
  std::string url = httpUrl(shard) + "/";
  if (!url_params.empty()) url += "?" + url_params;
  auto answer = client_.post(url, sql, {"Content-Type: text/plain; charset=utf-8"});
  if (!answer.ok()) return answer.error();
  if (answer->status != 200) {
    return makeError(
        ErrorCode::kInvalidArgument,
        "HTTP " + std::to_string(answer->status) + " from shard " + std::to_string(shard) + ": " + answer->body, sql);
  }
  return std::move(answer->body);
}

std::string ClickHouseCluster::logTail(int i, size_t max_bytes) const {
  const std::string& d = shards_.at(static_cast<size_t>(i)).dir;
  std::string out;
  for (const char* name : {"stderr.txt", "server.err.log", "server.log"}) {
    out += std::string("--- ") + d + "/" + name + " ---\n" + tailOf(readTextFile(d + "/" + name), max_bytes);
    if (!out.empty() && out.back() != '\n') out += '\n';
  }
  return out;
}

}  // namespace kubemonitor::testing
