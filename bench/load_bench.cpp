// Cluster-scale load, open loop: N simulated agents (async_agents.h), each on its own keep-alive
// connection and its own clock, post realistic zstd reports (load_reports.h) stamped with the
// live grid slot to the real kubemonitor-server, started with its default flags; meanwhile an
// operator's queries run on their own schedule (load_queries.h). Afterwards the server must hold
// exactly the node samples that were acknowledged, no more, no fewer.
//
// Timeline (open loop): encode every body → connect → warm-up slots → measured slots (--duration)
// → drain (at most --drain-seconds for what is still queued or being retried) → verify.

#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <atomic>
#include <cmath>
#include <optional>
#include <thread>

#include "common/http_client.h"
#include "async_agents.h"
#include "bench_result.h"
#include "bench_servers.h"
#include "common/clock.h"
#include "common/testing/clickhouse_cluster.h"
#include "tsdb/report_fields.h"
#include "latency_stats.h"
#include "load_queries.h"
#include "load_reports.h"
#include "process_usage.h"

namespace kubemonitor::bench {
namespace {

using std::chrono::steady_clock;

constexpr int kSpareFds = 64;           // beyond one socket per agent: logs, query clients, curl
constexpr int64_t kConnectMarginMs = 3000;  // between the end of encoding and the first slot
constexpr int kMaxCheckedSlots = 900;   // per-node point counts need one bucket per slot (max 1000)
constexpr int kEncodeSamples = 4;       // bodies timed to plan how long encoding all of them takes

double secondsBetween(steady_clock::time_point from, steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// One socket per agent must fit under RLIMIT_NOFILE; the soft limit is raised to the hard one.
bool ensureFileLimit(int agents) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  const auto needed = static_cast<rlim_t>(agents + kSpareFds);
  if (limit.rlim_cur < needed && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur >= needed) return true;
  spdlog::error("{} agents need {} file descriptors; RLIMIT_NOFILE is {}", agents, needed, limit.rlim_cur);
  return false;
}

// Seconds of one core that encoding one body takes (makeLoadReport + encodeReport + zstd).
double encodeSecondsPerReport(const LoadReportShape& shape) {
  const auto started = steady_clock::now();
  size_t bytes = 0;  // used, so that the encoding is not optimised away
  for (int i = 0; i < kEncodeSamples; ++i) bytes += encodeLoadReport(shape, i, i, int64_t{i} * shape.interval_ms).size();
  return bytes == 0 ? 0 : secondsBetween(started, steady_clock::now()) / kEncodeSamples;
}

// The server's node samples (/health storage.samples); nullopt when it cannot be read.
std::optional<uint64_t> storedSamples(HttpClient& client, const std::string& url) {
  auto response = client.get(url + "/health");
  if (!response || response->status != 200) return std::nullopt;
  simdjson::dom::parser parser;
  uint64_t samples = 0;
  if (parser.parse(response->body)["storage"]["samples"].get(samples) != simdjson::SUCCESS) return std::nullopt;
  return samples;
}

// Points of node `agent`'s series over [first_ms, last_ms] (one per stored slot); -1 on failure.
int64_t storedNodePoints(HttpClient& client, const std::string& url, int agent, int64_t first_ms, int64_t last_ms) {
  const int64_t start_s = first_ms / 1000;
  const int64_t end_s = last_ms / 1000 + 1;
  auto response = client.get(url + "/api/nodes/" + loadNodeName(agent) + "?start=" + std::to_string(start_s) +
                             "&end=" + std::to_string(end_s));
  if (!response || response->status != 200) return -1;
  simdjson::dom::parser parser;
  simdjson::dom::array points;
  if (parser.parse(response->body)["points"].get(points) != simdjson::SUCCESS) return -1;
  return static_cast<int64_t>(points.size());
}

constexpr int kLoggedNodes = 5;  // nodes whose mismatch is logged

// Nothing lost, nothing counted twice: the server holds exactly the acknowledged node samples, in
// total (/health) and node by node (each node's series over the run's slots, when it fits in one
// answer's points). The comparison is only meaningful once no report is in flight, i.e. when
// every report was acknowledged; otherwise `stored` is read for the record (-1: the server, still
// busy with abandoned requests, did not answer within 10 s).
bool verifyStored(const std::string& url, const FleetFigures& fleet, int slots, int64_t first_slot_ms,
                  int64_t interval_ms, bool all_acknowledged, int64_t& stored) {
  HttpClient client(all_acknowledged ? std::chrono::seconds(60) : std::chrono::seconds(10));
  const auto samples = storedSamples(client, url);
  stored = samples ? static_cast<int64_t>(*samples) : -1;
  if (!all_acknowledged) return false;
  if (!samples) {
    spdlog::error("GET /health: no storage.samples");
    return false;
  }
  bool ok = *samples == fleet.acknowledged;
  if (!ok) spdlog::error("server holds {} node samples, {} reports were acknowledged", stored, fleet.acknowledged);
  if (slots > kMaxCheckedSlots) return ok;
  const int64_t last_ms = first_slot_ms + int64_t{slots - 1} * interval_ms;
  int mismatched = 0;
  for (size_t a = 0; a < fleet.acknowledged_per_agent.size(); ++a) {
    const int64_t points = storedNodePoints(client, url, static_cast<int>(a), first_slot_ms, last_ms);
    if (points == fleet.acknowledged_per_agent[a]) continue;
    if (mismatched++ < kLoggedNodes) {
      spdlog::error("{}: {} points stored, {} reports acknowledged", loadNodeName(static_cast<int>(a)), points,
                    fleet.acknowledged_per_agent[a]);
    }
  }
  if (mismatched > 0) spdlog::error("{} nodes hold another number of samples than was acknowledged", mismatched);
  return ok && mismatched == 0;
}

// The i-th single-object query: a node, one of its pods, that pod over 5 min, in turn, of agents
// the server already knows (a node whose first report is still queued would only measure a 404).
std::string singleQueryTarget(const AsyncFleet& fleet, const LoadReportShape& shape, int agents, uint64_t i) {
  const uint64_t round = i / 3;
  int agent = static_cast<int>(round % static_cast<uint64_t>(agents));
  for (int tried = 0; tried < agents && !fleet.hasAcknowledged(agent); ++tried) agent = (agent + 1) % agents;
  if (i % 3 == 0 || shape.pods_per_agent == 0) return "/api/nodes/" + loadNodeName(agent);
  const LoadPodName pod = loadPodName(shape, agent, static_cast<int>(round % static_cast<uint64_t>(shape.pods_per_agent)));
  return "/api/pods/" + pod.name + "?namespace=" + pod.namespace_name + (i % 3 == 2 ? "&window=5m" : "");
}

// A latency percentile, ms; -1 when nothing was measured (e.g. no measured report acknowledged),
// which a 0 would hide.
double latencyMs(const std::vector<double>& values, double p) { return values.empty() ? -1 : percentile(values, p); }

void addQueryFigures(BenchResult& result, const std::string& prefix, const QueryFigures& q) {
  result.add(prefix + "_p50_ms", latencyMs(q.service_ms, 0.50));
  result.add(prefix + "_p99_ms", latencyMs(q.service_ms, 0.99));
  result.add(prefix + "_p99_from_schedule_ms", latencyMs(q.from_schedule_ms, 0.99));
  result.add(prefix + "_count", static_cast<double>(q.queries));
  result.add(prefix + "_skipped", static_cast<double>(q.skipped));
}

// When what happens, on the steady clock. Open loop: the bodies carry their timestamps, so the
// first slot is planned past the end of encoding (and connecting); the load is the slots after
// the warm-up. Closed loop: the slots end now and the load lasts until the last answer.
struct LoadPlan {
  int warmup_slots = 0;
  int slots = 0;  // per agent, warm-up included
  int64_t first_slot_ms = 0;  // Unix ms of slot 0, a multiple of the interval
};

LoadPlan planLoad(const LoadBenchOptions& options, const LoadReportShape& shape, int encode_threads) {
  const auto interval_ms = static_cast<double>(shape.interval_ms);
  LoadPlan plan;
  if (options.closed_loop) {
    plan.slots = options.rounds;
  } else {
    plan.warmup_slots = static_cast<int>(std::ceil(options.warmup_seconds * 1000 / interval_ms));
    plan.slots = plan.warmup_slots + std::max(1, static_cast<int>(std::llround(options.duration_seconds * 1000 / interval_ms)));
  }
  const double encode_estimate_s = encodeSecondsPerReport(shape) * options.agents * plan.slots / encode_threads;
  const int64_t now_ms = toUnixMs(std::chrono::system_clock::now());
  const int64_t start_ms = options.closed_loop
                               ? now_ms - int64_t{plan.slots - 1} * shape.interval_ms
                               : now_ms + std::llround(encode_estimate_s * 1500) + kConnectMarginMs + shape.interval_ms;
  plan.first_slot_ms = start_ms / shape.interval_ms * shape.interval_ms;
  return plan;
}

std::chrono::milliseconds millis(double seconds) { return std::chrono::milliseconds(std::llround(seconds * 1000)); }

// What one run measured, for addLoadFigures.
struct LoadMeasurements {
  const FleetFigures& fleet;
  const QueryFigures& single;
  const QueryFigures& list;
  double window_s = 0;                  // the measured load's length
  std::optional<double> server_cpu_s{};  // server CPU over it
  double loadgen_cpu_s = 0;             // this process's CPU over it (agents and queries)
  uint64_t expected = 0;                // reports of the run: agents × slots
  int64_t stored = -1;                  // the server's node samples afterwards
  double drain_s = 0;                   // end of the load → last 202
  std::optional<uint64_t> server_peak_rss_bytes{};
  uint64_t server_idle_rss_bytes = 0;
  double encode_s = 0;                  // encoding every body, before the clock started
  size_t bodies_bytes = 0;              // all of them
};

// The figures, names with their units; -1 for a latency that nothing measured.
void addLoadFigures(BenchResult& result, const LoadBenchOptions& options, std::chrono::milliseconds interval,
                    const LoadMeasurements& m) {
  const FleetFigures& figures = m.fleet;
  const double window_s = m.window_s;
  // Per-report costs divide by the 202s of the measured window (at least 1, not to divide by 0).
  const double acked_in_window = std::max<double>(1, static_cast<double>(figures.acknowledged_in_window));

  result.add("closed_loop", options.closed_loop ? 1 : 0);
  result.add("agents", options.agents);
  result.add("pods_per_agent", options.pods_per_agent);
  result.add("containers_per_pod", options.containers_per_pod);
  result.add("interval_s", double(interval.count()) / 1000);
  result.add("load_s", window_s);
  if (!options.closed_loop) result.add("offered_reports_per_sec", options.agents * 1000.0 / double(interval.count()));
  result.add("achieved_reports_per_sec", static_cast<double>(figures.acknowledged_in_window) / window_s);
  result.add("reports_offered", static_cast<double>(figures.offered));
  result.add("reports_sent", static_cast<double>(figures.sent));
  result.add("reports_acknowledged", static_cast<double>(figures.acknowledged));
  result.add("unacknowledged", static_cast<double>(m.expected - figures.acknowledged));
  result.add("refused", static_cast<double>(figures.refused));
  result.add("retries", static_cast<double>(figures.retries));
  result.add("connection_errors", static_cast<double>(figures.connection_errors));
  result.add("timeouts", static_cast<double>(figures.timeouts));
  result.add("transient_errors", static_cast<double>(figures.transient_errors));
  result.add("rejected", static_cast<double>(figures.rejected));
  result.add("server_samples", static_cast<double>(m.stored));
  if (!options.closed_loop) result.add("drain_s", m.drain_s);
  result.add("measured_reports_acknowledged", static_cast<double>(figures.ingest_ms.size()));
  result.add("ingest_p50_ms", latencyMs(figures.ingest_ms, 0.50));
  result.add("ingest_p99_ms", latencyMs(figures.ingest_ms, 0.99));
  result.add("ingest_p50_service_ms", latencyMs(figures.service_ms, 0.50));
  result.add("ingest_p99_service_ms", latencyMs(figures.service_ms, 0.99));
  addQueryFigures(result, "query_single", m.single);
  addQueryFigures(result, "query_list", m.list);
  result.add("query_not_found", static_cast<double>(m.single.not_found + m.list.not_found));
  result.add("query_errors", static_cast<double>(m.single.errors + m.list.errors));
  if (m.server_cpu_s) {
    result.add("server_cpu_ms_per_report", *m.server_cpu_s * 1000 / acked_in_window);
    result.add("server_cpu_cores", *m.server_cpu_s / window_s);
  }
  if (m.server_peak_rss_bytes) result.add("server_rss_mib", static_cast<double>(*m.server_peak_rss_bytes) / (1 << 20));
  result.add("server_idle_rss_mib", static_cast<double>(m.server_idle_rss_bytes) / (1 << 20));
  result.add("loadgen_cpu_ms_per_report", m.loadgen_cpu_s * 1000 / acked_in_window);
  if (!options.closed_loop) result.add("loadgen_timer_lag_p99_ms", latencyMs(figures.timer_lag_ms, 0.99));
  result.add("loadgen_encode_s", m.encode_s);
  result.add("loadgen_bodies_mib", static_cast<double>(m.bodies_bytes) / (1 << 20));
  result.add("report_zstd_kib", static_cast<double>(m.bodies_bytes) / static_cast<double>(m.expected) / 1024);
}

// --storage for the cluster: every shard's HTTP endpoint, a database of its own.
std::string clickHouseStorageUrl(const testing::ClickHouseCluster& cluster) {
  std::string hosts;
  for (const std::string& endpoint : cluster.httpEndpoints()) hosts += (hosts.empty() ? "" : ",") + endpoint;
  return "clickhouse://" + hosts + "/kubemonitor_bench?cluster=" + cluster.clusterName();
}

double clickHouseCpuSeconds(const testing::ClickHouseCluster& cluster) {
  double total = 0;
  for (int shard = 0; shard < cluster.shards(); ++shard) {
    if (auto usage = readProcessUsage(cluster.pid(shard))) total += usage->cpu_seconds;
  }
  return total;
}

// Bytes on disk of the benchmark's tables over every shard, per value stored (a field of a node,
// pod or container row: keys, labels and ClickHouse's marks and indexes are the overhead).
void addClickHouseDisk(testing::ClickHouseCluster& cluster, BenchResult& result) {
  double bytes = 0;
  double values = 0;
  const std::pair<const char*, size_t> tables[] = {{"nodes_local", tsdb::internal::kNodeFields.size()},
                                                   {"pods_local", tsdb::internal::kPodFields.size()},
                                                   {"containers_local", tsdb::internal::kContainerFields.size()}};
  for (int shard = 0; shard < cluster.shards(); ++shard) {
    for (const auto& [table, fields] : tables) {
      auto answer = cluster.query(shard, std::string("SELECT sum(bytes_on_disk), sum(rows) FROM system.parts WHERE active "
                                                     "AND database = 'kubemonitor_bench' AND table = '") +
                                             table + "' FORMAT TSV");
      if (!answer) {
        spdlog::warn("ClickHouse disk: {}", answer.error().toString());
        return;
      }
      double table_bytes = 0, rows = 0;
      std::sscanf(answer->c_str(), "%lf\t%lf", &table_bytes, &rows);
      bytes += table_bytes;
      values += rows * double(fields);
    }
  }
  result.add("clickhouse_bytes_on_disk", bytes);
  result.add("clickhouse_bytes_per_value", values > 0 ? bytes / values : 0);
}

}  // namespace

int runLoadBench(const LoadBenchOptions& options, BenchResult& result) {
  if (options.closed_loop) result.name = "load_closed_loop";
  const auto interval = millis(options.interval_seconds);
  if (interval.count() <= 0) {
    spdlog::error("--interval must be at least 1 ms");
    return 1;
  }
  const LoadReportShape shape{options.pods_per_agent, options.containers_per_pod, interval.count()};
  if (!ensureFileLimit(options.agents)) return 1;
  std::vector<std::string> server_args = options.server_args;
  std::unique_ptr<testing::ClickHouseCluster> clickhouse;
  if (options.clickhouse_shards > 0) {
    auto started = testing::ClickHouseCluster::start(options.clickhouse_shards);
    if (!started) {
      spdlog::error("ClickHouse: {}", started.error().toString());
      return 1;
    }
    clickhouse = std::move(*started);
    server_args.push_back("--storage=" + clickHouseStorageUrl(*clickhouse));
  }
  RunningServer server;
  if (!startServer(options.bin_dir, server, server_args)) return 1;
  const pid_t server_pid = server.process->pid();

  const int threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1U, 4U));
  const LoadPlan plan = planLoad(options, shape, threads);
  const int slots = plan.slots;
  const auto encode_started = steady_clock::now();
  const LoadBodies bodies(shape, options.agents, slots, plan.first_slot_ms, threads);
  const double encode_s = secondsBetween(encode_started, steady_clock::now());

  FleetOptions fleet_options;
  fleet_options.port = static_cast<uint16_t>(std::stoi(server.url.substr(server.url.rfind(':') + 1)));
  fleet_options.agents = options.agents;
  fleet_options.slots = slots;
  fleet_options.interval = interval;
  // The wall-clock grid slot first_slot_ms on the steady clock, which times everything else.
  fleet_options.first_slot =
      steady_clock::now() + std::chrono::milliseconds(plan.first_slot_ms - toUnixMs(std::chrono::system_clock::now()));
  fleet_options.first_measured_slot = plan.warmup_slots;
  fleet_options.closed_loop = options.closed_loop;
  fleet_options.request_timeout = millis(options.request_timeout_seconds);
  fleet_options.seed = options.seed;
  const auto load_begin = options.closed_loop ? steady_clock::now() : fleet_options.first_slot + plan.warmup_slots * interval;
  // Closed loop: the load ends with the last answer (queries stop then); the run gets at most
  // --duration + --drain-seconds.
  const auto load_end = options.closed_loop ? steady_clock::time_point::max() : fleet_options.first_slot + slots * interval;
  fleet_options.measure_begin = load_begin;
  fleet_options.measure_end = load_end;
  fleet_options.deadline = (options.closed_loop ? load_begin + millis(options.duration_seconds) : load_end) +
                           millis(options.drain_seconds);
  if (!options.closed_loop && fleet_options.first_slot < steady_clock::now()) {
    spdlog::warn("encoding took {:.1f} s, longer than planned: the first slots go out late", encode_s);
  }

  AsyncFleet fleet(fleet_options, [&bodies](int agent, int slot) { return std::string_view(bodies.body(agent, slot)); });
  FleetFigures figures;
  auto idle = readProcessUsage(server_pid);
  if (!idle) {
    spdlog::error("server usage: {}", idle.error().toString());
    return 1;
  }
  std::atomic<bool> ingest_done{false};
  std::thread ingest([&] {
    figures = fleet.run();
    ingest_done.store(true);
  });
  QueryFigures single, list;
  std::thread single_queries([&] {
    single = runScheduledQueries(server.url, options.query_rate, load_begin, load_end, ingest_done,
                                 [&](uint64_t i) { return singleQueryTarget(fleet, shape, options.agents, i); });
  });
  std::thread list_queries([&] {
    list = runScheduledQueries(server.url, options.list_query_rate, load_begin, load_end, ingest_done,
                               [](uint64_t i) { return std::string(i % 2 == 0 ? "/api/nodes" : "/api/namespaces"); });
  });
  // CPU of both processes over the measured load: open loop from the first measured slot to the
  // end of the last one; closed loop the whole run (sampled once the agents are done).
  std::this_thread::sleep_until(load_begin);
  auto server_begin = readProcessUsage(server_pid);
  const double self_begin = selfCpuSeconds();
  const double clickhouse_begin = clickhouse ? clickHouseCpuSeconds(*clickhouse) : 0;
  if (options.closed_loop) {
    ingest.join();
  } else {
    std::this_thread::sleep_until(load_end);
  }
  const auto window_end = options.closed_loop ? figures.last_acknowledged : load_end;
  auto server_end = readProcessUsage(server_pid);
  const double self_end = selfCpuSeconds();
  const double clickhouse_end = clickhouse ? clickHouseCpuSeconds(*clickhouse) : 0;
  if (!options.closed_loop) ingest.join();
  single_queries.join();
  list_queries.join();

  const uint64_t expected = uint64_t(options.agents) * uint64_t(slots);
  const uint64_t unacknowledged = expected - figures.acknowledged;
  int64_t stored = -1;
  const bool stored_ok =
      verifyStored(server.url, figures, slots, plan.first_slot_ms, interval.count(), unacknowledged == 0, stored);
  LoadMeasurements m{figures, single, list};
  m.window_s = std::max(1e-3, secondsBetween(load_begin, window_end));
  if (server_begin && server_end) m.server_cpu_s = server_end->cpu_seconds - server_begin->cpu_seconds;
  m.loadgen_cpu_s = self_end - self_begin;
  m.expected = expected;
  m.stored = stored;
  m.drain_s = figures.acknowledged == 0 ? 0 : std::max(0.0, secondsBetween(load_end, figures.last_acknowledged));
  if (auto peak_rss = readPeakRssBytes(server_pid)) m.server_peak_rss_bytes = *peak_rss;
  m.server_idle_rss_bytes = idle->rss_bytes;
  m.encode_s = encode_s;
  m.bodies_bytes = bodies.totalBytes();
  addLoadFigures(result, options, interval, m);
  if (clickhouse) {
    const double reports = std::max(1.0, double(figures.acknowledged_in_window));  // as server_cpu_ms_per_report
    result.add("clickhouse_cpu_ms_per_report", (clickhouse_end - clickhouse_begin) * 1000 / reports);
    result.add("clickhouse_cpu_cores", (clickhouse_end - clickhouse_begin) / m.window_s);
    addClickHouseDisk(*clickhouse, result);
  }

  for (const auto& [kind, count] : figures.connection_error_kinds) spdlog::warn("ingest connection errors: {} × {}", count, kind);
  if (unacknowledged > 0) spdlog::error("{} of {} reports were never acknowledged", unacknowledged, expected);
  return unacknowledged == 0 && stored_ok && single.errors + list.errors == 0 ? 0 : 1;
}

}  // namespace kubemonitor::bench
