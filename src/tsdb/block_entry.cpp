#include "tsdb/block_entry.h"

#include <algorithm>
#include <array>
#include <bit>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/compression.h"
#include "tsdb/bit_stream.h"
#include "tsdb/byte_codec.h"
#include "tsdb/chunk.h"
#include "tsdb/crc32c.h"
#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb::internal {
namespace {

using model::NodeUsage;
using model::PodUsage;

Error corrupt(std::string message) { return makeError(ErrorCode::kParse, "corrupt block: " + std::move(message)); }

// A chunk of the given value kind: its length (varint) then its bytes. Given `timestamps` (those of
// the entry's first column, which the encoder writes for every column of the entry), only its
// header's count, first and last timestamp are checked against them and its values alone are
// decoded; CRCs guard the bytes.
Result<DecodedChunk> readColumn(ByteCursor& in, ValueKind kind, const std::vector<int64_t>* timestamps = nullptr) {
  auto size = in.varint("chunk length");
  if (!size) return size.error();
  auto bytes = in.bytes("chunk", *size);
  if (!bytes) return bytes.error();
  auto chunk = timestamps != nullptr ? decodeChunkValues(*bytes) : decodeChunk(*bytes);
  if (!chunk) return chunk.error();
  const ChunkInfo& info = chunk->info;
  if (info.kind != kind) return corrupt("chunk of the wrong value kind");
  if (timestamps == nullptr) return chunk;
  if (info.sample_count != timestamps->size()) return corrupt("column of another length");
  if (!timestamps->empty() && (info.first_ts_ms != timestamps->front() || info.last_ts_ms != timestamps->back()))
    return corrupt("column with other timestamps");
  return chunk;
}

// Steps over a chunk without decoding it (the entry's CRC already held).
Status skipColumn(ByteCursor& in) {
  auto size = in.varint("chunk length");
  if (!size) return size.error();
  if (auto skipped = in.bytes("chunk", *size); !skipped) return skipped.error();
  return {};
}

// [begin, end) of the increasing `timestamps` inside the filter's time range.
std::pair<size_t, size_t> keptRange(const std::vector<int64_t>& timestamps, const BlockFilter* filter) {
  if (filter == nullptr) return {0, timestamps.size()};
  const auto begin = std::lower_bound(timestamps.begin(), timestamps.end(), filter->min_ts_ms);
  const auto end = std::upper_bound(begin, timestamps.end(), filter->max_ts_ms);
  return {static_cast<size_t>(begin - timestamps.begin()), static_cast<size_t>(end - timestamps.begin())};
}

std::vector<int64_t> timestampsOf(const DecodedChunk& column) {
  std::vector<int64_t> out;
  out.reserve(column.samples.size());
  for (const Sample& s : column.samples) out.push_back(s.ts_ms);  // strictly increasing (decodeChunk)
  return out;
}

Result<EntryRows> parseNodeEntry(ByteCursor& in, const BlockFilter* filter, size_t& samples) {
  auto node = in.string("node", kMaxNameBytes);
  if (!node) return node.error();
  if (filter != nullptr && !filter->node.empty() && *node != filter->node) return EntryRows{SkippedEntry{}};
  auto intervals = readColumn(in, ValueKind::kUint64);
  if (!intervals) return intervals.error();
  // Every column is checked against these timestamps, but only the rows in the asked range are
  // kept (a 1 h read of a 6 h block keeps a sixth).
  const std::vector<int64_t> timestamps = timestampsOf(*intervals);
  const auto [kept_begin, kept_end] = keptRange(timestamps, filter);
  NodeRows rows;
  rows.node = std::move(*node);
  rows.timestamps_ms.assign(timestamps.begin() + static_cast<std::ptrdiff_t>(kept_begin),
                            timestamps.begin() + static_cast<std::ptrdiff_t>(kept_end));
  rows.usage.resize(kept_end - kept_begin);
  for (size_t k = kept_begin; k < kept_end; ++k)
    rows.intervals_ms.push_back(zigzagDecode(intervals->samples[k].value.asUint64()));
  for (const auto& member : kNodeFields) {
    const bool is_double = std::holds_alternative<double NodeUsage::*>(member);
    using NodeMember = std::remove_cvref_t<decltype(member)>;
    if (filter != nullptr && filter->node_capacities_only &&
        member != NodeMember{&NodeUsage::cpu_capacity_millicores} &&
        member != NodeMember{&NodeUsage::memory_capacity_bytes}) {
      // Not read by the asked pod or aggregate series: skipped over, not decoded.
      if (auto skipped = skipColumn(in); !skipped) return skipped.error();
      continue;
    }
    auto column = readColumn(in, is_double ? ValueKind::kDouble : ValueKind::kUint64, &timestamps);
    if (!column) return column.error();
    for (size_t k = kept_begin; k < kept_end; ++k) {  // all decoded (a chunk decodes whole), these kept
      const Sample& s = column->samples[k];
      NodeUsage& usage = rows.usage[k - kept_begin];
      std::visit(
          [&](auto m) {
            using T = std::remove_reference_t<decltype(usage.*m)>;
            if constexpr (std::is_same_v<T, double>)
              usage.*m = s.value.asDouble();
            else
              usage.*m = static_cast<T>(s.value.asUint64());
          },
          member);
    }
  }
  if (in.remaining() != 0) return corrupt("stray bytes in a node entry");
  samples += timestamps.size() * kNodeFields.size();
  return EntryRows{std::move(rows)};
}

// The pod's containers, each its name and `column_count` columns (kContainerFields order) on a
// subset of the pod's timestamps, into the kept rows.
Status parseContainers(ByteCursor& in, const std::vector<int64_t>& timestamps, size_t kept_begin, PodRows& rows,
                       const BlockFilter* filter, size_t column_count, size_t& samples) {
  auto container_count = in.varint("container count");
  if (!container_count) return container_count.error();
  if (*container_count > in.remaining()) return corrupt("container count exceeds the entry");
  const bool skip = filter != nullptr && filter->skip_containers;
  for (uint64_t i = 0; i < *container_count; ++i) {
    auto name = in.string("container name", kMaxNameBytes);
    if (!name) return name.error();
    if (skip) {
      for (size_t column = 0; column < column_count; ++column) {
        if (auto skipped = skipColumn(in); !skipped) return skipped.error();
      }
      continue;
    }
    // The first column places the container's samples among the pod's rows; the others carry the
    // same timestamps (the encoder writes one list per container) and fill them in.
    std::vector<model::ContainerUsage*> placed;
    std::vector<int64_t> own_timestamps;
    for (size_t column_index = 0; column_index < column_count; ++column_index) {
      const ContainerField& field = kContainerFields[column_index];
      const bool first = column_index == 0;
      auto column = readColumn(in, field.as_double != nullptr ? ValueKind::kDouble : ValueKind::kUint64,
                               first ? nullptr : &own_timestamps);
      if (!column) return column.error();
      if (first) {
        own_timestamps = timestampsOf(*column);
        size_t at = 0;  // both lists are in time order: one forward walk
        for (const int64_t ts : own_timestamps) {
          while (at < timestamps.size() && timestamps[at] < ts) ++at;
          if (at == timestamps.size() || timestamps[at] != ts) return corrupt("container column with other timestamps");
          if (at < kept_begin || at >= kept_begin + rows.usage.size()) {  // not kept
            placed.push_back(nullptr);
            continue;
          }
          // Each row's list grows by at most one element per container (its timestamps are
          // distinct), so this pointer stays valid while this container's columns are read.
          auto& list = rows.usage[at - kept_begin].containers;
          list.emplace_back().name = *name;
          placed.push_back(&list.back());
        }
      }
      for (size_t k = 0; k < placed.size(); ++k) {
        if (placed[k] == nullptr) continue;
        if (field.as_double != nullptr)
          *field.as_double(*placed[k]) = column->samples[k].value.asDouble();
        else
          *field.as_uint(*placed[k]) = column->samples[k].value.asUint64();
      }
    }
    samples += column_count * own_timestamps.size();
  }
  return {};
}

// `v2`: a kPodEntryV2 entry (labels and every column); else a kPodEntry one.
Result<EntryRows> parsePodEntry(ByteCursor& in, const BlockFilter* filter, bool v2, size_t& samples) {
  auto node = in.string("node", kMaxNameBytes);
  if (!node) return node.error();
  if (filter != nullptr && !filter->node.empty() && *node != filter->node) return EntryRows{SkippedEntry{}};
  PodRows rows;
  rows.node = std::move(*node);
  PodUsage& pod = rows.identity;
  for (std::string* text : {&pod.uid, &pod.name, &pod.namespace_name, &pod.deployment}) {
    auto s = in.string("pod label", kMaxNameBytes);
    if (!s) return s.error();
    *text = std::move(*s);
  }
  if (v2) {
    for (const auto label : kPodLabelsV2) {
      auto s = in.string("pod label", kMaxNameBytes);
      if (!s) return s.error();
      pod.*label = std::move(*s);
    }
  }
  if (filter != nullptr && !filter->choosesPod(pod)) return EntryRows{SkippedEntry{}};
  const size_t field_count = v2 ? kPodFields.size() : kPodFieldsV1;
  // Every column carries the timestamps of the first, in the same order: matched by position,
  // not looked up (a restart decodes every pod of every block through here).
  std::vector<int64_t> timestamps;
  size_t kept_begin = 0;
  for (size_t field_index = 0; field_index < field_count; ++field_index) {
    const PodField& field = kPodFields[field_index];
    const ValueKind kind = field.as_double != nullptr ? ValueKind::kDouble : ValueKind::kUint64;
    const bool first = field_index == 0;
    if (!first && filter != nullptr && ((filter->pod_columns >> field_index) & 1U) == 0) {
      if (auto skipped = skipColumn(in); !skipped) return skipped.error();  // not asked for: stays 0
      continue;
    }
    auto column = readColumn(in, kind, first ? nullptr : &timestamps);
    if (!column) return column.error();
    if (first) {
      timestamps = timestampsOf(*column);
      const auto [begin, end] = keptRange(timestamps, filter);
      kept_begin = begin;
      rows.timestamps_ms.assign(timestamps.begin() + static_cast<std::ptrdiff_t>(begin),
                                timestamps.begin() + static_cast<std::ptrdiff_t>(end));
      // Only which reports listed the pod (a node's pod count): the first column's timestamps.
      if (filter != nullptr && filter->identity_only) return EntryRows{std::move(rows)};
      rows.usage.resize(end - begin);
    }
    for (size_t k = kept_begin; k < kept_begin + rows.usage.size(); ++k) {  // all decoded, these kept
      const Sample& s = column->samples[k];
      PodUsage& usage = rows.usage[k - kept_begin];
      if (field.as_double != nullptr)
        *field.as_double(usage) = s.value.asDouble();
      else
        *field.as_uint(usage) = s.value.asUint64();
    }
  }
  const size_t container_columns = v2 ? kContainerFields.size() : kContainerFieldsV1;
  if (auto containers = parseContainers(in, timestamps, kept_begin, rows, filter, container_columns, samples);
      !containers)
    return containers.error();
  if (in.remaining() != 0) return corrupt("stray bytes in a pod entry");
  samples += timestamps.size() * field_count;
  return EntryRows{std::move(rows)};
}

// An aggregate entry (block.cpp encodeAggregate): read only when the filter names it.
Result<EntryRows> parseAggregateEntry(ByteCursor& in, const BlockFilter* filter) {
  auto name = in.string("aggregate name", 3 * kMaxNameBytes);
  if (!name) return name.error();
  if (filter == nullptr || filter->aggregate.empty() || *name != filter->aggregate) return EntryRows{SkippedEntry{}};
  if (name->size() < 3 || ((*name)[1] != 'n' && (*name)[1] != 'd')) return corrupt("bad aggregate name");
  AggregateRows rows;
  const size_t slash = name->find('/', 2);
  if (slash == std::string::npos) return corrupt("bad aggregate name");
  rows.key = ObjectKey{(*name)[1] == 'n' ? ObjectKind::kNamespace : ObjectKind::kDeployment, name->substr(2, slash - 2),
                       name->substr(slash + 1)};
  auto intervals = readColumn(in, ValueKind::kUint64);
  if (!intervals) return intervals.error();
  rows.timestamps_ms = timestampsOf(*intervals);
  for (const Sample& s : intervals->samples) rows.intervals_ms.push_back(zigzagDecode(s.value.asUint64()));
  std::vector<std::array<uint64_t, kObjectValueWords>> words(rows.timestamps_ms.size());
  for (size_t word = 0; word < kObjectValueWords; ++word) {
    const bool is_double = objectValueWordIsDouble(word);
    auto column = readColumn(in, is_double ? ValueKind::kDouble : ValueKind::kUint64, &rows.timestamps_ms);
    if (!column) return column.error();
    for (size_t k = 0; k < words.size(); ++k) {
      const Value& v = column->samples[k].value;
      words[k][word] = is_double ? std::bit_cast<uint64_t>(v.asDouble()) : v.asUint64();
    }
  }
  for (const auto& w : words) rows.values.push_back(objectValuesOfWords(w));
  auto boundaries = in.varint("boundary count");
  if (!boundaries) return boundaries.error();
  if (*boundaries > 2) return corrupt("more than two aggregate boundaries");
  for (uint64_t b = 0; b < *boundaries; ++b) {
    AggregateBoundary& boundary = rows.boundaries.emplace_back();
    auto ts = in.varint("boundary timestamp");
    if (!ts) return ts.error();
    boundary.timestamp_ms = zigzagDecode(*ts);
    auto count = in.varint("share count");
    if (!count) return count.error();
    if (*count > in.remaining() / (3 + 8 * kObjectValueWords)) return corrupt("share count exceeds the entry");
    for (uint64_t i = 0; i < *count; ++i) {
      AggregateShare& share = boundary.shares.emplace_back();
      auto node = in.string("share node", kMaxNameBytes);
      if (!node) return node.error();
      share.node = std::move(*node);
      auto interval = in.varint("share interval");
      if (!interval) return interval.error();
      share.interval_ms = zigzagDecode(*interval);
      auto contributes = in.byte("share flag");
      if (!contributes) return contributes.error();
      share.contributes = *contributes != 0;
      std::array<uint64_t, kObjectValueWords> w{};
      for (uint64_t& word : w) {
        auto v = in.fixed("share value", 8);
        if (!v) return v.error();
        word = *v;
      }
      share.values = objectValuesOfWords(w);
    }
  }
  if (in.remaining() != 0) return corrupt("stray bytes in an aggregate entry");
  return EntryRows{std::move(rows)};
}

}  // namespace

Result<EntryRows> parseEntry(std::span<const uint8_t> stored, uint64_t crc, const BlockFilter* filter,
                             size_t& samples) {
  if (crc != crc32c(stored)) return corrupt("entry checksum mismatch");
  std::string inflated;
  std::span<const uint8_t> plain = stored;
  if (!stored.empty() && stored[0] == kZstdEntry) {
    auto unpacked = decompress(ContentEncoding::kZstd,
                               std::string_view(reinterpret_cast<const char*>(stored.data() + 1), stored.size() - 1),
                               kMaxEntryBytes);
    if (!unpacked) return unpacked.error();
    inflated = std::move(*unpacked);
    plain = std::span(reinterpret_cast<const uint8_t*>(inflated.data()), inflated.size());
  }
  ByteCursor in(plain, "block entry");
  auto type = in.byte("type");
  if (!type) return type.error();
  if (*type == kNodeEntry) return parseNodeEntry(in, filter, samples);
  if (*type == kPodEntry || *type == kPodEntryV2) return parsePodEntry(in, filter, *type == kPodEntryV2, samples);
  if (*type == kAggregateEntry) return parseAggregateEntry(in, filter);
  return corrupt("unknown entry type");
}

}  // namespace kubemonitor::tsdb::internal
