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
    std::vector<std::string> argv{binDir() + "/kubemonitor-server", "--listen", "127.0.0.1:0", "--port-file", port_file};
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
  static void ingestOrFail(HttpClient& client, const Server& server, const model::Report& report) {
    auto response = post(client, server, report);
    ASSERT_TRUE(response.ok()) << response.error().toString();
    ASSERT_EQ(response->status, 202) << server.url << ": " << response->body;
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
  HttpClient client;

  // 3 nodes × 8 pods, 10 min of reports ending now; sent out of order.
  SystemClock clock;
  const int64_t end_ms = toUnixMs(clock.wallNow()) / kIntervalMs * kIntervalMs;
  const int ticks = 120;
  const int64_t start_ms = end_ms - (ticks - 1) * kIntervalMs;
  std::vector<model::Report> reports;
  for (size_t node = 0; node < 3; ++node) {
    for (int tick = 0; tick < ticks; ++tick) {
      reports.push_back(tsdb::testing::generateNodeReport(node, 8, tick, start_ms, kIntervalMs));
    }
  }
  std::mt19937 random(17);
  std::shuffle(reports.begin(), reports.end(), random);
  for (size_t i = 0; i < reports.size(); ++i) {
    ingestOrFail(client, embedded, reports[i]);
    ingestOrFail(client, replicas[i % 2], reports[i]);
    // Every 7th report is replayed (as an agent whose answer was lost does), through the other replica.
    if (i % 7 == 0) {
      ingestOrFail(client, embedded, reports[i]);
      ingestOrFail(client, replicas[(i + 1) % 2], reports[i]);
    }
  }

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
}

}  // namespace
}  // namespace kubemonitor
