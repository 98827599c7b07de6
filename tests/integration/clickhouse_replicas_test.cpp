// Scale-out on ClickHouse (issue 17), against a real two-shard ClickHouse cluster started by the
// test (Debian's clickhouse-server, loopback, its own config) and real kubemonitor-server binaries:
// two stateless replicas over the cluster's Distributed tables, and an embedded-engine server fed
// the same reports as the reference.
//
//   - Differential: every route answers the replicas as it answers the embedded engine, byte for
//     byte, after reports split between the replicas, sent out of order, some replayed through the
//     other replica.
//   - kill -9 of one replica mid-ingest: every acknowledged report is there; the agents' retries
//     through the other replica do not count twice.
//   - ClickHouse stopped: ingest 503 + Retry-After, queries 503 with a message; started again: both
//     recover by themselves, and the refused report lands.
//   - Retention drops whole daily partitions.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/testing/child_process.h"
#include "common/testing/clickhouse_cluster.h"
#include "model/report_json.h"
#include "node_series.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor {
namespace {

using testing::binDir;
using testing::ChildProcess;
using testing::ClickHouseCluster;
using testing::TempDir;

constexpr int64_t kIntervalMs = 5000;

// One kubemonitor-server process and its URL.
struct Server {
  std::optional<ChildProcess> process;
  std::string url;
  std::string log;
};

class ClickHouseReplicasTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = ClickHouseCluster::start(2);
    ASSERT_TRUE(started.ok()) << "a two-shard ClickHouse is needed (make test installs clickhouse-server): "
                              << started.error().toString();
    cluster_ = std::move(*started).release();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  // `database`: each test its own, so that they do not see each other's reports.
  std::string clickHouseSpec(const std::string& database) const {
    std::string hosts;
    for (const std::string& endpoint : cluster_->httpEndpoints()) hosts += (hosts.empty() ? "" : ",") + endpoint;
    return "clickhouse://" + hosts + "/" + database + "?cluster=" + cluster_->clusterName();
  }

  Server startServer(const std::string& name, std::vector<std::string> storage_flags) {
    Server server;
    const std::string port_file = dir_.path() + "/" + name + ".port";
    server.log = dir_.path() + "/" + name + ".log";
    std::filesystem::remove(port_file);
    // --stale-after: the reports end when the test starts; the latest views must not change while
    // it compares them (3 intervals, the default, would pass within the test).
    std::vector<std::string> argv{binDir() + "/kubemonitor-server", "--listen", "127.0.0.1:0", "--port-file", port_file,
                                  "--stale-after", "30m"};
    argv.insert(argv.end(), storage_flags.begin(), storage_flags.end());
    server.process.emplace(ChildProcess::spawn(argv, "", server.log));
    auto port = testing::waitForPortFile(port_file, std::chrono::seconds(30));
    EXPECT_TRUE(port.has_value()) << name << " did not start: " << testing::readTextFile(server.log);
    server.url = "http://127.0.0.1:" + std::to_string(port.value_or(0));
    return server;
  }
  Server startReplica(const std::string& name, const std::string& database, std::vector<std::string> extra = {}) {
    std::vector<std::string> flags{"--storage", clickHouseSpec(database)};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return startServer(name, flags);
  }
  Server startEmbedded(const std::string& name) {
    return startServer(name, {"--storage", "embedded", "--data-dir", dir_.path() + "/" + name + "-data"});
  }

  static Result<HttpResponse> post(HttpClient& client, const Server& server, const model::Report& report) {
    return client.post(server.url + "/api/ingest", model::encodeReport(report), {"Content-Type: application/json"});
  }
  // Sent as an agent sends it: again after a 503 (over capacity), up to a bound.
  static ::testing::AssertionResult ingested(HttpClient& client, const Server& server, const model::Report& report) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto response = post(client, server, report);
      if (!response.ok()) return ::testing::AssertionFailure() << server.url << ": " << response.error().toString();
      if (response->status == 202) return ::testing::AssertionSuccess();
      if (response->status != 503) return ::testing::AssertionFailure() << server.url << ": " << response->body;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the agent waits Retry-After; shorter here
    }
    return ::testing::AssertionFailure() << server.url << ": still 503 after 100 attempts";
  }

  static ClickHouseCluster* cluster_;
  TempDir dir_;
};

ClickHouseCluster* ClickHouseReplicasTest::cluster_ = nullptr;

// The routes an operator, the dashboard, the CLI and kubectl call, for the objects of `reports`.
std::vector<std::string> routesFor(const std::vector<model::Report>& reports) {
  std::vector<std::string> routes{
      "/api/nodes",
      "/api/pods",
      "/api/namespaces",
      "/api/deployments",
      "/api/pods?window=900&fields=cpu_millicores,memory_working_set_bytes",
      "/api/namespaces?window=900&step=60",
      "/api/deployments?window=900",
      "/api/nodes?window=900&step=30",
      "/apis/metrics.k8s.io/v1beta1/nodes",
      "/apis/metrics.k8s.io/v1beta1/pods",
  };
  std::set<std::string> seen;
  for (const model::Report& report : reports) {
    if (seen.insert("node/" + report.node).second) {
      routes.push_back("/api/nodes/" + report.node);
      routes.push_back("/api/nodes/" + report.node + "?window=900");
      routes.push_back("/api/nodes/" + report.node + "?window=900&step=60");
      routes.push_back("/api/nodes/" + report.node + "/pods");
    }
    for (const model::PodUsage& pod : report.pods) {
      const std::string ns = "?namespace=" + pod.namespace_name;
      if (seen.insert("ns/" + pod.namespace_name).second) {
        routes.push_back("/api/namespaces/" + pod.namespace_name);
        routes.push_back("/api/namespaces/" + pod.namespace_name + "?window=900");
        routes.push_back("/api/namespaces/" + pod.namespace_name + "?window=900&step=60");
        routes.push_back("/api/namespaces/" + pod.namespace_name + "/pods");
        routes.push_back("/api/pods" + ns);
        routes.push_back("/apis/metrics.k8s.io/v1beta1/namespaces/" + pod.namespace_name + "/pods");
      }
      if (!pod.deployment.empty() && seen.insert("deploy/" + pod.namespace_name + "/" + pod.deployment).second) {
        routes.push_back("/api/deployments/" + pod.deployment + ns);
        routes.push_back("/api/deployments/" + pod.deployment + ns + "&window=900");
      }
      if (seen.insert("pod/" + pod.namespace_name + "/" + pod.name).second) {
        routes.push_back("/api/pods/" + pod.name + ns);
        routes.push_back("/api/pods/" + pod.name + ns + "&window=900");
        routes.push_back("/api/pods/" + pod.name + ns + "&window=900&step=20");
        routes.push_back("/api/pods/" + pod.name + "/containers" + ns);
        for (const model::ContainerUsage& container : pod.containers) {
          routes.push_back("/api/pods/" + pod.name + "/containers/" + container.name + ns + "&window=900");
        }
      }
    }
  }
  return routes;
}

TEST_F(ClickHouseReplicasTest, EveryRouteAnswersAsTheEmbeddedEngine) {
  Server embedded = startEmbedded("embedded");
  Server replicas[2] = {startReplica("replica-a", "differential"), startReplica("replica-b", "differential")};
  if (HasFailure()) return;
  HttpClient client;

  // 3 nodes × 8 pods, 4 min of reports ending now; sent out of order.
  SystemClock clock;
  const int64_t end_ms = toUnixMs(clock.wallNow()) / kIntervalMs * kIntervalMs;
  const int ticks = 48;
  const int64_t start_ms = end_ms - (ticks - 1) * kIntervalMs;
  std::vector<model::Report> reports;
  for (size_t node = 0; node < 3; ++node) {
    for (int tick = 0; tick < ticks; ++tick) {
      reports.push_back(tsdb::testing::generateNodeReport(node, 8, tick, start_ms, kIntervalMs));
    }
  }
  std::mt19937 random(17);
  std::shuffle(reports.begin(), reports.end(), random);
  // Four agents at once (the order each server sees differs, as it would), each report to the
  // embedded server and to one replica; every 7th is replayed (as by an agent whose answer was
  // lost), through the other replica.
  const auto started_at = std::chrono::steady_clock::now();
  constexpr size_t kSenders = 4;
  std::vector<std::thread> senders;
  std::vector<std::string> failures(kSenders);
  for (size_t t = 0; t < kSenders; ++t) {
    senders.emplace_back([&, t] {
      HttpClient sender;
      for (size_t i = t; i < reports.size() && failures[t].empty(); i += kSenders) {
        for (const Server* server : {&embedded, &replicas[i % 2]}) {
          if (auto ok = ingested(sender, *server, reports[i]); !ok) failures[t] = ok.message();
        }
        if (i % 7 != 0) continue;
        for (const Server* server : {&embedded, &replicas[(i + 1) % 2]}) {
          if (auto ok = ingested(sender, *server, reports[i]); !ok) failures[t] = ok.message();
        }
      }
    });
  }
  for (auto& t : senders) t.join();
  for (const std::string& failure : failures) ASSERT_EQ(failure, "");
  const auto ingested_at = std::chrono::steady_clock::now();

  size_t compared = 0;
  for (const std::string& route : routesFor(reports)) {
    auto expected = client.get(embedded.url + route);
    ASSERT_TRUE(expected.ok()) << route << ": " << expected.error().toString();
    ASSERT_EQ(expected->status, 200) << route << ": " << expected->body;
    for (const Server& replica : replicas) {
      auto actual = client.get(replica.url + route);
      ASSERT_TRUE(actual.ok()) << route << ": " << actual.error().toString();
      EXPECT_EQ(actual->status, 200) << route;
      EXPECT_EQ(actual->body, expected->body) << replica.url << route;
      ++compared;
    }
  }
  EXPECT_GT(compared, 100u);
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("differential: %zu reports in %lld ms, %zu answers compared in %lld ms\n", reports.size(),
              static_cast<long long>(ms(ingested_at - started_at)), compared,
              static_cast<long long>(ms(std::chrono::steady_clock::now() - ingested_at)));
}

// Reports of `nodes` nodes × 4 pods, `ticks` intervals ending now, in time order.
std::vector<model::Report> recentReports(size_t nodes, int ticks, size_t first_node = 0) {
  SystemClock clock;
  const int64_t end_ms = toUnixMs(clock.wallNow()) / kIntervalMs * kIntervalMs;
  const int64_t start_ms = end_ms - (ticks - 1) * kIntervalMs;
  std::vector<model::Report> reports;
  for (int tick = 0; tick < ticks; ++tick) {
    for (size_t node = first_node; node < first_node + nodes; ++node) {
      reports.push_back(tsdb::testing::generateNodeReport(node, 4, tick, start_ms, kIntervalMs));
    }
  }
  return reports;
}

TEST_F(ClickHouseReplicasTest, KillDashNineOfAReplicaLosesNothingAcknowledgedAndRetriesDoNotCountTwice) {
  Server replica_a = startReplica("replica-a", "failover");
  Server replica_b = startReplica("replica-b", "failover");
  Server reference = startEmbedded("reference");
  if (HasFailure()) return;
  constexpr size_t kAgents = 4;
  constexpr int kTicks = 60;
  constexpr size_t kKillAfter = 80;  // acknowledged reports before replica A is killed
  const std::vector<model::Report> reports = recentReports(kAgents, kTicks);

  // Each agent sends its node's reports in order to replica A, and when A is gone sends the
  // report it has no answer for (and the rest) to replica B, as the Service would route it.
  std::mutex mutex;
  std::map<std::string, std::set<int64_t>> acknowledged;  // guarded by mutex
  std::atomic<size_t> total{0};
  std::atomic<size_t> rerouted{0};
  std::vector<std::thread> agents;
  for (size_t a = 0; a < kAgents; ++a) {
    agents.emplace_back([&, a] {
      HttpClient client(std::chrono::milliseconds(5000));
      const Server* target = &replica_a;
      for (size_t i = a; i < reports.size(); i += kAgents) {
        while (true) {
          auto response = post(client, *target, reports[i]);
          if (response.ok() && response->status == 202) break;
          if (target == &replica_a) {  // refused or unanswered: A is going away; B takes it
            target = &replica_b;
            ++rerouted;
            continue;
          }
          return;  // B failed too: the assertions below say which reports are missing
        }
        std::lock_guard lock(mutex);
        acknowledged[reports[i].node].insert(reports[i].timestamp_ms);
        ++total;
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (total < kKillAfter && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  replica_a.process->signal(SIGKILL);
  (void)replica_a.process->waitExit(std::chrono::seconds(10));
  for (auto& t : agents) t.join();
  EXPECT_GE(rerouted.load(), 1u);
  ASSERT_EQ(total.load(), reports.size()) << testing::readTextFile(replica_b.log);

  HttpClient client;
  for (const auto& [node, timestamps] : acknowledged) {
    auto stored = integration::nodePointTimestamps(client, replica_b.url, node, 900);
    ASSERT_TRUE(stored.ok()) << stored.error().toString();
    const std::set<int64_t> unique(stored->begin(), stored->end());
    EXPECT_EQ(unique.size(), stored->size()) << node << ": a report stored twice";
    EXPECT_EQ(unique, timestamps) << node;
  }
  // Sums over pods that a retried report reached twice (A's rows may have landed before the kill)
  // equal those of a server that received each report once.
  for (const model::Report& report : reports) ASSERT_TRUE(ingested(client, reference, report));
  for (const std::string route : {"/api/namespaces?window=900", "/api/deployments?window=900", "/api/pods?window=900",
                                  "/api/namespaces", "/api/nodes"}) {
    auto expected = client.get(reference.url + route);
    auto actual = client.get(replica_b.url + route);
    ASSERT_TRUE(expected.ok() && actual.ok()) << route;
    EXPECT_EQ(actual->body, expected->body) << route;
  }
}

TEST_F(ClickHouseReplicasTest, ClickHouseDownAnswers503AndBothPathsRecoverByThemselves) {
  Server replica = startReplica("replica", "outage");
  if (HasFailure()) return;
  HttpClient client;
  const std::vector<model::Report> reports = recentReports(1, 2);
  ASSERT_TRUE(ingested(client, replica, reports[0]));

  cluster_->stopShard(0);
  cluster_->stopShard(1);
  auto refused = post(client, replica, reports[1]);
  ASSERT_TRUE(refused.ok()) << refused.error().toString();
  EXPECT_EQ(refused->status, 503) << refused->body;
  EXPECT_EQ(refused->retry_after, "5");
  EXPECT_NE(refused->body.find("ClickHouse"), std::string::npos) << refused->body;
  for (const std::string& route :
       std::vector<std::string>{"/api/nodes", "/api/pods", "/api/nodes/" + reports[0].node + "?window=600"}) {
    auto query = client.get(replica.url + route);
    ASSERT_TRUE(query.ok()) << query.error().toString();
    EXPECT_EQ(query->status, 503) << route << ": " << query->body;
    EXPECT_NE(query->body.find("storage_unavailable"), std::string::npos) << query->body;
  }

  ASSERT_TRUE(cluster_->startShard(0).ok());
  ASSERT_TRUE(cluster_->startShard(1).ok());
  // The agent keeps the refused report and sends it again: it lands, next to the first.
  ASSERT_TRUE(ingested(client, replica, reports[1]));
  auto stored = integration::nodePointTimestamps(client, replica.url, reports[0].node, 600);
  ASSERT_TRUE(stored.ok()) << stored.error().toString();
  EXPECT_EQ(*stored, (std::vector<int64_t>{reports[0].timestamp_ms, reports[1].timestamp_ms}));
}

TEST_F(ClickHouseReplicasTest, MigrateReplaysTheEmbeddedEngineIntoClickHouse) {
  const std::vector<model::Report> reports = recentReports(2, 30);
  {
    Server embedded = startEmbedded("source");
    if (HasFailure()) return;
    HttpClient client;
    for (const model::Report& report : reports) ASSERT_TRUE(ingested(client, embedded, report));
    // A replay with other values: the copy that replaced the first must be the one migrated.
    model::Report replay = reports[5];
    replay.pods[0].usage.cpu_millicores += 500;
    ASSERT_TRUE(ingested(client, embedded, replay));
    embedded.process->signal(SIGTERM);
    ASSERT_EQ(embedded.process->waitExit(std::chrono::seconds(30)), 0);
  }
  ChildProcess migrate = ChildProcess::spawn({binDir() + "/kubemonitor-server", "migrate", "--data-dir",
                                              dir_.path() + "/source-data", "--to", clickHouseSpec("migrated")},
                                             "", dir_.path() + "/migrate.log");
  ASSERT_EQ(migrate.waitExit(std::chrono::seconds(120)), 0) << testing::readTextFile(dir_.path() + "/migrate.log");
  EXPECT_NE(testing::readTextFile(dir_.path() + "/migrate.log").find("0 unreadable blocks"), std::string::npos)
      << testing::readTextFile(dir_.path() + "/migrate.log");

  Server source = startEmbedded("source");  // the same data dir, opened again
  Server replica = startReplica("migrated", "migrated");
  if (HasFailure()) return;
  HttpClient client;
  for (const std::string& route : routesFor(reports)) {
    auto expected = client.get(source.url + route);
    auto actual = client.get(replica.url + route);
    ASSERT_TRUE(expected.ok() && actual.ok()) << route;
    EXPECT_EQ(actual->body, expected->body) << route;
  }
}

TEST_F(ClickHouseReplicasTest, RetentionDropsWholeDailyPartitions) {
  SystemClock clock;
  const int64_t now_ms = toUnixMs(clock.wallNow()) / kIntervalMs * kIntervalMs;
  constexpr int64_t kDayMs = 86'400'000;
  model::Report old_report = tsdb::testing::generateNodeReport(0, 4, 0, now_ms - 3 * kDayMs, kIntervalMs);
  model::Report new_report = tsdb::testing::generateNodeReport(0, 4, 0, now_ms, kIntervalMs);
  auto partitions = [&](const std::string& table) {
    size_t total = 0;
    for (int shard = 0; shard < cluster_->shards(); ++shard) {
      auto count = cluster_->query(shard, "SELECT uniqExact(partition) FROM system.parts WHERE active AND database = "
                                          "'retention' AND table = '" + table + "' FORMAT TSV");
      EXPECT_TRUE(count.ok()) << count.error().toString();
      total += count.ok() ? std::stoul(*count) : 0;
    }
    return total;
  };
  HttpClient client;
  {
    Server replica = startReplica("week", "retention", {"--retention", "7d"});
    if (HasFailure()) return;
    ASSERT_TRUE(ingested(client, replica, old_report));
    ASSERT_TRUE(ingested(client, replica, new_report));
  }
  for (const char* table : {"nodes_local", "pods_local", "containers_local"}) EXPECT_EQ(partitions(table), 2u) << table;

  // A replica with a 2-day retention drops the day of the old report when it starts.
  Server replica = startReplica("two-days", "retention", {"--retention", "2d"});
  if (HasFailure()) return;
  for (const char* table : {"nodes_local", "pods_local", "containers_local"}) EXPECT_EQ(partitions(table), 1u) << table;
  // Over the whole week (one point per bucket of a seventh of a day at most): the new report only.
  auto stored = integration::nodePointTimestamps(client, replica.url, new_report.node, 7 * 86'400);
  ASSERT_TRUE(stored.ok()) << stored.error().toString();
  EXPECT_EQ(stored->size(), 1u);
}

}  // namespace
}  // namespace kubemonitor
