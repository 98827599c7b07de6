// The ClickHouse fixture (common/testing/clickhouse_cluster.h) against the real clickhouse-server
// (Debian 12's 18.16): two shards on loopback, a Distributed table over both, a synchronous insert
// through shard 0, and shard 1 going away and coming back. Without clickhouse-server installed
// this fails (make deps installs it); it never skips.

#include "common/testing/clickhouse_cluster.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace kubemonitor {
namespace {

using testing::ClickHouseCluster;

// Every statement of the test must succeed; the message names the shard's answer.
std::string mustQuery(ClickHouseCluster& cluster, int shard, const std::string& sql, const std::string& params = {}) {
  auto answer = cluster.query(shard, sql, params);
  EXPECT_TRUE(answer.ok()) << sql << "\n" << (answer.ok() ? "" : answer.error().toString());
  return answer.ok() ? *answer : std::string();
}

TEST(ClickHouseClusterTest, DistributedTableOverTwoShardsSurvivesAShardRestart) {
  const auto started_at = std::chrono::steady_clock::now();
  auto started = ClickHouseCluster::start(2);
  ASSERT_TRUE(started.ok()) << started.error().toString();
  const auto startup_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at).count();
  std::printf("two shards answered SELECT 1 after %lld ms\n", static_cast<long long>(startup_ms));
  ClickHouseCluster& cluster = **started;

  ASSERT_EQ(cluster.httpEndpoints().size(), 2u);
  EXPECT_EQ(cluster.clusterName(), "kubemonitor");
  for (int shard = 0; shard < 2; ++shard) {
    // Never the default ports of a system clickhouse-server.
    EXPECT_NE(cluster.httpPort(shard), 8123);
    EXPECT_NE(cluster.tcpPort(shard), 9000);
    // The server runs in UTC ('Etc/UTC' is what 18.16 names it): 86400 s after the epoch prints as midnight
    // (0 is the zero date, 0000-00-00 00:00:00, in 18.16).
    EXPECT_EQ(mustQuery(cluster, shard, "SELECT toString(toDateTime(86400))"), "1970-01-02 00:00:00\n");
    EXPECT_EQ(mustQuery(cluster, shard, "SELECT count() FROM system.clusters WHERE cluster = 'kubemonitor'"), "2\n");
  }

  // No ZooKeeper, so no ON CLUSTER: the same DDL goes to each shard.
  for (int shard = 0; shard < 2; ++shard) {
    mustQuery(cluster, shard,
              "CREATE TABLE samples_local (ts DateTime, id UInt64, node String) "
              "ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (node, ts)");
    // Sharding key id: with weights 1 and 1, even ids go to shard 0 and odd ids to shard 1.
    mustQuery(cluster, shard,
              "CREATE TABLE samples AS samples_local "
              "ENGINE = Distributed(kubemonitor, default, samples_local, id)");
  }

  // insert_distributed_sync=1: the INSERT returns only once every row is in its shard's table
  // (without it, rows for shard 1 wait in shard 0's queue directory and are sent later).
  std::string rows = "INSERT INTO samples VALUES ";
  for (int id = 0; id < 10; ++id) {
    rows += (id == 0 ? "" : ",") + std::string("('2024-01-01 00:00:0") + std::to_string(id) + "'," +
            std::to_string(id) + ",'node-" + std::to_string(id % 3) + "')";
  }
  mustQuery(cluster, 0, rows, "insert_distributed_sync=1");

  EXPECT_EQ(mustQuery(cluster, 1, "SELECT count(), min(id % 2) FROM samples_local FORMAT TSV"), "5\t1\n");
  EXPECT_EQ(mustQuery(cluster, 0, "SELECT count(), max(id % 2) FROM samples_local FORMAT TSV"), "5\t0\n");
  EXPECT_EQ(mustQuery(cluster, 1, "SELECT count(), sum(id) FROM samples FORMAT TSV"), "10\t45\n");

  // Shard 1 down: a query over the Distributed table on shard 0 is an error, not a partial answer.
  const auto stop_at = std::chrono::steady_clock::now();
  cluster.stopShard(1);
  std::printf(
      "shard 1 stopped after %lld ms\n",
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stop_at).count()));
  EXPECT_FALSE(cluster.running(1));
  auto partial = cluster.query(0, "SELECT count() FROM samples");
  ASSERT_FALSE(partial.ok()) << "answered " << *partial;
  EXPECT_NE(partial.error().message.find("Code:"), std::string::npos) << partial.error().toString();
  // Its own table still answers.
  EXPECT_EQ(mustQuery(cluster, 0, "SELECT count() FROM samples_local"), "5\n");

  // Back on the same ports and data dir: its rows are still there and the cluster is whole again.
  const auto restart_at = std::chrono::steady_clock::now();
  auto restarted = cluster.startShard(1);
  ASSERT_TRUE(restarted.ok()) << restarted.error().toString();
  std::printf("shard 1 answered again after %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - restart_at)
                      .count()));
  EXPECT_EQ(mustQuery(cluster, 1, "SELECT count() FROM samples_local"), "5\n");
  EXPECT_EQ(mustQuery(cluster, 0, "SELECT count(), sum(id) FROM samples FORMAT TSV"), "10\t45\n");
}

TEST(ClickHouseClusterTest, RejectsABadClusterName) {
  auto started = ClickHouseCluster::start(1, "no-dashes");
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kubemonitor
