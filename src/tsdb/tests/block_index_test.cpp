// The series index of version-2 block files: round trip, lookups by pod, namespace, deployment and
// node, version-1 blocks and corrupt indexes falling back to the full scan, corrupt chosen entries.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "common/testing/child_process.h"
#include "tsdb/block.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor::tsdb {
namespace {

using testing::generateNodeReport;

constexpr int64_t kStartMs = 1'800'000'000'000;

// 3 nodes × 12 pods × 6 ticks; pod "shared" (namespace ns-0) runs on node-0 and node-1.
std::vector<model::Report> sampleReports() {
  std::vector<model::Report> reports;
  for (uint64_t tick = 0; tick < 6; ++tick) {
    for (size_t node = 0; node < 3; ++node) {
      model::Report r = generateNodeReport(node, 12, tick, kStartMs);
      if (node < 2) {
        model::PodUsage shared = r.pods.front();
        shared.namespace_name = "ns-0";
        shared.name = "shared";
        shared.deployment = "deploy-shared";
        shared.uid = "uid-shared-" + std::to_string(node);
        shared.usage.cpu_millicores = 100.0 * static_cast<double>(node + 1) + static_cast<double>(tick);
        r.pods.push_back(shared);
      }
      sortPods(r);
      reports.push_back(std::move(r));
    }
  }
  return reports;
}

std::vector<uint8_t> sampleBlock(uint8_t version = kBlockFormatVersion) {
  const auto reports = sampleReports();
  auto bytes = encodeBlock(BlockHeader{1, 18, kStartMs, kStartMs + 50'000}, reports, nullptr, version);
  EXPECT_TRUE(bytes.ok()) << bytes.error().toString();
  return bytes ? *bytes : std::vector<uint8_t>{};
}

// The reports `filter` keeps from a full decode: what an indexed read must give (node entries of
// the nodes whose pods it chose; pods filtered).
std::multiset<std::tuple<std::string, int64_t, std::string, std::string, double>> podsOf(const BlockContents& c) {
  std::multiset<std::tuple<std::string, int64_t, std::string, std::string, double>> out;
  for (const auto& r : c.reports) {
    for (const auto& p : r.pods) out.emplace(r.node, r.timestamp_ms, p.namespace_name, p.name, p.usage.cpu_millicores);
  }
  return out;
}

TEST(BlockIndex, RoundTripsEveryEntry) {
  const auto bytes = sampleBlock();
  auto index = BlockIndex::parse(bytes);
  ASSERT_TRUE(index.ok()) << index.error().toString();
  EXPECT_EQ(index->nodeCount(), 3U);
  EXPECT_EQ(index->podCount(), 3U * 12 + 2);
  // Every listed pod entry decodes on its own to exactly that pod.
  const auto all = index->pods(BlockFilter{});
  ASSERT_EQ(all.size(), index->podCount());
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const auto& a, const auto& b) { return a.entry.offset < b.entry.offset; }));
  for (const IndexedPod& pod : all) {
    BlockFilter filter;
    filter.node = std::string(pod.node);
    filter.namespace_name = std::string(pod.namespace_name);
    filter.pod_name = std::string(pod.name);
    auto contents = decodeBlockEntries(bytes, &*index, filter);
    ASSERT_TRUE(contents.ok());
    EXPECT_TRUE(contents->index_used);
    EXPECT_EQ(contents->corrupt_entries, 0U);
    ASSERT_EQ(contents->reports.size(), 6U) << pod.name;
    for (const auto& r : contents->reports) {
      EXPECT_EQ(r.node, pod.node);
      ASSERT_EQ(r.pods.size(), 1U);
      EXPECT_EQ(r.pods[0].uid, pod.uid);
      EXPECT_EQ(r.pods[0].deployment, pod.deployment);
    }
  }
  // The full scan of a v2 block stops at the index and sees the same reports.
  auto full = decodeBlock(bytes);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->header.version, 2);
  EXPECT_EQ(full->corrupt_entries, 0U);
  EXPECT_EQ(full->reports.size(), 18U);
}

TEST(BlockIndex, FindsAPodOnTwoNodesANamespaceADeploymentAndANode) {
  const auto bytes = sampleBlock();
  auto index = BlockIndex::parse(bytes);
  ASSERT_TRUE(index.ok());
  auto full = decodeBlock(bytes);
  ASSERT_TRUE(full.ok());
  struct Case {
    BlockFilter filter;
    size_t pods;  // pod entries expected
  };
  BlockFilter pod;
  pod.namespace_name = "ns-0";
  pod.pod_name = "shared";
  BlockFilter ns;
  ns.namespace_name = "ns-1";
  BlockFilter deployment;
  deployment.namespace_name = "ns-0";
  deployment.deployment = "deploy-shared";
  BlockFilter missing;
  missing.namespace_name = "ns-0";
  missing.pod_name = "no-such-pod";
  for (const BlockFilter& filter : {pod, ns, deployment, missing}) {
    const auto chosen = index->pods(filter);
    std::set<std::string_view> nodes;
    size_t expected = 0;
    for (const IndexedPod& p : index->pods(BlockFilter{})) {
      const bool match = p.namespace_name == filter.namespace_name &&
                         (filter.pod_name.empty() || p.name == filter.pod_name) &&
                         (filter.deployment.empty() || p.deployment == filter.deployment);
      expected += match ? 1 : 0;
    }
    EXPECT_EQ(chosen.size(), expected) << filter.namespace_name << "/" << filter.pod_name << filter.deployment;
    for (const IndexedPod& p : chosen) {
      EXPECT_EQ(p.namespace_name, filter.namespace_name);
      nodes.insert(p.node);
    }
    auto contents = decodeBlockEntries(bytes, &*index, filter);
    ASSERT_TRUE(contents.ok());
    EXPECT_EQ(contents->reports.size(), 6 * nodes.size());  // node entries of the chosen pods' nodes only
    // The same pods, values and nodes as the filtered full scan.
    auto scanned = decodeBlock(bytes, &filter);
    ASSERT_TRUE(scanned.ok());
    EXPECT_EQ(podsOf(*contents), podsOf(*scanned));
  }
  EXPECT_EQ(index->pods(pod).size(), 2U);  // the pod on node-0 and node-1
  EXPECT_GT(index->pods(ns).size(), 2U);
  EXPECT_EQ(index->pods(deployment).size(), 2U);
  EXPECT_TRUE(index->pods(missing).empty());

  // A node: its entry and its pods' identities (the pod count).
  BlockFilter node;
  node.node = "node-1";
  node.identity_only = true;
  EXPECT_EQ(index->pods(node).size(), 13U);
  ASSERT_TRUE(index->node("node-1").has_value());
  EXPECT_FALSE(index->node("node-9").has_value());
  auto contents = decodeBlockEntries(bytes, &*index, node);
  ASSERT_TRUE(contents.ok());
  ASSERT_EQ(contents->reports.size(), 6U);
  for (const auto& r : contents->reports) {
    EXPECT_EQ(r.node, "node-1");
    EXPECT_EQ(r.pods.size(), 13U);
  }
  // The node entry's values are those of the full decode.
  EXPECT_EQ(contents->reports[2].node_usage.cpu_millicores, full->reports[6 + 2].node_usage.cpu_millicores);
}

TEST(BlockIndex, VersionOneBlockHasNoIndexAndIsReadByTheFullScan) {
  const auto v1 = sampleBlock(1);
  const auto v2 = sampleBlock();
  EXPECT_LT(v1.size(), v2.size());
  auto index = BlockIndex::parse(v1);
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.error().code, ErrorCode::kNotFound);
  BlockFilter filter;
  filter.namespace_name = "ns-0";
  filter.pod_name = "shared";
  auto contents = decodeBlockEntries(v1, nullptr, filter);
  ASSERT_TRUE(contents.ok());
  EXPECT_FALSE(contents->index_used);
  EXPECT_EQ(contents->header.version, 1);
  auto index2 = BlockIndex::parse(v2);
  ASSERT_TRUE(index2.ok());
  auto indexed = decodeBlockEntries(v2, &*index2, filter);
  ASSERT_TRUE(indexed.ok());
  EXPECT_EQ(podsOf(*contents), podsOf(*indexed));
  EXPECT_EQ(podsOf(*contents).size(), 12U);  // 2 nodes × 6 ticks
  auto full = decodeBlock(v1);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->reports.size(), 18U);
  EXPECT_EQ(full->corrupt_entries, 0U);
}

TEST(BlockIndex, CorruptIndexOrTrailerFallsBackToTheFullScan) {
  const auto bytes = sampleBlock();
  auto good = decodeBlock(bytes);
  ASSERT_TRUE(good.ok());
  auto index = BlockIndex::parse(bytes);
  ASSERT_TRUE(index.ok());
  // A byte inside the index (just before the 24-byte trailer): the index checksum fails, the
  // entries are all intact, the full scan still stops at the index.
  auto damaged = bytes;
  damaged[damaged.size() - 30] ^= 0x40;
  auto bad_index = BlockIndex::parse(damaged);
  ASSERT_FALSE(bad_index.ok());
  EXPECT_NE(bad_index.error().message.find("index checksum"), std::string::npos);
  auto scanned = decodeBlock(damaged);
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->corrupt_entries, 0U);
  EXPECT_EQ(podsOf(*scanned), podsOf(*good));
  // A damaged trailer: no index, and the scan stops at the end-of-entries mark before the index.
  auto bad_trailer = bytes;
  bad_trailer[bad_trailer.size() - 22] ^= 0x01;
  EXPECT_FALSE(BlockIndex::parse(bad_trailer).ok());
  auto scanned_too = decodeBlock(bad_trailer);
  ASSERT_TRUE(scanned_too.ok());
  EXPECT_EQ(scanned_too->corrupt_entries, 0U);
  EXPECT_EQ(podsOf(*scanned_too), podsOf(*good));
  // Every truncation and every single-byte flip of the footer: an error or a value, never a crash.
  for (size_t n = 0; n < bytes.size(); n += 5) (void)BlockIndex::parse(std::span(bytes).first(n));
  const size_t footer = bytes.size() - 600;
  for (size_t at = footer; at < bytes.size(); ++at) {
    auto flipped = bytes;
    flipped[at] ^= 0xA5;
    if (auto parsed = BlockIndex::parse(flipped); parsed.ok()) {
      BlockFilter filter;
      filter.namespace_name = "ns-0";
      (void)decodeBlockEntries(flipped, &*parsed, filter);
    }
  }
}

TEST(BlockIndex, CorruptChosenEntryIsSkippedAndCounted) {
  auto bytes = sampleBlock();
  auto index = BlockIndex::parse(bytes);
  ASSERT_TRUE(index.ok());
  BlockFilter filter;
  filter.namespace_name = "ns-0";
  filter.pod_name = "shared";
  const auto chosen = index->pods(filter);
  ASSERT_EQ(chosen.size(), 2U);
  const BlockEntryRef victim = chosen[1].entry;
  const std::string victim_node(chosen[1].node);
  bytes[victim.offset + victim.length / 2] ^= 0x11;  // entries are outside the index: its CRC holds
  auto again = BlockIndex::parse(bytes);
  ASSERT_TRUE(again.ok());
  auto contents = decodeBlockEntries(bytes, &*again, filter);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->corrupt_entries, 1U);
  EXPECT_NE(contents->first_error.find("checksum"), std::string::npos);
  size_t pods = 0;
  for (const auto& r : contents->reports) {
    pods += r.pods.size();
    if (r.node == victim_node) {
      EXPECT_TRUE(r.pods.empty());
    }
  }
  EXPECT_EQ(pods, 6U);  // the other node's copy of the pod is served
}

TEST(MappedFile, MapsABlockFileReadOnlyAndReportsMissingFiles) {
  kubemonitor::testing::TempDir dir;
  const auto bytes = sampleBlock();
  const std::filesystem::path path = dir.path() + "/b.kmb";
  ASSERT_TRUE(writeFileDurably(path, bytes).ok());
  auto mapped = MappedFile::open(path);
  ASSERT_TRUE(mapped.ok()) << mapped.error().toString();
  ASSERT_EQ(mapped->bytes().size(), bytes.size());
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), mapped->bytes().begin()));
  MappedFile moved = std::move(*mapped);
  EXPECT_EQ(moved.bytes().size(), bytes.size());
  EXPECT_TRUE(BlockIndex::parse(moved.bytes()).ok());
  auto missing = MappedFile::open(dir.path() + "/none.kmb");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  const std::filesystem::path empty = dir.path() + "/empty.kmb";
  std::ofstream(empty).close();
  auto empty_map = MappedFile::open(empty);
  ASSERT_TRUE(empty_map.ok());
  EXPECT_TRUE(empty_map->bytes().empty());
}

}  // namespace
}  // namespace kubemonitor::tsdb
