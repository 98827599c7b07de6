// The streaming merge (block_merge.h) writes exactly the block that decoding every input into
// reports, keeping the newest copy of each (node, timestamp) and encoding those gives — byte for
// byte — with replays that list other pods, pods that move between inputs, and out-of-order inputs.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "common/testing/child_process.h"
#include "tsdb/block.h"
#include "tsdb/block_merge.h"
#include "tsdb/block_writer.h"
#include "tsdb/testing/report_generator.h"

namespace kubemonitor::tsdb {
namespace {

using testing::generateNodeReport;

constexpr int64_t kStartMs = 1'800'000'000'000;
constexpr int64_t kIntervalMs = 2'000;

struct Input {
  std::vector<model::Report> reports;
  std::vector<uint8_t> bytes;
  BlockHeader header;
};


// Random inputs: each a run of ticks of some nodes, some ticks replayed by a later input with
// fewer pods and other values (an agent's replay after an outage).
std::vector<Input> randomInputs(std::mt19937& rng) {
  std::vector<Input> inputs(3 + rng() % 3);
  uint64_t lsn = 1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (uint64_t tick = 4 * i; tick < 4 * i + 4; ++tick) {
      for (size_t node = 0; node < 4; ++node) {
        if (rng() % 5 == 0) continue;  // a node missing a tick
        inputs[i].reports.push_back(generateNodeReport(node, 5 + node, tick, kStartMs, kIntervalMs));
      }
    }
    if (i > 0 && rng() % 2 == 0) {
      // A replay of an earlier tick, listing fewer pods with other values.
      const uint64_t tick = rng() % (4 * i);
      model::Report replay = generateNodeReport(rng() % 4, 3, tick, kStartMs, kIntervalMs);
      for (auto& pod : replay.pods) pod.usage.cpu_millicores += 7.5;
      inputs[i].reports.push_back(std::move(replay));
    }
    for (auto& r : inputs[i].reports) sortPods(r);
    inputs[i].header = blockHeaderFor(lsn, lsn + inputs[i].reports.size(), inputs[i].reports);
    lsn += inputs[i].reports.size() + 1;
    auto bytes = encodeBlock(inputs[i].header, inputs[i].reports);
    EXPECT_TRUE(bytes);
    inputs[i].bytes = std::move(*bytes);
  }
  return inputs;
}

// What the in-memory merge writes: the newest copy of each (node, timestamp), encoded.
std::vector<uint8_t> mergedInMemory(const std::vector<Input>& inputs, const BlockHeader& header) {
  std::map<std::pair<std::string, int64_t>, model::Report> newest;
  for (const Input& input : inputs) {
    auto decoded = decodeBlock(input.bytes);
    EXPECT_TRUE(decoded);
    for (auto& r : decoded->reports) newest.insert_or_assign({r.node, r.timestamp_ms}, std::move(r));
  }
  std::vector<model::Report> reports;
  for (auto& [key, r] : newest) reports.push_back(std::move(r));
  auto bytes = encodeBlock(header, reports);
  EXPECT_TRUE(bytes);
  return *bytes;
}

TEST(BlockMerge, StreamedMergeEqualsDecodingEveryInput) {
  for (uint32_t seed = 1; seed <= 25; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const std::vector<Input> inputs = randomInputs(rng);
    std::vector<BlockIndex> indexes;
    for (const Input& input : inputs) {
      auto index = BlockIndex::parse(input.bytes);
      ASSERT_TRUE(index);
      indexes.push_back(*index);
    }
    std::vector<MergeInput> merge_inputs;
    std::vector<BlockHeader> headers;
    for (size_t i = 0; i < inputs.size(); ++i) {
      merge_inputs.push_back(MergeInput{inputs[i].bytes, &indexes[i]});
      headers.push_back(inputs[i].header);
    }
    const auto [lo, hi] = mergedTimeRange(merge_inputs, headers);
    const BlockHeader header{inputs.front().header.first_lsn, inputs.back().header.last_lsn, lo, hi};
    BlockWriter writer(header, kShortLivedBlockZstdLevel);
    auto outcome = mergeBlocks(merge_inputs, writer);
    ASSERT_TRUE(outcome);
    EXPECT_EQ(outcome->corrupt_entries, 0u);
    auto streamed = writer.finish();
    ASSERT_TRUE(streamed);
    // The reference is encoded at the default level: compare what the blocks hold, then the bytes
    // at one level.
    auto expected = decodeBlock(mergedInMemory(inputs, header));
    auto got = decodeBlock(*streamed);
    ASSERT_TRUE(expected && got);
    ASSERT_EQ(got->reports.size(), expected->reports.size());
    EXPECT_EQ(got->header.min_ts_ms, expected->header.min_ts_ms);
    EXPECT_EQ(got->header.max_ts_ms, expected->header.max_ts_ms);
    EXPECT_EQ(got->samples, expected->samples);
    std::vector<model::Report> reports = expected->reports;
    auto same_level = encodeBlock(header, reports, nullptr, kBlockFormatVersion, kShortLivedBlockZstdLevel);
    ASSERT_TRUE(same_level);
    EXPECT_EQ(*streamed, *same_level);
  }
}

TEST(BlockMerge, StreamsToAFileThatReadsBack) {
  std::mt19937 rng(7);
  const std::vector<Input> inputs = randomInputs(rng);
  std::vector<BlockIndex> indexes;
  std::vector<MergeInput> merge_inputs;
  std::vector<BlockHeader> headers;
  indexes.reserve(inputs.size());
  for (const Input& input : inputs) {
    indexes.push_back(*BlockIndex::parse(input.bytes));
    merge_inputs.push_back(MergeInput{input.bytes, &indexes.back()});
    headers.push_back(input.header);
  }
  kubemonitor::testing::TempDir dir;
  const auto path = std::filesystem::path(dir.path()) / "merged.kmb";
  auto file = DurableFileWriter::create(path);
  ASSERT_TRUE(file);
  const auto [lo, hi] = mergedTimeRange(merge_inputs, headers);
  const BlockHeader header{1, 100, lo, hi};
  BlockWriter to_file(header, kShortLivedBlockZstdLevel, std::make_unique<DurableFileWriter>(std::move(*file)));
  BlockWriter in_memory(header, kShortLivedBlockZstdLevel);
  ASSERT_TRUE(mergeBlocks(merge_inputs, to_file));
  ASSERT_TRUE(mergeBlocks(merge_inputs, in_memory));
  ASSERT_TRUE(to_file.finish());
  auto bytes = in_memory.finish();
  ASSERT_TRUE(bytes);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  auto on_disk = readWholeFile(path);
  ASSERT_TRUE(on_disk);
  EXPECT_EQ(*on_disk, *bytes);
  EXPECT_EQ(to_file.bytes(), bytes->size());
}

TEST(BlockMerge, AnInputWithoutIndexIsRefused) {
  std::mt19937 rng(3);
  const std::vector<Input> inputs = randomInputs(rng);
  const MergeInput without{inputs.front().bytes, nullptr};
  BlockWriter writer(BlockHeader{}, kShortLivedBlockZstdLevel);
  auto outcome = mergeBlocks(std::span(&without, 1), writer);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kubemonitor::tsdb
