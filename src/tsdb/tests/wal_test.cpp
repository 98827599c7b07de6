#include "tsdb/wal.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/testing/child_process.h"
#include "tsdb/crc32c.h"

namespace kubemonitor::tsdb {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kSegmentHeaderBytes = 24;  // see wal.h: the on-disk format is part of the contract
constexpr uint64_t kRecordHeaderBytes = 9;

// Payload of record i: distinct content and length, so replay mix-ups show.
std::vector<uint8_t> payloadFor(uint64_t i, size_t length = 0) {
  if (length == 0) length = 1 + (i * 37) % 200;
  std::vector<uint8_t> payload(length);
  for (size_t j = 0; j < length; ++j) payload[j] = static_cast<uint8_t>(i * 131 + j);
  return payload;
}

WalOptions noSync(uint64_t segment_bytes = 64ULL << 20) {
  WalOptions options;
  options.sync_mode = WalSyncMode::kNever;
  options.segment_bytes = segment_bytes;
  return options;
}

struct Replayed {
  std::vector<uint64_t> lsns;
  std::vector<std::vector<uint8_t>> payloads;
};

Replayed replayAll(const Wal& wal, uint64_t from_lsn = 0) {
  Replayed out;
  auto status = wal.replay(from_lsn, [&](uint64_t lsn, std::span<const uint8_t> payload) -> Status {
    out.lsns.push_back(lsn);
    out.payloads.emplace_back(payload.begin(), payload.end());
    return {};
  });
  EXPECT_TRUE(status.ok()) << status.error().toString();
  return out;
}

std::unique_ptr<Wal> openOrDie(const fs::path& dir, WalOptions options) {
  auto wal = Wal::open(dir, options);
  EXPECT_TRUE(wal.ok()) << wal.error().toString();
  return wal.ok() ? std::move(*wal) : nullptr;
}

fs::path segmentPath(const fs::path& dir, int sequence) {
  char name[32];
  std::snprintf(name, sizeof(name), "%08d.wal", sequence);
  return dir / name;
}

void flipByte(const fs::path& path, uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  file.get(c);
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(c ^ 0x40));
}

void appendBytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::app | std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TEST(WalTest, RoundTripAcrossSegmentRollsAndReopen) {
  testing::TempDir tmp;
  const fs::path dir = fs::path(tmp.path()) / "wal";
  constexpr uint64_t kRecords = 100;
  {
    auto wal = openOrDie(dir, noSync(1024));
    ASSERT_TRUE(wal);
    for (uint64_t i = 1; i <= kRecords; ++i) {
      auto lsn = wal->append(payloadFor(i));
      ASSERT_TRUE(lsn.ok()) << lsn.error().toString();
      EXPECT_EQ(*lsn, i);
    }
    const WalStats stats = wal->stats();
    EXPECT_GT(stats.segments, 5U);  // ~100 B records in 1 KiB segments
    EXPECT_EQ(stats.appends, kRecords);
    EXPECT_EQ(stats.first_lsn, 1U);
    EXPECT_EQ(stats.next_lsn, kRecords + 1);
    EXPECT_EQ(stats.syncs, 0U);  // kNever
    uint64_t on_disk = 0;
    for (const auto& entry : fs::directory_iterator(dir)) on_disk += fs::file_size(entry.path());
    EXPECT_EQ(stats.bytes, on_disk);
    EXPECT_TRUE(fs::exists(segmentPath(dir, 1)));
    EXPECT_TRUE(fs::exists(segmentPath(dir, 2)));
    for (const auto& entry : fs::directory_iterator(dir)) EXPECT_LE(fs::file_size(entry.path()), 1024U);
  }
  auto wal = openOrDie(dir, noSync(1024));
  ASSERT_TRUE(wal);
  EXPECT_EQ(wal->stats().truncated_bytes, 0U);
  Replayed all = replayAll(*wal);
  ASSERT_EQ(all.lsns.size(), kRecords);
  for (uint64_t i = 1; i <= kRecords; ++i) {
    EXPECT_EQ(all.lsns[i - 1], i);
    EXPECT_EQ(all.payloads[i - 1], payloadFor(i)) << i;
  }
  auto next = wal->append(payloadFor(1000));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, kRecords + 1);  // LSNs continue after a restart
  Replayed tail = replayAll(*wal, 50);
  ASSERT_EQ(tail.lsns.size(), kRecords + 2 - 50);
  EXPECT_EQ(tail.lsns.front(), 50U);
  EXPECT_EQ(tail.payloads.front(), payloadFor(50));
  EXPECT_EQ(tail.payloads.back(), payloadFor(1000));
}

// A checkpoint finds records by a scan, then reads a node's few again by where they sit.
TEST(WalTest, RecordsReadAgainByLocationInAnyOrder) {
  testing::TempDir tmp;
  const fs::path dir = fs::path(tmp.path()) / "wal";
  auto wal = openOrDie(dir, noSync(1024));
  ASSERT_TRUE(wal);
  for (uint64_t i = 1; i <= 40; ++i) ASSERT_TRUE(wal->append(payloadFor(i)).ok());
  std::vector<WalRecordRef> refs;
  ASSERT_TRUE(wal->replayLocated(5, [&](const WalRecordRef& where, std::span<const uint8_t> payload) -> Status {
    EXPECT_EQ(where.length, payload.size());
    refs.push_back(where);
    return {};
  }));
  ASSERT_EQ(refs.size(), 36U);
  EXPECT_GT(refs.back().segment_first_lsn, refs.front().segment_first_lsn);  // across segment rolls
  std::vector<WalRecordRef> backwards(refs.rbegin(), refs.rend());
  std::vector<uint64_t> lsns;
  ASSERT_TRUE(wal->readRecords(backwards, [&](uint64_t lsn, std::span<const uint8_t> payload) -> Status {
    lsns.push_back(lsn);
    EXPECT_EQ(std::vector<uint8_t>(payload.begin(), payload.end()), payloadFor(lsn));
    return {};
  }));
  ASSERT_EQ(lsns.size(), 36U);
  EXPECT_EQ(lsns.front(), 40U);
  EXPECT_EQ(lsns.back(), 5U);
  // A record whose segment was truncated away is an error, not garbage.
  ASSERT_TRUE(wal->truncateBefore(30));
  auto gone = wal->readRecords(std::span(&refs.front(), 1), [](uint64_t, std::span<const uint8_t>) -> Status { return {}; });
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

TEST(WalTest, EmptyAndLargeRecordsRoundTrip) {
  testing::TempDir tmp;
  auto wal = openOrDie(tmp.path(), noSync(4096));
  ASSERT_TRUE(wal);
  // A record larger than a whole segment gets a segment of its own rather than being refused.
  const std::vector<std::vector<uint8_t>> payloads{{}, payloadFor(1, 10000), {}, payloadFor(2, 3)};
  for (const auto& payload : payloads) ASSERT_TRUE(wal->append(payload).ok());
  Replayed all = replayAll(*wal);
  EXPECT_EQ(all.payloads, payloads);
  EXPECT_EQ(all.lsns, (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(WalTest, VisitorErrorStopsReplay) {
  testing::TempDir tmp;
  auto wal = openOrDie(tmp.path(), noSync());
  ASSERT_TRUE(wal);
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(wal->append(payloadFor(i)).ok());
  int visited = 0;
  auto status = wal->replay(0, [&](uint64_t lsn, std::span<const uint8_t>) -> Status {
    ++visited;
    if (lsn == 3) return makeError(ErrorCode::kInvalidArgument, "engine refused", "lsn 3");
    return {};
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "engine refused");
  EXPECT_EQ(visited, 3);
}

// Writes `count` records into a fresh WAL and returns the offsets where each record starts, plus the end.
std::vector<uint64_t> writeRecords(const fs::path& dir, uint64_t count) {
  auto wal = openOrDie(dir, noSync());
  std::vector<uint64_t> offsets{kSegmentHeaderBytes};
  for (uint64_t i = 1; i <= count; ++i) {
    EXPECT_TRUE(wal->append(payloadFor(i)).ok());
    offsets.push_back(offsets.back() + kRecordHeaderBytes + payloadFor(i).size());
  }
  EXPECT_EQ(fs::file_size(segmentPath(dir, 1)), offsets.back());
  return offsets;
}

TEST(WalTest, TornTailAtEveryByteOfTheLastRecordKeepsThePrefix) {
  constexpr uint64_t kRecords = 5;
  testing::TempDir tmp;
  const fs::path probe = fs::path(tmp.path()) / "probe";
  const std::vector<uint64_t> offsets = writeRecords(probe, kRecords);
  const uint64_t last_start = offsets[kRecords - 1];
  const uint64_t end = offsets[kRecords];
  for (uint64_t cut = last_start; cut < end; ++cut) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    const fs::path dir = fs::path(tmp.path()) / ("cut" + std::to_string(cut));
    writeRecords(dir, kRecords);
    fs::resize_file(segmentPath(dir, 1), cut);
    {
      auto wal = openOrDie(dir, noSync());
      ASSERT_TRUE(wal);
      EXPECT_EQ(wal->stats().truncated_bytes, cut - last_start);
      EXPECT_EQ(fs::file_size(segmentPath(dir, 1)), last_start);  // the torn bytes are gone
      Replayed prefix = replayAll(*wal);
      ASSERT_EQ(prefix.lsns.size(), kRecords - 1);
      EXPECT_EQ(prefix.payloads.back(), payloadFor(kRecords - 1));
      auto lsn = wal->append(payloadFor(77));
      ASSERT_TRUE(lsn.ok());
      EXPECT_EQ(*lsn, kRecords);  // appends continue right after the valid prefix
    }
    auto wal = openOrDie(dir, noSync());
    ASSERT_TRUE(wal);
    EXPECT_EQ(wal->stats().truncated_bytes, 0U);
    Replayed again = replayAll(*wal);
    ASSERT_EQ(again.lsns.size(), kRecords);
    EXPECT_EQ(again.payloads.back(), payloadFor(77));
    fs::remove_all(dir);
  }
}

TEST(WalTest, GarbageAfterTheLastRecordIsCutOff) {
  testing::TempDir tmp;
  const std::vector<uint64_t> offsets = writeRecords(tmp.path(), 3);
  // A huge length, a zeroed (preallocated) tail and a bad type: each ends the log at the same place.
  for (const std::vector<uint8_t>& garbage :
       {std::vector<uint8_t>{0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3, 4, 1, 9, 9}, std::vector<uint8_t>(4096, 0),
        std::vector<uint8_t>{4, 0, 0, 0, 0, 0, 0, 0, 7, 1, 2, 3, 4}}) {
    appendBytes(segmentPath(tmp.path(), 1), garbage);
    auto wal = openOrDie(tmp.path(), noSync());
    ASSERT_TRUE(wal);
    EXPECT_EQ(wal->stats().truncated_bytes, garbage.size());
    EXPECT_EQ(replayAll(*wal).lsns.size(), 3U);
    EXPECT_EQ(fs::file_size(segmentPath(tmp.path(), 1)), offsets.back());
  }
}

TEST(WalTest, CrcFlipInTheLastSegmentKeepsThePrefix) {
  testing::TempDir tmp;
  const std::vector<uint64_t> offsets = writeRecords(tmp.path(), 5);
  flipByte(segmentPath(tmp.path(), 1), offsets[2] + kRecordHeaderBytes + 1);  // payload of record 3
  auto wal = openOrDie(tmp.path(), noSync());
  ASSERT_TRUE(wal);
  Replayed prefix = replayAll(*wal);
  EXPECT_EQ(prefix.lsns, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(wal->stats().truncated_bytes, offsets[5] - offsets[2]);
  auto lsn = wal->append(payloadFor(9));
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, 3U);
}

TEST(WalTest, CorruptionInAnOlderSegmentIsAnError) {
  testing::TempDir tmp;
  {
    auto wal = openOrDie(tmp.path(), noSync(512));
    ASSERT_TRUE(wal);
    for (uint64_t i = 1; i <= 30; ++i) ASSERT_TRUE(wal->append(payloadFor(i)).ok());
    ASSERT_GE(wal->stats().segments, 3U);
  }
  const fs::path second = segmentPath(tmp.path(), 2);
  flipByte(second, kSegmentHeaderBytes + kRecordHeaderBytes);  // first payload byte of segment 2
  auto wal = Wal::open(tmp.path(), noSync(512));
  ASSERT_FALSE(wal.ok());
  EXPECT_EQ(wal.error().code, ErrorCode::kParse);
  EXPECT_EQ(wal.error().subject, second.string());
  EXPECT_NE(wal.error().message.find("CRC mismatch at offset 24"), std::string::npos) << wal.error().message;
  // Untouched: the engine decides what to do with a damaged log.
  EXPECT_TRUE(fs::exists(second));
}

TEST(WalTest, CorruptionFoundDuringReplayIsAnError) {
  testing::TempDir tmp;
  auto wal = openOrDie(tmp.path(), noSync(512));
  ASSERT_TRUE(wal);
  for (uint64_t i = 1; i <= 30; ++i) ASSERT_TRUE(wal->append(payloadFor(i)).ok());
  flipByte(segmentPath(tmp.path(), 1), kSegmentHeaderBytes + kRecordHeaderBytes);  // damaged after open
  auto status = wal->replay(0, [](uint64_t, std::span<const uint8_t>) -> Status { return {}; });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kParse);
  EXPECT_EQ(status.error().subject, segmentPath(tmp.path(), 1).string());
}

TEST(WalTest, MissingMiddleSegmentIsAnError) {
  testing::TempDir tmp;
  {
    auto wal = openOrDie(tmp.path(), noSync(512));
    for (uint64_t i = 1; i <= 30; ++i) ASSERT_TRUE(wal->append(payloadFor(i)).ok());
  }
  fs::remove(segmentPath(tmp.path(), 2));
  auto wal = Wal::open(tmp.path(), noSync(512));
  ASSERT_FALSE(wal.ok());
  EXPECT_EQ(wal.error().code, ErrorCode::kParse);
  EXPECT_NE(wal.error().message.find("00000002.wal is missing"), std::string::npos) << wal.error().message;
}

TEST(WalTest, UnreadableHeaderOfTheLastSegmentIsRebuiltFromItsPredecessor) {
  testing::TempDir tmp;
  uint64_t next = 0;
  {
    auto wal = openOrDie(tmp.path(), noSync(512));
    for (uint64_t i = 1; i <= 30; ++i) ASSERT_TRUE(wal->append(payloadFor(i)).ok());
    next = wal->stats().next_lsn;
  }
  int last = 1;
  while (fs::exists(segmentPath(tmp.path(), last + 1))) ++last;
  ASSERT_GT(last, 1);
  const uint64_t last_bytes = fs::file_size(segmentPath(tmp.path(), last));
  flipByte(segmentPath(tmp.path(), last), 10);  // inside first_lsn: the header CRC no longer matches
  auto wal = openOrDie(tmp.path(), noSync(512));
  ASSERT_TRUE(wal);
  EXPECT_EQ(wal->stats().truncated_bytes, last_bytes);
  const uint64_t kept = replayAll(*wal).lsns.size();
  EXPECT_LT(kept, 30U);
  auto lsn = wal->append(payloadFor(1));
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, kept + 1);
  EXPECT_LT(*lsn, next);
}

TEST(WalTest, LoneSegmentWithoutAHeaderIsAnError) {
  testing::TempDir tmp;
  appendBytes(segmentPath(tmp.path(), 1), {1, 2, 3});
  auto wal = Wal::open(tmp.path(), noSync());
  ASSERT_FALSE(wal.ok());
  EXPECT_EQ(wal.error().code, ErrorCode::kParse);
  EXPECT_NE(wal.error().message.find("short segment header"), std::string::npos);
}

// A segment header written by hand, as documented in wal.h.
std::vector<uint8_t> segmentHeader(uint64_t first_lsn) {
  std::vector<uint8_t> header(kSegmentHeaderBytes, 0);
  const uint8_t magic[4] = {'K', 'M', 'W', 'L'};
  std::memcpy(header.data(), magic, 4);
  header[4] = 1;  // version
  for (int i = 0; i < 8; ++i) header[8 + i] = static_cast<uint8_t>(first_lsn >> (8 * i));
  const uint32_t crc = crc32c(std::span<const uint8_t>(header.data(), 20));
  for (int i = 0; i < 4; ++i) header[20 + i] = static_cast<uint8_t>(crc >> (8 * i));
  return header;
}

TEST(WalTest, HandWrittenHeaderIsReadAndAbsurdFirstLsnIsRefused) {
  testing::TempDir tmp;
  const fs::path good = fs::path(tmp.path()) / "good";
  fs::create_directories(good);
  appendBytes(segmentPath(good, 1), segmentHeader(5000));  // as left behind after a checkpoint
  {
    auto wal = openOrDie(good, noSync());
    ASSERT_TRUE(wal);
    EXPECT_EQ(wal->stats().first_lsn, 5000U);
    EXPECT_EQ(*wal->append(payloadFor(1)), 5000U);
  }
  const fs::path bad = fs::path(tmp.path()) / "bad";
  fs::create_directories(bad);
  appendBytes(segmentPath(bad, 1), segmentHeader(1ULL << 63));
  auto wal = Wal::open(bad, noSync());
  ASSERT_FALSE(wal.ok());
  EXPECT_EQ(wal.error().code, ErrorCode::kParse);
  EXPECT_NE(wal.error().message.find("out of range"), std::string::npos) << wal.error().message;
}

TEST(WalTest, LeftoverTempSegmentsAreRemovedAndStrangersIgnored) {
  testing::TempDir tmp;
  appendBytes(fs::path(tmp.path()) / "00000001.wal.tmp", {1, 2, 3});
  appendBytes(fs::path(tmp.path()) / "README", {'h', 'i'});
  auto wal = openOrDie(tmp.path(), noSync());
  ASSERT_TRUE(wal);
  EXPECT_FALSE(fs::exists(fs::path(tmp.path()) / "00000001.wal.tmp"));
  EXPECT_TRUE(fs::exists(fs::path(tmp.path()) / "README"));
  EXPECT_EQ(wal->stats().segments, 1U);
  EXPECT_EQ(*wal->append(payloadFor(1)), 1U);
}

TEST(WalTest, TruncateBeforeDropsWholeSegmentsOnly) {
  testing::TempDir tmp;
  auto wal = openOrDie(tmp.path(), noSync(512));
  ASSERT_TRUE(wal);
  for (uint64_t i = 1; i <= 60; ++i) ASSERT_TRUE(wal->append(payloadFor(i)).ok());
  const uint64_t segments_before = wal->stats().segments;
  ASSERT_GE(segments_before, 4U);

  ASSERT_TRUE(wal->truncateBefore(1).ok());  // nothing lies entirely below LSN 1
  EXPECT_EQ(wal->stats().segments, segments_before);

  ASSERT_TRUE(wal->truncateBefore(30).ok());
  const WalStats after = wal->stats();
  EXPECT_LT(after.segments, segments_before);
  EXPECT_GT(after.first_lsn, 1U);
  EXPECT_LE(after.first_lsn, 30U);  // the segment holding LSN 30 stays
  EXPECT_FALSE(fs::exists(segmentPath(tmp.path(), 1)));
  Replayed kept = replayAll(*wal);
  EXPECT_EQ(kept.lsns.front(), after.first_lsn);
  EXPECT_EQ(kept.lsns.back(), 60U);
  EXPECT_EQ(kept.payloads.back(), payloadFor(60));

  ASSERT_TRUE(wal->truncateBefore(1000).ok());  // the active segment is never deleted
  EXPECT_EQ(wal->stats().segments, 1U);
  const uint64_t first_kept = wal->stats().first_lsn;
  wal.reset();

  wal = openOrDie(tmp.path(), noSync(512));
  ASSERT_TRUE(wal);
  EXPECT_EQ(wal->stats().first_lsn, first_kept);
  EXPECT_EQ(*wal->append(payloadFor(61)), 61U);  // LSNs survive the restart through the segment header
}

TEST(WalTest, GroupCommitBatchesManyWritersIntoFewerSyncs) {
  testing::TempDir tmp;
  WalOptions options;
  options.sync_interval_ms = 5;
  options.segment_bytes = 64 << 10;  // a few rolls happen while threads wait
  auto wal = openOrDie(tmp.path(), options);
  ASSERT_TRUE(wal);
  constexpr int kThreads = 8;
  constexpr int kAppendsPerThread = 40;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsPerThread; ++i) {
        auto lsn = wal->append(payloadFor(static_cast<uint64_t>(t * 1000 + i), 512));
        if (!lsn.ok() || !wal->waitDurable(*lsn).ok() || wal->stats().durable_lsn < *lsn) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  const WalStats stats = wal->stats();
  constexpr uint64_t kTotal = kThreads * kAppendsPerThread;
  EXPECT_EQ(stats.appends, kTotal);
  EXPECT_EQ(stats.durable_lsn, kTotal);
  EXPECT_GE(stats.syncs, 1U);
  EXPECT_LT(stats.syncs, kTotal);  // waiting appenders shared fdatasyncs
  EXPECT_GT(stats.records_per_sync, 1.0);
  EXPECT_TRUE(stats.last_error.empty());
  EXPECT_EQ(replayAll(*wal).lsns.size(), kTotal);
}

TEST(WalTest, ZeroIntervalMakesEveryAppendDurableOnReturn) {
  testing::TempDir tmp;
  WalOptions options;
  options.sync_interval_ms = 0;
  auto wal = openOrDie(tmp.path(), options);
  ASSERT_TRUE(wal);
  for (uint64_t i = 1; i <= 5; ++i) {
    auto lsn = wal->append(payloadFor(i));
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(wal->stats().durable_lsn, *lsn);
  }
  EXPECT_EQ(wal->stats().syncs, 5U);  // one writer: nothing to batch with
  EXPECT_DOUBLE_EQ(wal->stats().records_per_sync, 1.0);
}

TEST(WalTest, WaitDurableRejectsUnknownLsnsAndNeverModeReturnsAtOnce) {
  testing::TempDir tmp;
  auto wal = openOrDie(tmp.path(), noSync());
  ASSERT_TRUE(wal);
  auto unknown = wal->waitDurable(1);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidArgument);
  auto lsn = wal->append(payloadFor(1));
  ASSERT_TRUE(lsn.ok());
  EXPECT_TRUE(wal->waitDurable(*lsn).ok());
  EXPECT_FALSE(wal->waitDurable(0).ok());
  EXPECT_EQ(wal->stats().syncs, 0U);
}

TEST(WalTest, RejectsOversizedRecordsAndBadOptions) {
  testing::TempDir tmp;
  WalOptions options = noSync();
  options.max_record_bytes = 100;
  auto wal = openOrDie(tmp.path(), options);
  ASSERT_TRUE(wal);
  auto too_large = wal->append(payloadFor(1, 101));
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(*wal->append(payloadFor(1, 100)), 1U);  // the refused record used no LSN

  WalOptions tiny = noSync(10);
  auto bad = Wal::open(fs::path(tmp.path()) / "other", tiny);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  WalOptions zero = noSync();
  zero.max_record_bytes = 0;
  EXPECT_EQ(Wal::open(fs::path(tmp.path()) / "other", zero).error().code, ErrorCode::kInvalidArgument);
}

// A tiny tmpfs of our own, to run out of space or go read-only on demand. Mounting needs root
// (the test machine runs tests as root); elsewhere the tests skip.
class SmallFilesystemTest : public ::testing::Test {
 protected:
  static constexpr const char* kSize = "size=64k";

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root; skipping the disk-full and read-only tests";
    if (::mount("tmpfs", tmp_.path().c_str(), "tmpfs", 0, kSize) != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs on " << tmp_.path() << ": " << std::strerror(errno);
    }
    mounted_ = true;
  }

  void TearDown() override {
    if (mounted_) {
      EXPECT_EQ(::umount2(tmp_.path().c_str(), MNT_DETACH), 0) << std::strerror(errno);
    }
  }

  void remount(unsigned long flags) {
    ASSERT_EQ(::mount(nullptr, tmp_.path().c_str(), nullptr, MS_REMOUNT | flags, kSize), 0) << std::strerror(errno);
  }

  fs::path root() const { return tmp_.path(); }

 private:
  testing::TempDir tmp_;
  bool mounted_ = false;
};

TEST_F(SmallFilesystemTest, DiskFullIsAClearErrorAndTheWalRecoversWhenSpaceReturns) {
  const fs::path dir = root() / "wal";
  const fs::path filler = root() / "filler";
  appendBytes(filler, std::vector<uint8_t>(24 << 10, 0xEE));
  auto wal = openOrDie(dir, WalOptions{});  // kAlways: the real configuration
  ASSERT_TRUE(wal);
  uint64_t good = 0;
  Error failure;
  for (int i = 0; i < 100; ++i) {
    auto lsn = wal->append(payloadFor(static_cast<uint64_t>(i), 4096));
    if (!lsn.ok()) {
      failure = lsn.error();
      break;
    }
    ASSERT_TRUE(wal->waitDurable(*lsn).ok());
    ++good;
  }
  ASSERT_GT(good, 0U);
  ASSERT_LT(good, 100U) << "64 KiB of tmpfs never filled up";
  EXPECT_EQ(failure.code, ErrorCode::kIo);
  EXPECT_NE(failure.message.find("no space left on device"), std::string::npos) << failure.message;
  EXPECT_EQ(failure.subject, segmentPath(dir, 1).string());
  // No partial record on disk: the file ends right after the last good record.
  EXPECT_EQ(fs::file_size(segmentPath(dir, 1)), kSegmentHeaderBytes + good * (kRecordHeaderBytes + 4096));
  EXPECT_NE(wal->stats().last_error.find("no space left on device"), std::string::npos);
  EXPECT_EQ(wal->stats().next_lsn, good + 1);

  auto again = wal->append(payloadFor(999, 4096));  // still full
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(fs::file_size(segmentPath(dir, 1)), kSegmentHeaderBytes + good * (kRecordHeaderBytes + 4096));

  fs::remove(filler);  // space returns
  auto lsn = wal->append(payloadFor(1000, 4096));
  ASSERT_TRUE(lsn.ok()) << lsn.error().toString();
  EXPECT_EQ(*lsn, good + 1);
  ASSERT_TRUE(wal->waitDurable(*lsn).ok());
  wal.reset();

  wal = openOrDie(dir, WalOptions{});
  ASSERT_TRUE(wal);
  EXPECT_EQ(wal->stats().truncated_bytes, 0U);
  Replayed all = replayAll(*wal);
  ASSERT_EQ(all.lsns.size(), good + 1);
  EXPECT_EQ(all.payloads.front(), payloadFor(0, 4096));
  EXPECT_EQ(all.payloads.back(), payloadFor(1000, 4096));
}

TEST_F(SmallFilesystemTest, FullDiskDuringARollKeepsTheOldSegment) {
  const fs::path dir = root() / "wal";
  WalOptions options = noSync(8 << 10);
  auto wal = openOrDie(dir, options);
  ASSERT_TRUE(wal);
  const fs::path filler = root() / "filler";
  uint64_t good = 0;
  // Fill the disk with the filler so that the next roll cannot create its segment.
  ASSERT_TRUE(wal->append(payloadFor(1, 6000)).ok());
  ++good;
  std::vector<uint8_t> block(4096, 0xEE);
  for (int i = 0; i < 64; ++i) appendBytes(filler, block);
  auto lsn = wal->append(payloadFor(2, 6000));  // needs a new segment
  ASSERT_FALSE(lsn.ok());
  EXPECT_EQ(lsn.error().code, ErrorCode::kIo);
  EXPECT_NE(lsn.error().message.find("no space left on device"), std::string::npos) << lsn.error().message;
  EXPECT_EQ(wal->stats().segments, 1U);
  fs::remove(filler);
  lsn = wal->append(payloadFor(2, 6000));
  ASSERT_TRUE(lsn.ok()) << lsn.error().toString();
  EXPECT_EQ(*lsn, good + 1);
  EXPECT_EQ(wal->stats().segments, 2U);
  EXPECT_EQ(replayAll(*wal).lsns.size(), 2U);
}

TEST_F(SmallFilesystemTest, ReadOnlyFilesystemIsAPermissionError) {
  const fs::path dir = root() / "wal";
  {
    auto wal = openOrDie(dir, noSync());
    ASSERT_TRUE(wal);
    ASSERT_TRUE(wal->append(payloadFor(1)).ok());
  }
  remount(MS_RDONLY);
  auto existing = Wal::open(dir, noSync());
  ASSERT_FALSE(existing.ok());
  EXPECT_EQ(existing.error().code, ErrorCode::kPermission) << existing.error().toString();
  auto fresh = Wal::open(root() / "new-wal", noSync());
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.error().code, ErrorCode::kPermission) << fresh.error().toString();
  remount(0);
}

TEST(WalPermissionTest, UnwritableDirectoryIsAPermissionError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory modes; SmallFilesystemTest covers read-only as root";
  testing::TempDir tmp;
  ASSERT_EQ(::chmod(tmp.path().c_str(), 0555), 0);
  auto wal = Wal::open(fs::path(tmp.path()) / "wal", noSync());
  ASSERT_FALSE(wal.ok());
  EXPECT_EQ(wal.error().code, ErrorCode::kPermission);
  ASSERT_EQ(::chmod(tmp.path().c_str(), 0755), 0);
}

TEST(WalTest, ConcurrentAppendsReplayAndStatsAreConsistent) {
  testing::TempDir tmp;
  WalOptions options;
  options.sync_interval_ms = 1;
  options.segment_bytes = 16 << 10;
  auto wal = openOrDie(tmp.path(), options);
  ASSERT_TRUE(wal);
  std::atomic<bool> done{false};
  std::atomic<int> bad_replays{0};
  std::thread reader([&] {
    while (!done.load()) {
      uint64_t expected = 1;
      auto status = wal->replay(0, [&](uint64_t lsn, std::span<const uint8_t> payload) -> Status {
        if (lsn != expected++ || payload.size() != 100) ++bad_replays;
        return {};
      });
      if (!status.ok()) ++bad_replays;
      (void)wal->stats();
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        auto lsn = wal->append(payloadFor(static_cast<uint64_t>(t), 100));
        if (lsn.ok() && i % 10 == 0) (void)wal->waitDurable(*lsn);
      }
    });
  }
  for (auto& writer : writers) writer.join();
  done = true;
  reader.join();
  EXPECT_EQ(bad_replays.load(), 0);
  EXPECT_EQ(wal->stats().appends, 400U);
  EXPECT_EQ(replayAll(*wal).lsns.size(), 400U);
}

}  // namespace
}  // namespace kubemonitor::tsdb
