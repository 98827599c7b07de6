// The embedded engine: report records, block files, restart from blocks + WAL tail, torn WAL
// tails, corrupt blocks, retention, compaction, exact aggregates after replays and restarts.

#include "tsdb/embedded_storage.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <thread>

#include "common/testing/child_process.h"
#include "common/testing/fake_clock.h"
#include "tsdb/block.h"
#include "tsdb/head_snapshot.h"
#include "tsdb/report_record.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor::tsdb {
namespace {

using testing::generateNodeReport;

constexpr int64_t kIntervalMs = 10'000;

bool sameStoredFields(const model::Report& a, const model::Report& b) {
  if (a.node != b.node || a.timestamp_ms != b.timestamp_ms || a.interval_ms != b.interval_ms) return false;
  if (a.node_usage.cpu_millicores != b.node_usage.cpu_millicores ||
      a.node_usage.uptime_seconds != b.node_usage.uptime_seconds || a.node_usage.cpu_count != b.node_usage.cpu_count ||
      a.node_usage.filesystem_used_bytes != b.node_usage.filesystem_used_bytes || a.pods.size() != b.pods.size()) {
    return false;
  }
  for (size_t i = 0; i < a.pods.size(); ++i) {
    const auto& p = a.pods[i];
    const auto& q = b.pods[i];
    if (p.uid != q.uid || p.name != q.name || p.namespace_name != q.namespace_name || p.deployment != q.deployment ||
        p.usage.cpu_millicores != q.usage.cpu_millicores ||
        p.usage.memory_working_set_bytes != q.usage.memory_working_set_bytes ||
        p.network.rx_bytes != q.network.rx_bytes || p.spec.memory_limit_bytes != q.spec.memory_limit_bytes ||
        p.containers.size() != q.containers.size() ||
        (!p.containers.empty() && p.containers[0].usage.cpu_millicores != q.containers[0].usage.cpu_millicores)) {
      return false;
    }
  }
  return true;
}

TEST(ReportRecord, RoundTripsWhatStorageServes) {
  const model::Report report = generateNodeReport(3, 20, 7, 1'800'000'000'000);
  auto decoded = decodeReportRecord(encodeReportRecord(report));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_TRUE(sameStoredFields(report, *decoded));
  EXPECT_EQ(decoded->node_usage.network_rx_bytes, report.node_usage.network_rx_bytes);
}

TEST(ReportRecord, EveryTruncationAndBadVersionIsAnError) {
  const auto bytes = encodeReportRecord(generateNodeReport(0, 3, 1, 0));
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decodeReportRecord(std::span(bytes).first(n)).ok()) << n;
  }
  auto bad = bytes;
  bad[0] = 99;
  auto decoded = decodeReportRecord(bad);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("unknown version"), std::string::npos);
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(decodeReportRecord(longer).ok());
}

TEST(Block, RoundTripsReportsAndCountsSamples) {
  std::vector<model::Report> reports;
  for (uint64_t tick = 0; tick < 30; ++tick) {
    for (size_t node = 0; node < 2; ++node) {
      reports.push_back(generateNodeReport(node, 10, tick, 1'800'000'000'000));
      sortPods(reports.back());
    }
  }
  size_t samples = 0;
  auto bytes = encodeBlock(BlockHeader{5, 64, 1, 2}, reports, &samples);
  ASSERT_TRUE(bytes.ok()) << bytes.error().toString();
  EXPECT_EQ(samples, 60 * (20 + 10 * (27 + 23)));  // node fields; per pod 27 fields, 23 per container
  auto contents = decodeBlock(*bytes);
  ASSERT_TRUE(contents.ok()) << contents.error().toString();
  EXPECT_EQ(contents->header.first_lsn, 5U);
  EXPECT_EQ(contents->header.last_lsn, 64U);
  EXPECT_EQ(contents->samples, samples);
  EXPECT_EQ(contents->corrupt_entries, 0U);
  ASSERT_EQ(contents->reports.size(), reports.size());
  std::sort(reports.begin(), reports.end(), [](const auto& a, const auto& b) {
    return std::tie(a.node, a.timestamp_ms) < std::tie(b.node, b.timestamp_ms);
  });
  for (size_t i = 0; i < reports.size(); ++i) EXPECT_TRUE(sameStoredFields(reports[i], contents->reports[i])) << i;
  // Far below the ~4 bytes/sample of the WAL record: columns compress (random full-precision CPU
  // doubles in the generator cost most of what is left).
  EXPECT_LT(static_cast<double>(bytes->size()) / static_cast<double>(samples), 2.5);
  EXPECT_LT(bytes->size() * 2, encodeReportRecord(reports[0]).size() * reports.size());
}

// Where a version-2 block's entries end: the index offset in its trailer, less the end mark.
// Where the last pod entry of a block file ends (the last node's last pod series): the index
// says, since the aggregate entries written after the nodes follow it.
size_t lastPodEntryEnd(std::span<const uint8_t> block) {
  auto index = BlockIndex::parse(block);
  EXPECT_TRUE(index.ok());
  size_t end = 0;
  if (index.ok()) {
    for (const IndexedPod& pod : index->pods(BlockFilter{})) end = std::max<size_t>(end, pod.entry.offset + pod.entry.length);
  }
  return end;
}

TEST(Block, CorruptEntryIsSkippedAndTheRestServed) {
  std::vector<model::Report> reports;
  for (uint64_t tick = 0; tick < 5; ++tick) {
    for (size_t node = 0; node < 3; ++node) reports.push_back(generateNodeReport(node, 4, tick, 0));
  }
  for (auto& r : reports) sortPods(r);
  auto bytes = encodeBlock(BlockHeader{0, 14, 0, 40'000}, reports);
  ASSERT_TRUE(bytes.ok());
  auto damaged = *bytes;
  damaged[lastPodEntryEnd(damaged) - 10] ^= 0x55;  // inside the last pod entry of the last node
  auto contents = decodeBlock(damaged);
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->corrupt_entries, 1U);
  EXPECT_NE(contents->first_error.find("checksum"), std::string::npos);
  ASSERT_EQ(contents->reports.size(), 15U);
  EXPECT_EQ(contents->reports.front().pods.size(), 4U);
  EXPECT_EQ(contents->reports.back().pods.size(), 3U);  // one pod series of node-2 lost, the rest kept
  // A bad header is an error for the whole block; every truncation is handled without a crash.
  auto bad_header = *bytes;
  bad_header[5] ^= 1;
  EXPECT_FALSE(decodeBlock(bad_header).ok());
  for (size_t n = 0; n < bytes->size(); n += 7) (void)decodeBlock(std::span(*bytes).first(n));
}

class EmbeddedStorageTest : public ::testing::Test {
 protected:
  EmbeddedOptions options(uint64_t checkpoint_records = 1'000'000) const {
    EmbeddedOptions o;
    o.data_dir = dir_.path();
    o.retention = std::chrono::hours(24);
    o.wal.sync_mode = WalSyncMode::kNever;
    o.checkpoint_records = checkpoint_records;
    o.checkpoint_interval = std::chrono::seconds(0);  // these tests count checkpoints by records
    return o;
  }
  std::unique_ptr<EmbeddedStorage> open(uint64_t checkpoint_records = 1'000'000) {
    auto storage = EmbeddedStorage::open(clock_, options(checkpoint_records));
    EXPECT_TRUE(storage.ok()) << storage.error().toString();
    return storage ? std::move(*storage) : nullptr;
  }
  int64_t startMs() const { return toUnixMs(clock_.wallNow()) - 3'600'000; }
  void ingestTicks(EmbeddedStorage& storage, uint64_t from, uint64_t to, size_t nodes = 3, size_t pods = 12) {
    for (uint64_t tick = from; tick < to; ++tick) {
      for (size_t n = 0; n < nodes; ++n) {
        auto outcome = storage.ingest(generateNodeReport(n, pods, tick, startMs(), kIntervalMs));
        ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
        ASSERT_EQ(outcome->accepted, 1U);
      }
    }
  }
  // The newest-named file in a subdirectory of the data dir (one block, one WAL segment).
  std::filesystem::path lastFileIn(const std::string& subdir) const {
    std::filesystem::path last;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/" + subdir))
      last = std::max(last, e.path());
    return last;
  }
  static void overwriteByte(const std::filesystem::path& path, int64_t offset_from_start, char byte) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset_from_start));
    f.put(byte);
  }
  // After a recovery: `samples` node samples are served and the next tick (3 nodes) goes in.
  void expectServesAndIngests(EmbeddedStorage& storage, size_t samples, uint64_t next_tick) {
    EXPECT_EQ(storage.stats().samples, samples);
    ingestTicks(storage, next_tick, next_tick + 1);
    EXPECT_EQ(storage.stats().samples, samples + 3);
  }
  // Everything a query can see of the data, for before/after comparisons.
  static std::string fingerprint(const Storage& storage, int64_t start_ms) {
    std::string out;
    const SeriesQuery raw{start_ms, start_ms + 10'000'000, kIntervalMs};
    for (const auto& n : storage.latestNodes()) {
      out += n.node + ":" + std::to_string(n.timestamp_ms) + ":" + std::to_string(n.usage.cpu_millicores) + ";";
      for (const auto& p : storage.nodeSeries(n.node, raw)) out += std::to_string(p.usage.network_rx_bytes) + ",";
    }
    for (ObjectKind kind : {ObjectKind::kPod, ObjectKind::kNamespace, ObjectKind::kDeployment}) {
      for (const auto& o : storage.latest(kind, LatestFilter{"", "", "", 1LL << 40})) {
        char buffer[128];
        std::snprintf(buffer, sizeof buffer, "|%a/%llu/%llu", o.values.cpu_millicores,
                      static_cast<unsigned long long>(o.values.memory_working_set_bytes),
                      static_cast<unsigned long long>(o.values.network_rx_bytes));
        out += o.key.namespace_name + "/" + o.key.name + buffer;
        for (const auto& p : storage.series(o.key, raw)) {
          std::snprintf(buffer, sizeof buffer, "(%a)", p.values.cpu_millicores);
          out += buffer;
        }
      }
    }
    return out;
  }

  FakeClock clock_;
  kubemonitor::testing::TempDir dir_;
};

TEST_F(EmbeddedStorageTest, RestartReplaysTheWalAndAnswersTheSame) {
  std::string before;
  {
    auto storage = open();
    ingestTicks(*storage, 0, 20);
    before = fingerprint(*storage, startMs());
    EXPECT_EQ(storage->stats().engine, "embedded");
    EXPECT_EQ(storage->stats().samples, 60U);
  }
  auto reopened = open();
  EXPECT_EQ(reopened->engineStats().replayed_records, 60U);
  EXPECT_EQ(fingerprint(*reopened, startMs()), before);
  EXPECT_FALSE(before.empty());
}

TEST_F(EmbeddedStorageTest, CheckpointWritesABlockTruncatesTheWalAndRestartReplaysOnlyTheTail) {
  std::string before;
  {
    auto storage = open(30);       // a checkpoint every 30 reports
    ingestTicks(*storage, 0, 25);  // 75 reports: two checkpoints, 15 in the WAL
    const EngineStats stats = storage->engineStats();
    EXPECT_GE(stats.blocks, 1U);
    EXPECT_EQ(stats.checkpoint_lsn, stats.wal.next_lsn - 15);
    EXPECT_GT(stats.block_samples, 0U);
    before = fingerprint(*storage, startMs());
  }
  auto reopened = open(30);
  EXPECT_EQ(reopened->engineStats().replayed_records, 15U);
  EXPECT_EQ(fingerprint(*reopened, startMs()), before);
  // A further checkpoint of the tail, then a restart from blocks alone.
  ASSERT_TRUE(reopened->checkpoint().ok());
  reopened.reset();
  auto again = open(30);
  EXPECT_EQ(again->engineStats().replayed_records, 0U);
  EXPECT_EQ(fingerprint(*again, startMs()), before);
}

TEST_F(EmbeddedStorageTest, ReplayedReportsReplaceAndAggregatesStayExactSumsAcrossRestarts) {
  std::string before;
  {
    auto storage = open(7);
    ingestTicks(*storage, 0, 6);
    // Agents replay their outage buffers: the same reports again, some after a checkpoint.
    ingestTicks(*storage, 2, 6);
    const auto ns = storage->latestObject(ObjectKey{ObjectKind::kNamespace, "", "ns-1"}, 1LL << 40);
    ASSERT_TRUE(ns.has_value());
    double cpu = 0;
    uint64_t memory = 0;
    for (const auto& pod : storage->latest(ObjectKind::kPod, LatestFilter{"ns-1", "", "", 1LL << 40})) {
      cpu += pod.values.cpu_millicores;
      memory += pod.values.memory_working_set_bytes;
    }
    EXPECT_NEAR(ns->values.cpu_millicores, cpu, 1e-9);
    EXPECT_EQ(ns->values.memory_working_set_bytes, memory);
    EXPECT_EQ(storage->stats().samples, 18U);  // 3 nodes × 6 ticks, replays not counted twice
    before = fingerprint(*storage, startMs());
  }
  auto reopened = open(7);
  EXPECT_EQ(reopened->stats().samples, 18U);
  EXPECT_EQ(fingerprint(*reopened, startMs()), before);
}

TEST_F(EmbeddedStorageTest, TornWalTailIsCutAndTheValidPrefixKept) {
  {
    auto storage = open();
    ingestTicks(*storage, 0, 4);
  }
  // A crash in the middle of a write: garbage after the last record.
  const std::filesystem::path segment = lastFileIn("wal");
  ASSERT_FALSE(segment.empty());
  {
    std::ofstream out(segment, std::ios::app | std::ios::binary);
    out << "\x17\x00\x00\x00torn-record";
  }
  auto reopened = open();
  EXPECT_EQ(reopened->engineStats().replayed_records, 12U);
  EXPECT_GT(reopened->engineStats().wal.truncated_bytes, 0U);
  expectServesAndIngests(*reopened, 12, 4);
}

TEST_F(EmbeddedStorageTest, CorruptBlockEntryIsDetectedAndTheRestServed) {
  {
    auto storage = open();
    ingestTicks(*storage, 0, 10);
    ASSERT_TRUE(storage->checkpoint().ok());
  }
  const std::filesystem::path block = lastFileIn("blocks");
  ASSERT_EQ(block.extension(), ".kmb");
  {
    std::ifstream in(block, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    overwriteByte(block, static_cast<int64_t>(lastPodEntryEnd(bytes)) - 20, '\x7f');  // inside the last pod entry
  }
  {
    // With the head snapshot, open() does not decode blocks: the latest views are whole, and the
    // damaged entry shows when an old range is read.
    auto reopened = open();
    EXPECT_TRUE(reopened->engineStats().restored_from_snapshot);
    EXPECT_EQ(reopened->latest(ObjectKind::kPod, LatestFilter{"", "", "", 1LL << 40}).size(), 3U * 12);
    ASSERT_GT(reopened->headFloorMs(), startMs());
    for (const auto& pod : reopened->latest(ObjectKind::kPod, LatestFilter{"", "", "", 1LL << 40}))
      (void)reopened->series(pod.key, SeriesQuery{startMs(), startMs() + 100 * kIntervalMs, kIntervalMs});
    EXPECT_GE(reopened->engineStats().old_range_read_errors, 1U);
  }
  // Without it (the fallback restore) the blocks are decoded and the entry is caught at open.
  std::filesystem::remove(dir_.path() + "/head.snapshot");
  auto reopened = open();
  EXPECT_EQ(reopened->engineStats().corrupt_entries, 1U);
  EXPECT_NE(reopened->engineStats().last_error.find("checksum"), std::string::npos);
  EXPECT_EQ(reopened->latestNodes().size(), 3U);
  EXPECT_EQ(reopened->latest(ObjectKind::kPod, LatestFilter{"", "", "", 1LL << 40}).size(), 3U * 12 - 1);
}

TEST_F(EmbeddedStorageTest, UnusableWalRecordIsSkippedAndCountedNotFatal) {
  {
    auto storage = open();
    ingestTicks(*storage, 0, 2);
  }
  {
    // A record whose checksum is right but whose payload is no report (a future version, say).
    WalOptions unsynced;
    unsynced.sync_mode = WalSyncMode::kNever;
    auto wal = Wal::open(dir_.path() + "/wal", unsynced);
    ASSERT_TRUE(wal.ok());
    const uint8_t payload[] = {99, 1, 2, 3};
    ASSERT_TRUE((*wal)->append(payload).ok());
  }
  auto reopened = open();
  EXPECT_EQ(reopened->engineStats().corrupt_entries, 1U);
  EXPECT_NE(reopened->engineStats().last_error.find("unknown version 99"), std::string::npos);
  expectServesAndIngests(*reopened, 6, 2);
}

TEST_F(EmbeddedStorageTest, UnreadableBlockHeaderSetsTheBlockAsideAndServesTheRest) {
  {
    auto storage = open();
    ingestTicks(*storage, 0, 3);
    ASSERT_TRUE(storage->checkpoint().ok());
    ingestTicks(*storage, 3, 6);
  }
  const std::filesystem::path block = lastFileIn("blocks");
  overwriteByte(block, 0, 'X');
  auto reopened = open();
  EXPECT_EQ(reopened->engineStats().corrupt_blocks, 1U);
  EXPECT_TRUE(std::filesystem::exists(block.string() + ".corrupt"));
  // The WAL's only segment still holds the checkpointed records too (segments go whole), so all is back.
  EXPECT_EQ(reopened->stats().samples, 18U);
}

TEST_F(EmbeddedStorageTest, CompactionMergesBlocksShrinksThemAndKeepsTheData) {
  auto storage = open();
  for (uint64_t tick = 0; tick < 40; ++tick) {  // a checkpoint per tick: 40 small blocks
    ingestTicks(*storage, tick, tick + 1);
    ASSERT_TRUE(storage->checkpoint().ok());
  }
  const EngineStats small = storage->engineStats();
  EXPECT_EQ(small.blocks, 40U);
  ASSERT_TRUE(storage->compact().ok());
  const std::string before = fingerprint(*storage, startMs());
  const EngineStats stats = storage->engineStats();
  EXPECT_EQ(stats.blocks, 1U);
  EXPECT_EQ(stats.block_samples, 120U * (20 + 12 * (27 + 23)));  // node; per pod 27 fields + its container's 23
  EXPECT_EQ(stats.block_samples, small.block_samples);
  // Longer chunks: headers and first values amortised over 40 samples instead of one.
  EXPECT_LT(stats.block_bytes * 3, small.block_bytes);
  storage.reset();
  auto reopened = open();
  EXPECT_EQ(fingerprint(*reopened, startMs()), before);
}

TEST_F(EmbeddedStorageTest, RetentionDeletesExpiredBlocksAndFreesDeadSeries) {
  auto storage = open();
  ingestTicks(*storage, 0, 5, 2, 6);
  ASSERT_TRUE(storage->checkpoint().ok());
  EXPECT_EQ(storage->engineStats().blocks, 1U);
  EXPECT_GT(storage->stats().objects, 12U);
  // Two days later those pods are gone; a new pod set reports.
  clock_.advance(std::chrono::hours(48));
  ingestTicks(*storage, 0, 1, 1, 2);
  ASSERT_TRUE(storage->checkpoint().ok());
  ASSERT_TRUE(storage->compact().ok());
  const EngineStats stats = storage->engineStats();
  EXPECT_EQ(stats.blocks, 1U);
  // Only node-0's two new pods, their containers, its namespaces and deployments are left.
  EXPECT_EQ(storage->stats().nodes, 1U);
  EXPECT_EQ(storage->stats().objects, 2U + 2U + 2U + 2U);
  storage.reset();
  auto reopened = open();
  EXPECT_EQ(reopened->stats().samples, 1U);
}

TEST_F(EmbeddedStorageTest, ConcurrentIngestsShareSyncsAndAllSurvive) {
  EmbeddedOptions o = options(50);
  o.wal.sync_mode = WalSyncMode::kAlways;
  o.wal.sync_interval_ms = 2;
  {
    auto storage = EmbeddedStorage::open(clock_, o);
    ASSERT_TRUE(storage.ok());
    std::vector<std::thread> agents;
    for (size_t n = 0; n < 4; ++n) {
      agents.emplace_back([&, n] {
        for (uint64_t tick = 0; tick < 40; ++tick) {
          EXPECT_TRUE((*storage)->ingest(generateNodeReport(n, 5, tick, startMs())).ok());
        }
      });
    }
    for (auto& t : agents) t.join();
    EXPECT_EQ((*storage)->stats().samples, 160U);
  }
  auto reopened = EmbeddedStorage::open(clock_, o);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->stats().samples, 160U);
}

TEST_F(EmbeddedStorageTest, ReadOnlyDataDirIsAClearError) {
  EmbeddedOptions o = options();
  o.data_dir = "/proc/kubemonitor-cannot-exist";
  auto storage = EmbeddedStorage::open(clock_, o);
  ASSERT_FALSE(storage.ok());
  o.data_dir.clear();
  auto none = EmbeddedStorage::open(clock_, o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
}


}  // namespace
}  // namespace kubemonitor::tsdb

namespace kubemonitor::tsdb {
namespace {

// A small tmpfs as the data dir: root only (skipped otherwise), always unmounted.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& dir, size_t bytes) : dir_(dir) {
    const std::string options = "size=" + std::to_string(bytes);
    mounted_ = ::geteuid() == 0 && ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(EmbeddedStorageDiskFull, FullDiskIsAnErrorNothingAcknowledgedIsLostAndItRecovers) {
  kubemonitor::testing::TempDir dir;
  SmallTmpfs tmpfs(dir.path(), 2 << 20);
  if (!tmpfs.mounted()) GTEST_SKIP() << "needs root to mount a small tmpfs as a full disk (uid " << ::geteuid() << ")";
  FakeClock clock;
  EmbeddedOptions o;
  o.data_dir = dir.path() + "/data";
  o.wal.segment_bytes = 256 << 10;
  o.wal.sync_interval_ms = 0;  // every append durable before it returns
  o.checkpoint_records = 40;
  const int64_t start_ms = toUnixMs(clock.wallNow()) - 3'600'000;
  size_t acknowledged = 0;
  Error failure;
  {
    auto storage = EmbeddedStorage::open(clock, o);
    ASSERT_TRUE(storage.ok()) << storage.error().toString();
    // Eat most of the space, then ingest until the disk is full.
    {
      std::ofstream filler(dir.path() + "/filler", std::ios::binary);
      const std::string block(64 << 10, 'x');
      for (int i = 0; i < 20; ++i) filler << block;
    }
    for (uint64_t tick = 0; tick < 10'000; ++tick) {
      auto outcome = (*storage)->ingest(testing::generateNodeReport(0, 20, tick, start_ms));
      if (!outcome) {
        failure = outcome.error();
        break;
      }
      ++acknowledged;
    }
    ASSERT_GT(acknowledged, 0U);
    EXPECT_EQ(failure.code, ErrorCode::kIo) << failure.toString();
    EXPECT_NE(failure.message.find("no space left on device"), std::string::npos) << failure.toString();
    EXPECT_NE((*storage)->engineStats().last_error.find("no space"), std::string::npos);
    // Still full: still an error, and nothing stored changes.
    EXPECT_FALSE((*storage)->ingest(testing::generateNodeReport(0, 20, 20'000, start_ms)).ok());
    // Refused by the log itself (sync_interval_ms 0: an append returns once durable): never applied.
    EXPECT_EQ((*storage)->stats().samples, acknowledged);
    // Space returns: the engine recovers by itself.
    std::filesystem::remove(dir.path() + "/filler");
    auto again = (*storage)->ingest(testing::generateNodeReport(0, 20, 30'000, start_ms));
    ASSERT_TRUE(again.ok()) << again.error().toString();
    ++acknowledged;
    EXPECT_TRUE((*storage)->engineStats().last_error.empty()) << (*storage)->engineStats().last_error;
  }
  auto reopened = EmbeddedStorage::open(clock, o);
  ASSERT_TRUE(reopened.ok()) << reopened.error().toString();
  // Every acknowledged report is back (the refused ones are not required, and need not be there).
  EXPECT_GE((*reopened)->stats().samples, acknowledged);
  EXPECT_EQ((*reopened)->engineStats().corrupt_entries, 0U);
  for (uint64_t tick = 0; tick < acknowledged - 1; ++tick) {
    auto s = (*reopened)->nodeSeries("node-0", SeriesQuery{start_ms + static_cast<int64_t>(tick) * 10'000,
                                                           start_ms + static_cast<int64_t>(tick) * 10'000, 10'000});
    ASSERT_EQ(s.size(), 1U) << "acknowledged tick " << tick << " missing";
  }
}


}  // namespace
}  // namespace kubemonitor::tsdb

namespace kubemonitor::tsdb {
namespace {

void expectSameValues(const ObjectValues& a, const ObjectValues& b, const std::string& where) {
  EXPECT_NEAR(a.cpu_millicores, b.cpu_millicores, 1e-9 * std::max(1.0, std::abs(b.cpu_millicores))) << where;
  EXPECT_NEAR(a.network_rx_bytes_per_sec, b.network_rx_bytes_per_sec, 1e-9 * std::max(1.0, b.network_rx_bytes_per_sec))
      << where;
  EXPECT_EQ(a.memory_working_set_bytes, b.memory_working_set_bytes) << where;
  EXPECT_EQ(a.network_rx_bytes, b.network_rx_bytes) << where;
  EXPECT_EQ(a.pod_count, b.pod_count) << where;
  EXPECT_EQ(a.memory_limit_bytes, b.memory_limit_bytes) << where;
}

TEST(EmbeddedStorageRollups, PickedFromTheStep) {
  EXPECT_EQ(rollupResolutionFor(10'000), 0);
  EXPECT_EQ(rollupResolutionFor(90'000), 0);
  EXPECT_EQ(rollupResolutionFor(60'000), kRollupMinuteMs);
  EXPECT_EQ(rollupResolutionFor(300'000), kRollupMinuteMs);
  EXPECT_EQ(rollupResolutionFor(3'600'000), kRollupHourMs);
  EXPECT_EQ(rollupResolutionFor(86'400'000), kRollupHourMs);
}

TEST(EmbeddedStorageRollups, EqualRecomputationFromRawSamplesAndFollowReplays) {
  kubemonitor::testing::TempDir dir;
  FakeClock clock;
  EmbeddedOptions o;
  o.data_dir = dir.path();
  o.wal.sync_mode = WalSyncMode::kNever;
  auto storage = EmbeddedStorage::open(clock, o);
  ASSERT_TRUE(storage.ok());
  MemoryStorage raw(clock, o.retention);  // the reference: folds every raw sample per query
  const int64_t start_ms = toUnixMs(clock.wallNow()) / 3'600'000 * 3'600'000 - 3 * 3'600'000 + 7'000;
  for (uint64_t tick = 0; tick < 3 * 360; ++tick) {
    for (size_t n = 0; n < 2; ++n) {
      model::Report r = testing::generateNodeReport(n, 6, tick, start_ms);
      sortPods(r);
      ASSERT_TRUE((*storage)->ingest(r).ok());
      ASSERT_TRUE(raw.ingest(r).ok());
    }
  }
  const int64_t end_ms = start_ms + 3 * 3'600'000;
  const std::vector<ObjectKey> keys{{ObjectKind::kPod, "ns-1", "deploy-1-1-0x1"},
                                    {ObjectKind::kNamespace, "", "ns-2"},
                                    {ObjectKind::kDeployment, "ns-0", "deploy-0-0"}};
  for (const ObjectKey& key : keys) {
    // min, max, last of each 1-min bucket against the raw samples themselves.
    const auto samples = raw.series(key, SeriesQuery{start_ms, end_ms, 1});
    ASSERT_FALSE(samples.empty()) << key.name;
    const auto minutes = (*storage)->rollups(key, kRollupMinuteMs, start_ms, end_ms);
    ASSERT_EQ(minutes.size(), 180U) << key.name;  // 3 h of samples from 7 s past a minute
    size_t i = 0;
    for (const RollupPoint& point : minutes) {
      double lo = 1e300, hi = -1e300;
      ObjectValues last;
      size_t count = 0;
      for (; i < samples.size() && samples[i].timestamp_ms < point.bucket_ms + kRollupMinuteMs; ++i) {
        lo = std::min(lo, samples[i].values.cpu_millicores);
        hi = std::max(hi, samples[i].values.cpu_millicores);
        last = samples[i].values;
        ++count;
      }
      ASSERT_EQ(point.values.count(), count) << key.name << " @" << point.bucket_ms;
      EXPECT_EQ(point.values.min().cpu_millicores, lo);
      EXPECT_EQ(point.values.max().cpu_millicores, hi);
      EXPECT_EQ(point.values.last().network_rx_bytes, last.network_rx_bytes);
    }
    // Whole series at 1-min, 5-min and 1-h steps: the same points as folding raw samples, twice
    // (the second time from the cache).
    for (int pass = 0; pass < 2; ++pass) {
      for (int64_t step : {kRollupMinuteMs, 5 * kRollupMinuteMs, kRollupHourMs}) {
        const auto expected = raw.series(key, SeriesQuery{start_ms, end_ms, step});
        const auto actual = (*storage)->series(key, SeriesQuery{start_ms, end_ms, step});
        ASSERT_EQ(actual.size(), expected.size()) << key.name << " step " << step;
        for (size_t k = 0; k < actual.size(); ++k) {
          EXPECT_EQ(actual[k].timestamp_ms, expected[k].timestamp_ms);
          EXPECT_EQ(actual[k].node, expected[k].node);
          expectSameValues(actual[k].values, expected[k].values, key.name + " step " + std::to_string(step));
        }
      }
    }
  }
  EXPECT_GT((*storage)->cachedRollups(), 0U);
  // A replayed report with other values lands in a sealed bucket: the cache goes, the points follow.
  model::Report replay = testing::generateNodeReport(0, 6, 30, start_ms);
  for (auto& pod : replay.pods) pod.usage.cpu_millicores = 100'000;
  sortPods(replay);
  ASSERT_TRUE((*storage)->ingest(replay).ok());
  ASSERT_TRUE(raw.ingest(replay).ok());
  EXPECT_EQ((*storage)->cachedRollups(), 0U);
  const ObjectKey ns{ObjectKind::kNamespace, "", "ns-1"};
  const auto expected = raw.series(ns, SeriesQuery{start_ms, end_ms, kRollupHourMs});
  const auto actual = (*storage)->series(ns, SeriesQuery{start_ms, end_ms, kRollupHourMs});
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t k = 0; k < actual.size(); ++k) expectSameValues(actual[k].values, expected[k].values, "after replay");
  const auto hours = (*storage)->rollups(ns, kRollupHourMs, start_ms, end_ms);
  ASSERT_FALSE(hours.empty());
  // ns-1 has one pod on node-0 (now 100000 m) plus its pod on node-1.
  EXPECT_GT(hours.front().values.max().cpu_millicores, 100'000);
  EXPECT_LT(hours.front().values.max().cpu_millicores, 100'300);
}


// The head keeps [floor, now] plus the newest point of each series; older ranges come from the
// blocks. Everything is compared bit for bit against a MemoryStorage that never forgets.
class TrimmedHeadTest : public ::testing::Test {
 protected:
  static constexpr size_t kNodes = 3;
  static constexpr size_t kPods = 6;
  TrimmedHeadTest() : reference_(clock_, std::chrono::hours(24)) {}
  EmbeddedOptions options() const {
    EmbeddedOptions o;
    o.data_dir = dir_.path();
    o.retention = std::chrono::hours(24);
    o.wal.sync_mode = WalSyncMode::kNever;
    o.checkpoint_records = 90;
    return o;
  }
  std::unique_ptr<EmbeddedStorage> open() {
    auto storage = EmbeddedStorage::open(clock_, options());
    EXPECT_TRUE(storage.ok()) << storage.error().toString();
    return storage ? std::move(*storage) : nullptr;
  }
  // 2 h of history ending now, a report per node every 10 s, into both stores.
  int64_t startMs() const { return start_ms_; }
  void ingest(EmbeddedStorage& storage, const model::Report& report) {
    model::Report sorted = report;
    sortPods(sorted);
    auto outcome = storage.ingest(sorted);
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    ASSERT_TRUE(reference_.ingest(sorted).ok());
  }
  void ingestTicks(EmbeddedStorage& storage, uint64_t from, uint64_t to) {
    for (uint64_t tick = from; tick < to; ++tick) {
      for (size_t n = 0; n < kNodes; ++n) ingest(storage, generateNodeReport(n, kPods, tick, startMs(), kIntervalMs));
    }
  }
  static bool sameBits(const ObjectValues& a, const ObjectValues& b) { return std::memcmp(&a, &b, sizeof a) == 0; }
  void expectSameObjectSeries(const Storage& storage, const ObjectKey& key, const SeriesQuery& query) {
    const auto expected = reference_.series(key, query);
    const auto actual = storage.series(key, query);
    const std::string where = key.namespace_name + "/" + key.name + " step " + std::to_string(query.step_ms);
    ASSERT_FALSE(expected.empty()) << where;
    ASSERT_EQ(actual.size(), expected.size()) << where;
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_EQ(actual[i].timestamp_ms, expected[i].timestamp_ms) << where;
      EXPECT_EQ(actual[i].node, expected[i].node) << where;
      EXPECT_EQ(actual[i].uid, expected[i].uid) << where;
      EXPECT_EQ(actual[i].interval_ms, expected[i].interval_ms) << where;
      const int64_t resolution_ms = rollupResolutionFor(query.step_ms);
      if (resolution_ms == 0 || resolution_ms == query.step_ms) {
        EXPECT_TRUE(sameBits(actual[i].values, expected[i].values)) << where << " @" << actual[i].timestamp_ms;
      } else {
        // A step of several rollup buckets adds their gauge sums, which may round the last bit
        // otherwise than one fold of the raw samples (as in EqualRecomputationFromRawSamples…).
        expectSameValues(actual[i].values, expected[i].values, where);
      }
    }
  }
  void expectSameEverywhere(const EmbeddedStorage& storage) {
    const int64_t end_ms = toUnixMs(clock_.wallNow());
    const std::vector<ObjectKey> keys{{ObjectKind::kPod, "ns-1", "deploy-1-1-0x1"},
                                      {ObjectKind::kContainer, "ns-1", "deploy-1-1-0x1/main"},
                                      {ObjectKind::kNamespace, "", "ns-0"},
                                      {ObjectKind::kNamespace, "", "ns-2"},
                                      {ObjectKind::kDeployment, "ns-0", "deploy-0-0"},
                                      {ObjectKind::kNode, "", "node-1"}};
    for (const ObjectKey& key : keys) {
      for (int64_t step : {kIntervalMs, kRollupMinuteMs, 5 * kRollupMinuteMs, kRollupHourMs}) {
        expectSameObjectSeries(storage, key, SeriesQuery{startMs(), end_ms, step});
        // A window straddling the head's floor.
        expectSameObjectSeries(storage, key, SeriesQuery{end_ms - 40 * 60'000, end_ms, step});
      }
    }
    for (const std::string node : {"node-0", "node-2"}) {
      const SeriesQuery query{startMs(), end_ms, kRollupMinuteMs};
      const auto expected = reference_.nodeSeries(node, query);
      const auto actual = storage.nodeSeries(node, query);
      ASSERT_EQ(actual.size(), expected.size()) << node;
      ASSERT_FALSE(actual.empty());
      for (size_t i = 0; i < actual.size(); ++i) {
        EXPECT_EQ(actual[i].timestamp_ms, expected[i].timestamp_ms);
        EXPECT_EQ(actual[i].usage.cpu_millicores, expected[i].usage.cpu_millicores);
        EXPECT_EQ(actual[i].usage.network_rx_bytes, expected[i].usage.network_rx_bytes);
        EXPECT_EQ(actual[i].pod_count, expected[i].pod_count);
      }
    }
    for (ObjectKind kind : {ObjectKind::kPod, ObjectKind::kContainer, ObjectKind::kNamespace, ObjectKind::kDeployment}) {
      const LatestFilter all{"", "", "", 1LL << 40};
      const auto expected = reference_.latest(kind, all);
      const auto actual = storage.latest(kind, all);
      ASSERT_EQ(actual.size(), expected.size());
      ASSERT_FALSE(actual.empty());
      for (size_t i = 0; i < actual.size(); ++i) {
        EXPECT_EQ(actual[i].key, expected[i].key);
        EXPECT_TRUE(sameBits(actual[i].values, expected[i].values)) << actual[i].key.name;
      }
    }
    EXPECT_EQ(storage.stats().samples, reference_.stats().samples);
    EXPECT_EQ(storage.stats().objects, reference_.stats().objects);
  }

  FakeClock clock_;
  kubemonitor::testing::TempDir dir_;
  const int64_t start_ms_ = toUnixMs(clock_.wallNow()) - 2 * 3'600'000 + 3'000;
  MemoryStorage reference_;
};

TEST_F(TrimmedHeadTest, OldRangesLeaveRamAndAnswerExactlyAsBefore) {
  auto storage = open();
  ingestTicks(*storage, 0, 720);
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  // The head's floor follows the checkpoints (every 2 min of report time at the latest): the
  // head holds the WAL tail, not the agents' 15-min replay window.
  EXPECT_GE(storage->headFloorMs(), now_ms - 2 * 60'000 - 2 * kIntervalMs);
  EXPECT_LE(storage->headFloorMs(), now_ms);
  expectSameEverywhere(*storage);
  const EngineStats stats = storage->engineStats();
  EXPECT_EQ(stats.old_range_read_errors, 0U);
  // The namespaces' and deployments' old samples came from the pre-aggregated entries, bit for bit
  // (expectSameEverywhere), apart from ticks a checkpoint split that their shares did not answer.
  EXPECT_GT(stats.preaggregated_samples, 0U);
  EXPECT_LT(stats.aggregate_samples_from_pods * 20, stats.preaggregated_samples)
      << stats.aggregate_samples_from_pods << " from pods, " << stats.preaggregated_samples << " pre-aggregated";
}

TEST_F(TrimmedHeadTest, LateReplayIntoATrimmedRangeIsExactBeforeAndAfterItsCheckpointAndRestart) {
  {
    auto storage = open();
    ingestTicks(*storage, 0, 700);
    ASSERT_GT(storage->headFloorMs(), startMs() + 60 * 60'000);
    // Node 1 replays its report of an hour ago with other values: 40 min later than the window.
    model::Report late = generateNodeReport(1, kPods, 300, startMs(), kIntervalMs);
    ASSERT_LT(late.timestamp_ms, storage->headFloorMs());
    for (auto& pod : late.pods) pod.usage.cpu_millicores += 5'000;
    late.node_usage.cpu_millicores += 5'000;
    model::Report sorted = late;
    sortPods(sorted);
    auto outcome = storage->ingest(sorted);
    ASSERT_TRUE(outcome.ok());
    EXPECT_TRUE(outcome->replaced);  // its first copy left RAM, but it is a replay all the same
    ASSERT_TRUE(reference_.ingest(sorted).ok());
    expectSameEverywhere(*storage);  // served from the block plus the late report
    ASSERT_TRUE(storage->checkpoint().ok());
    expectSameEverywhere(*storage);  // now from the newest block
    ingestTicks(*storage, 700, 720);
  }
  auto reopened = open();
  expectSameEverywhere(*reopened);
}

// The old-range pod series is built straight from the decoded block entries (no throwaway
// MemoryStorage): a pod that moves from node-0 to node-2 (both list it at one tick), a replayed
// report and late reports below the floor — one changing the pod, one no longer listing it —
// answer bit for bit as a MemoryStorage that ingested everything in order.
TEST_F(TrimmedHeadTest, DirectPodPathEqualsMemoryStorageAcrossTwoNodesReplaysAndLateReports) {
  const ObjectKey mover{ObjectKind::kPod, "ns-1", "mover"};
  auto report = [&](size_t node, uint64_t tick, double extra_cpu, bool list_mover) {
    model::Report r = generateNodeReport(node, kPods, tick, startMs(), kIntervalMs);
    const bool here = (node == 0 && tick <= 350) || (node == 2 && tick >= 350);
    if (here && list_mover) {
      model::PodUsage pod = r.pods.front();
      pod.namespace_name = "ns-1";
      pod.name = "mover";
      pod.uid = node == 0 ? "uid-mover-a" : "uid-mover-b";
      pod.deployment = node == 0 ? "mv-a" : "mv-b";
      pod.usage.cpu_millicores = 100.0 + static_cast<double>(tick) / 3.0 + extra_cpu;
      r.pods.push_back(pod);
    }
    return r;
  };
  auto expectSamePod = [&](const EmbeddedStorage& storage) {
    const int64_t end_ms = toUnixMs(clock_.wallNow());
    for (const SeriesQuery& query : {SeriesQuery{startMs(), end_ms, 1}, SeriesQuery{startMs(), end_ms, kIntervalMs},
                                     SeriesQuery{end_ms - 3'600'000, end_ms, kIntervalMs},
                                     SeriesQuery{startMs(), end_ms, kRollupMinuteMs}}) {
      expectSameObjectSeries(storage, mover, query);
    }
    const auto points = storage.series(mover, SeriesQuery{startMs(), end_ms, 1});
    ASSERT_FALSE(points.empty());
    EXPECT_EQ(points.front().node, "node-0");
    EXPECT_EQ(points.back().node, "node-2");
    EXPECT_EQ(points.back().uid, "uid-mover-b");
  };
  {
    auto storage = open();
    for (uint64_t tick = 0; tick < 700; ++tick) {
      for (size_t n = 0; n < kNodes; ++n) ingest(*storage, report(n, tick, 0, true));
      // An agent replays its report of 5 ticks ago with other values (in the replay window).
      if (tick == 200) ingest(*storage, report(0, 195, 1'000, true));
    }
    ASSERT_GT(storage->headFloorMs(), startMs() + 60 * 60'000);
    // Below the floor: node-0 replays tick 300 with the pod changed, node-2 tick 500 without it.
    const model::Report changed = report(0, 300, 5'000, true);
    const model::Report without = report(2, 500, 0, false);
    ASSERT_LT(without.timestamp_ms, storage->headFloorMs());
    ingest(*storage, changed);
    ingest(*storage, without);
    expectSamePod(*storage);  // blocks plus late reports
    ASSERT_TRUE(storage->checkpoint().ok());
    expectSamePod(*storage);  // from the newest block
    ASSERT_TRUE(storage->compact().ok());
    expectSamePod(*storage);  // merged blocks
    EXPECT_EQ(storage->engineStats().old_range_read_errors, 0U);
  }
  auto reopened = open();
  expectSamePod(*reopened);
}

TEST_F(TrimmedHeadTest, RestartServesTheSameLatestViewsAndSeries) {
  {
    auto storage = open();
    ingestTicks(*storage, 0, 725);  // ends with a WAL tail of 15 reports
    EXPECT_GT(storage->engineStats().wal.next_lsn, storage->engineStats().checkpoint_lsn);
  }
  auto reopened = open();
  EXPECT_GT(reopened->engineStats().replayed_records, 0U);
  EXPECT_GT(reopened->headFloorMs(), startMs());
  expectSameEverywhere(*reopened);
  // A pod that died an hour ago still answers latestObject with its last report.
  ingestTicks(*reopened, 725, 727);
}

TEST_F(TrimmedHeadTest, BlockFileDeletedWhileServedIsStillReadThroughItsMapping) {
  auto storage = open();
  ingestTicks(*storage, 0, 720);
  ASSERT_TRUE(storage->compact().ok());
  // Served blocks are mapped once: unlinking the files (an operator's mistake, a disk cleaner)
  // does not take the history away while the engine runs; it is gone only after a restart.
  size_t removed = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/blocks")) {
    std::filesystem::remove(e.path());
    ++removed;
  }
  ASSERT_GT(removed, 0U);
  const int64_t now_ms = toUnixMs(clock_.wallNow());
  const SeriesQuery all{startMs(), now_ms, kIntervalMs};
  ASSERT_LT(startMs(), storage->headFloorMs() - 600 * kIntervalMs);  // most of it from the blocks
  expectSameObjectSeries(*storage, ObjectKey{ObjectKind::kNamespace, "", "ns-0"}, all);
  expectSameObjectSeries(*storage, ObjectKey{ObjectKind::kPod, "ns-1", "deploy-1-1-0x1"}, all);
  EXPECT_EQ(storage->engineStats().old_range_read_errors, 0U);
}

// What the latest views, liveness and stats answer, for before/after-restart comparisons.
std::string latestViews(const Storage& storage) {
  std::string out;
  char buffer[160];
  for (const auto& n : storage.latestNodes()) {
    std::snprintf(buffer, sizeof buffer, "N%s@%lld:%a/%llu;", n.node.c_str(), static_cast<long long>(n.timestamp_ms),
                  n.usage.cpu_millicores, static_cast<unsigned long long>(n.pod_count));
    out += buffer;
  }
  for (int64_t stale : {int64_t{0}, int64_t{1} << 40}) {
    for (ObjectKind kind : {ObjectKind::kPod, ObjectKind::kNamespace, ObjectKind::kDeployment, ObjectKind::kNode}) {
      for (const auto& o : storage.latest(kind, LatestFilter{"", "", "", stale})) {
        std::snprintf(buffer, sizeof buffer, "|%d %s/%s %s %s %s @%lld %a/%llu/%llu", static_cast<int>(kind),
                      o.key.namespace_name.c_str(), o.key.name.c_str(), o.node.c_str(), o.deployment.c_str(),
                      o.uid.c_str(), static_cast<long long>(o.timestamp_ms), o.values.cpu_millicores,
                      static_cast<unsigned long long>(o.values.memory_working_set_bytes),
                      static_cast<unsigned long long>(o.values.cpu_capacity_millicores));
        out += buffer;
        if (kind == ObjectKind::kPod) {
          for (const auto& c : storage.latestContainers(o.key)) {
            std::snprintf(buffer, sizeof buffer, "%s:%a", c.name.c_str(), c.values.cpu_millicores);
            out += buffer;
          }
        }
      }
    }
  }
  const StorageStats stats = storage.stats();
  std::snprintf(buffer, sizeof buffer, "#%zu/%zu/%zu", stats.nodes, stats.samples, stats.objects);
  out += buffer;
  return out;
}

TEST_F(TrimmedHeadTest, SnapshotRestartAnswersAsBeforeWithALateReplayAndADeadPod) {
  std::string views;
  std::optional<ObjectSample> dead_before;
  ObjectKey dead_key;
  {
    auto storage = open();
    ingestTicks(*storage, 0, 600);
    // Node 0's first pod dies at tick 600: its newest point is long before the last checkpoint.
    model::Report first = generateNodeReport(0, kPods, 599, startMs(), kIntervalMs);
    sortPods(first);
    dead_key = ObjectKey{ObjectKind::kPod, first.pods.front().namespace_name, first.pods.front().name};
    for (uint64_t tick = 600; tick < 700; ++tick) {
      for (size_t n = 0; n < kNodes; ++n) {
        model::Report r = generateNodeReport(n, kPods, tick, startMs(), kIntervalMs);
        sortPods(r);
        if (n == 0) r.pods.erase(r.pods.begin());
        ingest(*storage, r);
      }
    }
    // Node 2 replays its report of tick 650 with other values, below the head's floor.
    model::Report late = generateNodeReport(2, kPods, 650, startMs(), kIntervalMs);
    ASSERT_LT(late.timestamp_ms, storage->headFloorMs());
    for (auto& pod : late.pods) pod.usage.cpu_millicores += 777;
    ingest(*storage, late);
    ASSERT_GT(storage->engineStats().blocks, 0U);
    expectSameEverywhere(*storage);
    views = latestViews(*storage);
    dead_before = storage->latestObject(dead_key, 1LL << 40);
    ASSERT_TRUE(dead_before.has_value());
    EXPECT_EQ(dead_before->timestamp_ms, first.timestamp_ms);
  }
  auto reopened = open();
  const EngineStats stats = reopened->engineStats();
  EXPECT_TRUE(stats.restored_from_snapshot);
  EXPECT_EQ(stats.snapshot_fallbacks, 0U);
  EXPECT_EQ(latestViews(*reopened), views);
  expectSameEverywhere(*reopened);
  const auto dead_after = reopened->latestObject(dead_key, 1LL << 40);
  ASSERT_TRUE(dead_after.has_value());
  EXPECT_EQ(dead_after->timestamp_ms, dead_before->timestamp_ms);
  EXPECT_TRUE(sameBits(dead_after->values, dead_before->values));
  // And it goes on: more reports, a checkpoint, another restart.
  ingestTicks(*reopened, 700, 710);
  ASSERT_TRUE(reopened->checkpoint().ok());
  views = latestViews(*reopened);
  reopened.reset();
  auto again = open();
  EXPECT_TRUE(again->engineStats().restored_from_snapshot);
  EXPECT_EQ(latestViews(*again), views);
  expectSameEverywhere(*again);
}

TEST_F(TrimmedHeadTest, TornOrCorruptSnapshotFallsBackToDecodingTheBlocks) {
  std::string views;
  {
    auto storage = open();
    ingestTicks(*storage, 0, 720);
    views = latestViews(*storage);
  }
  const std::string path = dir_.path() + "/head.snapshot";
  const auto size = std::filesystem::file_size(path);
  for (int damage = 0; damage < 2; ++damage) {
    if (damage == 0) {
      std::filesystem::resize_file(path, size / 2);  // torn
    } else {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(size / 3));
      f.put('\x5a');  // a flipped byte in the head state
    }
    auto reopened = open();
    const EngineStats stats = reopened->engineStats();
    EXPECT_FALSE(stats.restored_from_snapshot);
    EXPECT_EQ(stats.snapshot_fallbacks, 1U);
    EXPECT_NE(stats.last_error.find("head snapshot not used"), std::string::npos) << stats.last_error;
    EXPECT_EQ(latestViews(*reopened), views);
    expectSameEverywhere(*reopened);
    // The slow restore wrote a good snapshot again.
    reopened.reset();
    EXPECT_TRUE(open()->engineStats().restored_from_snapshot);
  }
  std::filesystem::remove(path);  // missing: the old full restore, not an error
  auto reopened = open();
  EXPECT_FALSE(reopened->engineStats().restored_from_snapshot);
  EXPECT_EQ(reopened->engineStats().snapshot_fallbacks, 0U);
  EXPECT_EQ(latestViews(*reopened), views);
}

TEST_F(TrimmedHeadTest, TimeTriggeredCheckpointsKeepTheHeadSmall) {
  EmbeddedOptions o = options();
  o.checkpoint_records = 1'000'000;
  o.checkpoint_interval = std::chrono::seconds(120);
  auto storage = EmbeddedStorage::open(clock_, o);
  ASSERT_TRUE(storage.ok());
  // Reports 10 s apart ingested at once: the WAL tail spans 2 min of report time after 13 ticks.
  ingestTicks(**storage, 0, 12);
  EXPECT_EQ((*storage)->engineStats().blocks, 0U);
  ingestTicks(**storage, 12, 13);
  EXPECT_EQ((*storage)->engineStats().blocks, 1U);
  const int64_t tick12_ms = startMs() + 12 * kIntervalMs;
  // The newest block timestamp: the other nodes' reports of tick 12 are still on time.
  EXPECT_EQ((*storage)->headFloorMs(), tick12_ms);
  // By wall time: one tick, then 2 min pass on the server's clock.
  ingestTicks(**storage, 13, 14);
  EXPECT_EQ((*storage)->engineStats().blocks, 1U);
  clock_.advance(std::chrono::seconds(119));
  ingestTicks(**storage, 14, 15);
  EXPECT_EQ((*storage)->engineStats().blocks, 1U);
  clock_.advance(std::chrono::seconds(1));
  ingestTicks(**storage, 15, 16);
  EXPECT_EQ((*storage)->engineStats().blocks, 2U);
  EXPECT_EQ((*storage)->headFloorMs(), startMs() + 15 * kIntervalMs);
  // Old ranges from the blocks, recent ones from the head: the same as never trimming.
  for (const ObjectKey& key : {ObjectKey{ObjectKind::kNamespace, "", "ns-0"}, ObjectKey{ObjectKind::kNode, "", "node-1"}})
    expectSameObjectSeries(**storage, key, SeriesQuery{startMs(), startMs() + 20 * kIntervalMs, kIntervalMs});
}

// Block headers for pickCompactions: `count` blocks of `span_ms` each, back to back from t0_ms.
std::vector<BlockHeader> blocksOf(size_t count, int64_t span_ms, int64_t t0_ms = 0, uint64_t first_lsn = 0) {
  std::vector<BlockHeader> out;
  for (size_t i = 0; i < count; ++i) {
    const int64_t lo = t0_ms + static_cast<int64_t>(i) * (span_ms + kIntervalMs);
    out.push_back(BlockHeader{first_lsn + i * 10, first_lsn + i * 10 + 9, lo, lo + span_ms});
  }
  return out;
}

TEST(TieredCompaction, PicksClosedFullAndStuckRunsOfOneTier) {
  constexpr int64_t k6h = 6 * 3'600'000;
  const int64_t two_min = 110'000;  // a checkpoint of 12 reports 10 s apart
  using Runs = std::vector<std::pair<size_t, size_t>>;
  // Five 2-min blocks fit in 10 min: the run still grows; a sixth closes it.
  EXPECT_EQ(pickCompactions(blocksOf(5, two_min), k6h, false), Runs{});
  EXPECT_EQ(pickCompactions(blocksOf(5, two_min), k6h, true), (Runs{{0, 5}}));
  EXPECT_EQ(pickCompactions(blocksOf(6, two_min), k6h, false), (Runs{{0, 5}}));
  // Fan-in: six 1-min blocks merge though they span less than 10 min.
  EXPECT_EQ(pickCompactions(blocksOf(6, 50'000), k6h, false), (Runs{{0, 6}}));
  // A final 6-h block is never merged again; the small ones after it are their own run.
  auto blocks = blocksOf(1, k6h - 60'000);
  for (const auto& b : blocksOf(6, two_min, k6h + 60'000, 100)) blocks.push_back(b);
  EXPECT_EQ(pickCompactions(blocks, k6h, false), (Runs{{1, 6}}));
  // Two 2-min blocks followed by a block of a higher tier (a very late report) will never grow.
  auto stuck = blocksOf(2, two_min);
  stuck.push_back(BlockHeader{20, 29, 0, 15 * 60'000});
  EXPECT_EQ(pickCompactions(stuck, k6h, false), (Runs{{0, 2}}));
}

TEST(TieredCompaction, ADayOfCheckpointsRewritesEachSampleAFewTimes) {
  constexpr int64_t k6h = 6 * 3'600'000;
  std::vector<BlockHeader> blocks;
  uint64_t lsn = 0;
  int64_t written_ms = 0;  // span written by checkpoints and merges, a proxy for bytes
  const int64_t two_min = 110'000;
  for (int checkpoint = 0; checkpoint < 24 * 30; ++checkpoint) {
    const int64_t lo = checkpoint * 120'000;
    blocks.push_back(BlockHeader{lsn, lsn + 9, lo, lo + two_min});
    lsn += 10;
    written_ms += two_min;
    for (;;) {
      const auto runs = pickCompactions(blocks, k6h, false);
      if (runs.empty()) break;
      for (auto run = runs.rbegin(); run != runs.rend(); ++run) {
        BlockHeader merged{blocks[run->first].first_lsn, blocks[run->second - 1].last_lsn, INT64_MAX, INT64_MIN};
        for (size_t i = run->first; i < run->second; ++i) {
          merged.min_ts_ms = std::min(merged.min_ts_ms, blocks[i].min_ts_ms);
          merged.max_ts_ms = std::max(merged.max_ts_ms, blocks[i].max_ts_ms);
        }
        written_ms += merged.max_ts_ms - merged.min_ts_ms;
        blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(run->first),
                     blocks.begin() + static_cast<std::ptrdiff_t>(run->second));
        blocks.insert(blocks.begin() + static_cast<std::ptrdiff_t>(run->first), merged);
      }
    }
    for (size_t i = 1; i < blocks.size(); ++i) ASSERT_EQ(blocks[i].first_lsn, blocks[i - 1].last_lsn + 1);
  }
  // A day: four 6-h blocks (the last still growing as 1-h and 10-min blocks), not 720 or one.
  EXPECT_LE(blocks.size(), 4U + 5U + 5U + 5U);
  EXPECT_GE(blocks.size(), 4U);
  EXPECT_GE(blocks.front().max_ts_ms - blocks.front().min_ts_ms, k6h - 2 * 60'000);
  // Each sample written by its checkpoint, then about once per tier: ≤ 4 times, not ~90 (O(n²)).
  EXPECT_LE(static_cast<double>(written_ms) / (24.0 * 3'600'000), 4.0);
}

TEST_F(EmbeddedStorageTest, CrashBetweenMergedBlockWriteAndInputDeletionKeepsOneCopy) {
  std::string before;
  std::vector<std::pair<std::filesystem::path, std::string>> inputs;
  {
    auto storage = open();
    for (uint64_t tick = 0; tick < 8; ++tick) {
      ingestTicks(*storage, tick, tick + 1);
      ASSERT_TRUE(storage->checkpoint().ok());
    }
    ASSERT_EQ(storage->engineStats().blocks, 8U);
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/blocks")) {
      std::ifstream in(e.path(), std::ios::binary);
      inputs.emplace_back(e.path(), std::string(std::istreambuf_iterator<char>(in), {}));
    }
    ASSERT_TRUE(storage->compact().ok());
    ASSERT_EQ(storage->engineStats().blocks, 1U);
    before = fingerprint(*storage, startMs());
  }
  // The crash: the merged block is durable but its inputs were not deleted yet.
  for (const auto& [path, bytes] : inputs) std::ofstream(path, std::ios::binary) << bytes;
  auto reopened = open();
  EXPECT_EQ(reopened->engineStats().blocks, 1U);
  EXPECT_EQ(fingerprint(*reopened, startMs()), before);
  EXPECT_EQ(reopened->stats().samples, 24U);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/blocks")) files += e.is_regular_file();
  EXPECT_EQ(files, 1U);  // the covered inputs are gone
  EXPECT_TRUE(reopened->engineStats().restored_from_snapshot);  // written after the merge
}

TEST(HeadSnapshot, RoundTripsAndRejectsEveryTruncationAndFlippedByte) {
  FakeClock clock;
  MemoryStorage head(clock, std::chrono::hours(24), std::chrono::seconds(60));
  const int64_t start_ms = toUnixMs(clock.wallNow()) - 3'600'000;
  for (uint64_t tick = 0; tick < 30; ++tick) {
    for (size_t n = 0; n < 3; ++n) {
      model::Report r = generateNodeReport(n, 5, tick, start_ms, kIntervalMs);
      sortPods(r);
      ASSERT_TRUE(head.ingest(r).ok());
    }
  }
  head.trimBefore(start_ms + 20 * kIntervalMs);  // trimmed times and sealed points too
  HeadSnapshot snapshot{1234, start_ms + 20 * kIntervalMs, {{0, 99, 5000}, {100, 1233, 7000}}, {}};
  head.saveState(snapshot.head);
  const std::vector<uint8_t> bytes = encodeHeadSnapshot(snapshot);
  auto decoded = decodeHeadSnapshot(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_EQ(decoded->checkpoint_lsn, 1234U);
  EXPECT_EQ(decoded->floor_ms, snapshot.floor_ms);
  ASSERT_EQ(decoded->blocks.size(), 2U);
  EXPECT_EQ(decoded->blocks[1].samples, 7000U);
  MemoryStorage loaded(clock, std::chrono::hours(24), std::chrono::seconds(60));
  ASSERT_TRUE(loaded.loadState(decoded->head).ok());
  EXPECT_EQ(latestViews(loaded), latestViews(head));
  EXPECT_EQ(loaded.stats().samples, 90U);
  std::vector<uint8_t> again;
  loaded.saveState(again);
  EXPECT_EQ(again, snapshot.head);
  EXPECT_FALSE(loaded.loadState(decoded->head).ok());  // only into an empty head
  // A replay of a trimmed sample still counts as a replay after the round trip.
  model::Report replay = generateNodeReport(1, 5, 3, start_ms, kIntervalMs);
  sortPods(replay);
  auto outcome = loaded.ingest(replay);
  ASSERT_TRUE(outcome.ok());
  EXPECT_TRUE(outcome->replaced);
  EXPECT_EQ(loaded.stats().samples, 90U);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decodeHeadSnapshot(std::span(bytes).first(n)).ok()) << n;
  }
  for (size_t i = 0; i < bytes.size(); i += 3) {
    std::vector<uint8_t> flipped = bytes;
    flipped[i] ^= 0x10;
    EXPECT_FALSE(decodeHeadSnapshot(flipped).ok()) << i;
  }
  // The head state alone (its own checks, behind the CRC): cut anywhere, it is an error, never a crash.
  for (size_t n = 0; n < snapshot.head.size(); n += 5) {
    MemoryStorage empty(clock, std::chrono::hours(24));
    EXPECT_FALSE(empty.loadState(std::span(snapshot.head).first(n)).ok()) << n;
    EXPECT_EQ(empty.stats().objects, 0U);
  }
}

}  // namespace
}  // namespace kubemonitor::tsdb
