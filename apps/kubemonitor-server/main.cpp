// kubemonitor-server: takes reports from the agents (POST /api/ingest), keeps them, answers the
// REST API of DESIGN.md §3. Flags are also read from the environment variables in brackets.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <malloc.h>
#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/clock.h"
#include "common/files.h"
#include "common/text.h"
#include "common/time_format.h"
#include "migrate.h"
#include "server/http_server.h"
#include "server/router.h"
#include "tsdb/clickhouse_storage.h"
#include "tsdb/embedded_storage.h"
#include "tsdb/memory_storage.h"

namespace {

using namespace kubemonitor;

constexpr int kUsageError = 2;  // bad flags or configuration

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

// "ADDR:PORT", "[v6]:PORT" or ":PORT" (all interfaces).
Result<ListenAddress> parseListen(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return makeError(ErrorCode::kInvalidArgument, "expected ADDR:PORT", std::string(text));
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  auto port = text::parseUint64(text.substr(colon + 1));
  if (!port || *port > 65535) return makeError(ErrorCode::kInvalidArgument, "bad port", std::string(text));
  return ListenAddress{std::string(host), static_cast<uint16_t>(*port)};
}

int runServer(int argc, char** argv) {
  CLI::App app{"kubemonitor-server: stores node usage reports and serves the kubemonitor API"};
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "data";
  std::string storage_spec = "embedded";
  std::string retention_text = "7d";
  std::string token_file;
  std::string query_token_file;
  std::string tls_cert;
  std::string tls_key;
  size_t max_data_points = 1000;
  std::string default_window_text = "3600";
  unsigned threads = 0;
  unsigned ingest_workers = 0;
  size_t ingest_queue = server::ServerOptions{}.ingest_queue;
  uint32_t ingest_max_wait_ms = static_cast<uint32_t>(server::ServerOptions{}.ingest_max_wait.count());
  size_t max_body_bytes = 16 << 20;
  std::string node_grace_text;
  std::string stale_after_text;
  std::string port_file;
  std::string log_level = "info";
  uint32_t wal_sync_ms = 10;
  auto* listen_option = app.add_option("--listen", listen,
                                       "ADDR:PORT to listen on; PORT may be 0 (ephemeral). Without this flag, the "
                                       "PORT environment variable sets the port of the default 127.0.0.1:8080");
  app.add_option("--data-dir", data_dir, "data directory (created if missing)")->envname("DATA_DIR");
  app.add_option("--storage", storage_spec, "storage engine: embedded (persists to --data-dir), memory (nothing survives a restart) or clickhouse://HOST:PORT[,HOST:PORT…]/DATABASE[?cluster=NAME&user=U&password=P] (stateless replicas over ClickHouse's HTTP interface)")->envname("STORAGE");
  app.add_option("--wal-sync-ms", wal_sync_ms,
                 "group commit window: the WAL syncs at most this long after a write (ms); an ingest is "
                 "acknowledged only once durable")
      ->envname("WAL_SYNC_MS");
  app.add_option("--retention", retention_text, "how long samples are kept, e.g. 7d")->envname("RETENTION");
  app.add_option("--ingest-token-file", token_file, "file with the Bearer token POST /api/ingest requires")
      ->envname("INGEST_TOKEN_FILE");
  app.add_option("--query-token-file", query_token_file, "file with the Bearer token every GET but /health requires")
      ->envname("QUERY_TOKEN_FILE");
  auto* cert_option = app.add_option("--tls-cert", tls_cert, "PEM certificate chain: serve HTTPS")->envname("TLS_CERT");
  auto* key_option = app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert")->envname("TLS_KEY");
  cert_option->needs(key_option);
  key_option->needs(cert_option);
  app.add_option("--max-data-points", max_data_points, "most points per series; the step grows to fit")
      ->envname("MAX_DATA_POINTS")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  app.add_option("--default-window", default_window_text, "series window without ?window=, seconds or e.g. 1h")
      ->envname("DEFAULT_TIME_WINDOW");
  app.add_option("--threads", threads, "event-loop threads; 0: one per usable CPU")
      ->envname("SERVER_THREADS")
      ->check(CLI::Range(0U, 256U));
  app.add_option("--ingest-workers", ingest_workers,
                 "threads that decompress, parse and store reports; 0: one per usable CPU")
      ->envname("INGEST_WORKERS")
      ->check(CLI::Range(0U, 256U));
  app.add_option("--ingest-queue", ingest_queue,
                 "reports admitted and not yet acknowledged; beyond it ingest answers 503 with Retry-After")
      ->envname("INGEST_QUEUE")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}));
  app.add_option("--ingest-max-wait-ms", ingest_max_wait_ms,
                 "also answer 503 with Retry-After once the oldest report in flight has waited this long (ms); 0: no "
                 "bound")
      ->envname("INGEST_MAX_WAIT_MS");
  app.add_option("--max-body-bytes", max_body_bytes, "largest request body, compressed and decompressed each")
      ->envname("MAX_BODY_BYTES")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  app.add_option("--node-grace", node_grace_text,
                 "leave nodes silent for this long out of GET /api/nodes (e.g. 10m); default: keep them")
      ->envname("NODE_GRACE");
  app.add_option("--stale-after", stale_after_text,
                 "pods of a node silent this long leave the latest views (history stays), e.g. 1m; "
                 "default: 3 report intervals")
      ->envname("STALE_AFTER");
  app.add_option("--port-file", port_file, "after binding, write the port number to this file")->envname("PORT_FILE");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->envname("LOG_LEVEL");
  std::string migrate_to;
  CLI::App* migrate = app.add_subcommand(
      "migrate", "replay the embedded engine of --data-dir into ClickHouse (--to clickhouse://…), then exit");
  migrate->add_option("--to", migrate_to, "the ClickHouse to fill, as for --storage")->required();
  migrate->fallthrough();  // --data-dir and --retention may come after `migrate`
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kUsageError;
  }

  spdlog::set_default_logger(spdlog::stderr_color_mt("server"));
  spdlog::set_level(spdlog::level::from_str(log_level));

  if (listen_option->count() == 0) {
    if (const char* port_env = std::getenv("PORT"); port_env != nullptr && *port_env != '\0') {
      listen = "127.0.0.1:" + std::string(port_env);
    }
  }
  auto address = parseListen(listen);
  if (!address) {
    spdlog::error("--listen: {}", address.error().toString());
    return kUsageError;
  }
  std::optional<tsdb::ClickHouseUrl> clickhouse_url;
  if (storage_spec.starts_with("clickhouse:")) {
    auto parsed = tsdb::parseClickHouseUrl(storage_spec);
    if (!parsed) {
      spdlog::error("--storage: {}", parsed.error().toString());
      return kUsageError;
    }
    clickhouse_url = std::move(*parsed);
  } else if (storage_spec != "embedded" && storage_spec != "memory") {
    spdlog::error("--storage: \"{}\": expected \"embedded\", \"memory\" or clickhouse://HOST:PORT[,HOST:PORT…]/DATABASE",
                  storage_spec);
    return kUsageError;
  }
  auto retention_seconds = parseDurationSeconds(retention_text);
  if (!retention_seconds) {
    spdlog::error("--retention: {}", retention_seconds.error().toString());
    return kUsageError;
  }
  auto default_window_seconds = parseDurationSeconds(default_window_text);
  if (!default_window_seconds) {
    spdlog::error("--default-window: {}", default_window_seconds.error().toString());
    return kUsageError;
  }
  std::chrono::seconds node_grace{0};
  if (!node_grace_text.empty()) {
    auto grace = parseDurationSeconds(node_grace_text);
    if (!grace) {
      spdlog::error("--node-grace: {}", grace.error().toString());
      return kUsageError;
    }
    node_grace = std::chrono::seconds(*grace);
  }
  std::chrono::seconds stale_after{0};
  if (!stale_after_text.empty()) {
    auto stale = parseDurationSeconds(stale_after_text);
    if (!stale) {
      spdlog::error("--stale-after: {}", stale.error().toString());
      return kUsageError;
    }
    stale_after = std::chrono::seconds(*stale);
  }
  server::ServerOptions options;
  if (!token_file.empty()) {
    auto token = readTokenFile(token_file);
    if (!token) {
      spdlog::error("--ingest-token-file: {}", token.error().toString());
      return kUsageError;
    }
    options.ingest_token = *token;
  }
  if (!query_token_file.empty()) {
    auto token = readTokenFile(query_token_file);
    if (!token) {
      spdlog::error("--query-token-file: {}", token.error().toString());
      return kUsageError;
    }
    options.query_token = *token;
  }
  options.tls_cert_file = tls_cert;
  options.tls_key_file = tls_key;
  // Only the embedded engine (and a migration from it) reads the data dir: a replica on ClickHouse
  // must start on a read-only root file system without one.
  if (!clickhouse_url && storage_spec != "memory") {
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) {
      spdlog::error("--data-dir {}: {}", data_dir, ec.message());
      return kUsageError;
    }
  }

  options.listen_address = address->host;
  options.port = address->port;
  options.max_body_bytes = max_body_bytes;
  options.threads = threads;
  options.ingest_workers = ingest_workers;
  if (migrate->parsed()) {
    auto target = tsdb::parseClickHouseUrl(migrate_to);
    if (!target) {
      spdlog::error("migrate --to: {}", target.error().toString());
      return kUsageError;
    }
    return migrateToClickHouse(data_dir, *target, std::chrono::seconds(*retention_seconds));
  }
  options.ingest_queue = ingest_queue;
  options.ingest_max_wait = std::chrono::milliseconds(ingest_max_wait_ms);
  options.max_data_points = max_data_points;
  options.default_window_seconds = *default_window_seconds;
  options.node_grace = node_grace;
  options.stale_after = stale_after;

  SystemClock clock;
  std::unique_ptr<tsdb::Storage> storage;
  if (clickhouse_url) {
    const std::string endpoints = fmt::format("{}", fmt::join(clickhouse_url->endpoints, ","));
    auto clickhouse = tsdb::ClickHouseStorage::open(clock, *clickhouse_url, std::chrono::seconds(*retention_seconds));
    if (!clickhouse) {
      spdlog::error("--storage clickhouse://{}/{}: {}", endpoints, clickhouse_url->database, clickhouse.error().toString());
      return 1;
    }
    spdlog::info("storage: ClickHouse at {}, database {}{} (retention {}); this server keeps no state", endpoints,
                 clickhouse_url->database, clickhouse_url->cluster.empty() ? "" : ", cluster " + clickhouse_url->cluster,
                 formatDurationSeconds(*retention_seconds));
    storage = std::move(*clickhouse);
  } else if (storage_spec == "memory") {
    storage = std::make_unique<tsdb::MemoryStorage>(clock, std::chrono::seconds(*retention_seconds));
    spdlog::info("storage: in memory (retention {}); nothing survives a restart",
                 formatDurationSeconds(*retention_seconds));
  } else {
    tsdb::EmbeddedOptions engine_options;
    engine_options.data_dir = data_dir;
    engine_options.retention = std::chrono::seconds(*retention_seconds);
    engine_options.wal.sync_interval_ms = wal_sync_ms;
    auto engine = tsdb::EmbeddedStorage::open(clock, engine_options);
    if (!engine) {
      spdlog::error("--data-dir {}: {}", data_dir, engine.error().toString());
      return 1;
    }
    const tsdb::EngineStats engine_stats = (*engine)->engineStats();
    spdlog::info("storage: embedded in {} (retention {}): {} blocks, {} WAL records replayed, {} corrupt entries skipped",
                 data_dir, formatDurationSeconds(*retention_seconds), engine_stats.blocks,
                 engine_stats.replayed_records, engine_stats.corrupt_entries + engine_stats.corrupt_blocks);
    storage = std::move(*engine);
  }
  server::Router router(*storage, clock, options);
  // Destroyed in reverse: the transport first (later answers go nowhere), then the router, which
  // waits for the reports in flight, then the storage.
  server::HttpServer http(options, [&router](server::HttpRequest request, server::Responder respond) {
    router.handleAsync(std::move(request), std::move(respond));
  });
  http.stopOnSignals({SIGTERM, SIGINT});
  if (auto started = http.start(); !started) {
    spdlog::error("{}", started.error().toString());
    return 1;
  }
  const bool v6 = address->host.find(':') != std::string::npos;
  const server::IngestPipelineStats ingest = router.ingestStats();
  spdlog::info("kubemonitor-server listening on http://{}{}{}:{} ({} event-loop threads, {} ingest workers, "
               "ingest queue {})",
               v6 ? "[" : "", address->host, v6 ? "]" : "", http.port(), http.threads(), ingest.workers,
               ingest.capacity);
  if (!port_file.empty()) {
    if (auto written = writeFileAtomically(port_file, std::to_string(http.port()) + "\n"); !written) {
      spdlog::error("--port-file: {}", written.error().toString());
      return 1;
    }
  }
  http.run();
  spdlog::info("kubemonitor-server stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Every report allocates and frees a few hundred KB (the decompressed JSON, the decoded report,
  // its WAL record) and a checkpoint some hundred MB. glibc would hand the large ones back to the
  // kernel at once (mmap above its threshold, trim of the heap top), and the next report's pages
  // are faulted in and zeroed again: a fifth of the server's CPU under load (perf, 1,000 agents).
  // Keeping freed memory for reuse costs no RSS that the next checkpoint would not take anyway.
  (void)mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest (64-bit); also stops its adaptation
  (void)mallopt(M_TRIM_THRESHOLD, 512 << 20);
  // Exceptions stop here (DESIGN rule 6): library code returns errors as values.
  try {
    return runServer(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kubemonitor-server: fatal: %s\n", e.what());
    return 1;
  }
}
