#include "tsdb/block.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <tuple>
#include <utility>

#include "common/compression.h"
#include "tsdb/bit_stream.h"
#include "tsdb/aggregate_rows.h"
#include "tsdb/block_entry.h"
#include "tsdb/byte_codec.h"
#include "tsdb/chunk.h"
#include "tsdb/crc32c.h"
#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb {
namespace {

using internal::kNodeEntry;
using internal::kNodeFields;
using internal::kZstdEntry;
using internal::kPodFields;
using model::NodeUsage;
using model::PodUsage;
using model::Report;

constexpr uint8_t kMagic[4] = {'K', 'M', 'B', 'K'};
constexpr uint8_t kTrailerMagic[4] = {'K', 'M', 'B', 'I'};
constexpr size_t kTrailerBytes = 24;
constexpr size_t kIndexHeadBytes = 16;
constexpr size_t kNodeRecordBytes = 16;
constexpr size_t kPodRecordBytes = 32;

Error corrupt(std::string message) { return makeError(ErrorCode::kParse, "corrupt block: " + std::move(message)); }

void putChunk(std::vector<uint8_t>& out, ChunkEncoder& encoder) {
  const std::vector<uint8_t> chunk = encoder.finish();
  putVarint(out, chunk.size());
  out.insert(out.end(), chunk.begin(), chunk.end());
}

// A pod series of one node: its identity and, per report, the pod's values.
using PodIdentity = std::tuple<std::string, std::string, std::string, std::string>;  // ns, name, uid, deployment

Status appendSample(ChunkEncoder& encoder, int64_t ts_ms, Value value, size_t& samples) {
  if (auto status = encoder.append(ts_ms, value); !status) return status;
  ++samples;
  return {};
}

// Entries are zstd-compressed whole when that is smaller: the chunks of one series repeat the same
// timestamp column (one per field), which zstd finds across chunks and a chunk alone cannot.
BlockEntryRef putEntry(std::vector<uint8_t>& out, const std::vector<uint8_t>& entry, int zstd_level) {
  const size_t start = out.size();
  const std::string packed =
      compressZstd(std::string_view(reinterpret_cast<const char*>(entry.data()), entry.size()), zstd_level);
  std::vector<uint8_t> stored;
  if (packed.size() + 1 < entry.size()) {
    stored.reserve(packed.size() + 1);
    stored.push_back(kZstdEntry);
    stored.insert(stored.end(), packed.begin(), packed.end());
  }
  const std::vector<uint8_t>& bytes = stored.empty() ? entry : stored;
  putVarint(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
  putFixed32(out, crc32c(bytes));
  return BlockEntryRef{start, out.size() - start};
}

// What the series index lists of one entry (written by encodeNode, sorted by putIndex).
struct IndexRecord {
  bool pod = false;
  std::string node, namespace_name, name, uid, deployment;
  BlockEntryRef entry;
};

// Encodes one node's reports (sorted by timestamp) as a node entry and one entry per pod series.
Status encodeNode(std::vector<uint8_t>& out, std::span<const Report> reports, size_t& samples,
                  std::vector<IndexRecord>& index, int zstd_level) {
  std::vector<uint8_t> entry;
  entry.push_back(kNodeEntry);
  putString(entry, reports.front().node);
  ChunkEncoder intervals(ValueKind::kUint64);
  for (const Report& r : reports) {
    if (auto s = intervals.append(r.timestamp_ms, Value::ofUint64(zigzagEncode(r.interval_ms))); !s) return s;
  }
  putChunk(entry, intervals);
  for (const auto& member : kNodeFields) {
    const bool is_double = std::holds_alternative<double NodeUsage::*>(member);
    ChunkEncoder encoder(is_double ? ValueKind::kDouble : ValueKind::kUint64);
    for (const Report& r : reports) {
      const Value value = std::visit(
          [&](auto m) {
            if constexpr (std::is_same_v<decltype(m), double NodeUsage::*>)
              return Value::ofDouble(r.node_usage.*m);
            else
              return Value::ofUint64(r.node_usage.*m);
          },
          member);
      if (auto s = appendSample(encoder, r.timestamp_ms, value, samples); !s) return s;
    }
    putChunk(entry, encoder);
  }
  index.push_back(IndexRecord{false, reports.front().node, {}, {}, {}, {}, putEntry(out, entry, zstd_level)});

  // Pod series: every pod's appearances, in (identity, timestamp) order.
  std::map<PodIdentity, std::vector<std::pair<int64_t, const PodUsage*>>> pods;
  for (const Report& r : reports) {
    for (const PodUsage& pod : r.pods) {
      auto& appearances = pods[PodIdentity{pod.namespace_name, pod.name, pod.uid, pod.deployment}];
      // The same identity twice in one report cannot be told apart later: the first one stays.
      if (appearances.empty() || appearances.back().first != r.timestamp_ms)
        appearances.emplace_back(r.timestamp_ms, &pod);
    }
  }
  for (const auto& [identity, appearances] : pods) {
    entry.clear();
    entry.push_back(internal::kPodEntryV2);
    putString(entry, reports.front().node);
    putString(entry, std::get<2>(identity));
    putString(entry, std::get<1>(identity));
    putString(entry, std::get<0>(identity));
    putString(entry, std::get<3>(identity));
    // The labels of the pod's newest appearance in the block (they change only with the pod spec's
    // QoS or owner, which Kubernetes does not change in place).
    for (const auto label : internal::kPodLabelsV2) putString(entry, appearances.back().second->*label);
    for (const auto& field : kPodFields) {
      ChunkEncoder encoder(field.as_double != nullptr ? ValueKind::kDouble : ValueKind::kUint64);
      for (const auto& [ts, pod] : appearances) {
        auto& p = const_cast<PodUsage&>(*pod);  // the accessors only read here
        const Value value =
            field.as_double != nullptr ? Value::ofDouble(*field.as_double(p)) : Value::ofUint64(*field.as_uint(p));
        if (auto s = appendSample(encoder, ts, value, samples); !s) return s;
      }
      putChunk(entry, encoder);
    }
    // Containers: per name, its fields (kContainerFields) at the reports that listed it.
    std::map<std::string, std::vector<std::pair<int64_t, const model::ContainerUsage*>>> containers;
    for (const auto& [ts, pod] : appearances) {
      for (const auto& c : pod->containers) {
        auto& list = containers[c.name];
        if (list.empty() || list.back().first != ts) list.emplace_back(ts, &c);
      }
    }
    putVarint(entry, containers.size());
    for (const auto& [name, list] : containers) {
      putString(entry, name);
      for (const auto& field : internal::kContainerFields) {
        ChunkEncoder encoder(field.as_double != nullptr ? ValueKind::kDouble : ValueKind::kUint64);
        for (const auto& [ts, c] : list) {
          auto& container = const_cast<model::ContainerUsage&>(*c);  // the accessors only read here
          const Value value = field.as_double != nullptr ? Value::ofDouble(*field.as_double(container))
                                                         : Value::ofUint64(*field.as_uint(container));
          if (auto s = appendSample(encoder, ts, value, samples); !s) return s;
        }
        putChunk(entry, encoder);
      }
    }
    const auto& [ns, name, uid, deployment] = identity;
    index.push_back(IndexRecord{true, reports.front().node, ns, name, uid, deployment, putEntry(out, entry, zstd_level)});
  }
  return {};
}

// One aggregate entry (block.h): the rows as a chunk of intervals at the sample timestamps and a
// chunk per ObjectValues word, then the boundary shares as plain words.
Status encodeAggregate(std::vector<uint8_t>& entry, const AggregateRows& rows) {
  ChunkEncoder intervals(ValueKind::kUint64);
  for (size_t k = 0; k < rows.timestamps_ms.size(); ++k) {
    if (auto s = intervals.append(rows.timestamps_ms[k], Value::ofUint64(zigzagEncode(rows.intervals_ms[k]))); !s)
      return s;
  }
  putChunk(entry, intervals);
  for (size_t word = 0; word < kObjectValueWords; ++word) {
    const bool is_double = objectValueWordIsDouble(word);
    ChunkEncoder encoder(is_double ? ValueKind::kDouble : ValueKind::kUint64);
    for (size_t k = 0; k < rows.values.size(); ++k) {
      const uint64_t bits = objectValueWords(rows.values[k])[word];
      const Value value = is_double ? Value::ofDouble(std::bit_cast<double>(bits)) : Value::ofUint64(bits);
      if (auto s = encoder.append(rows.timestamps_ms[k], value); !s) return s;
    }
    putChunk(entry, encoder);
  }
  putVarint(entry, rows.boundaries.size());
  for (const AggregateBoundary& boundary : rows.boundaries) {
    putVarint(entry, zigzagEncode(boundary.timestamp_ms));
    putVarint(entry, boundary.shares.size());
    for (const AggregateShare& share : boundary.shares) {
      putString(entry, share.node);
      putVarint(entry, zigzagEncode(share.interval_ms));
      entry.push_back(share.contributes ? 1 : 0);
      for (uint64_t w : objectValueWords(share.values)) putFixed64(entry, w);
    }
  }
  return {};
}

// The aggregate entries of `reports` (sorted by (node, timestamp), distinct) and the marker entry.
Status encodeAggregates(std::vector<uint8_t>& out, std::span<const Report* const> reports,
                        std::vector<IndexRecord>& index, int zstd_level) {
  std::vector<uint8_t> entry;
  for (const AggregateRows& rows : aggregateRowsOf(reports)) {
    entry.clear();
    entry.push_back(internal::kAggregateEntry);
    const std::string name = aggregateIndexName(rows.key);
    putString(entry, name);
    if (auto s = encodeAggregate(entry, rows); !s) return s;
    index.push_back(IndexRecord{false, name, {}, {}, {}, {}, putEntry(out, entry, zstd_level)});
  }
  entry.clear();
  entry.push_back(internal::kAggregateEntry);
  putString(entry, kPreaggregatedMarker);
  index.push_back(IndexRecord{false, std::string(kPreaggregatedMarker), {}, {}, {}, {}, putEntry(out, entry, zstd_level)});
  return {};
}

uint32_t load32(const uint8_t* p) {
  uint32_t value = 0;
  std::memcpy(&value, p, sizeof value);  // x86-64 and arm64 Linux are little-endian
  return value;
}

uint64_t load64(const uint8_t* p) {
  uint64_t value = 0;
  std::memcpy(&value, p, sizeof value);
  return value;
}

// Appends the series index of `records` and the trailer (layout in block.h).
Status putIndex(std::vector<uint8_t>& out, const std::vector<IndexRecord>& records) {
  out.push_back(0);  // end of entries: a zero length, which no entry has (a scan without the trailer stops here)
  const uint64_t index_offset = out.size();
  std::vector<std::string_view> strings;
  for (const IndexRecord& r : records) {
    strings.push_back(r.node);
    if (!r.pod) continue;
    for (const std::string* text : {&r.namespace_name, &r.name, &r.uid, &r.deployment}) strings.push_back(*text);
  }
  std::sort(strings.begin(), strings.end());
  strings.erase(std::unique(strings.begin(), strings.end()), strings.end());
  auto id = [&](std::string_view text) {
    return static_cast<uint32_t>(std::lower_bound(strings.begin(), strings.end(), text) - strings.begin());
  };
  using NodeRecord = std::tuple<uint32_t, uint64_t, uint64_t>;  // node id, entry offset, entry length
  // namespace, name, uid, deployment, node ids, entry offset, entry length
  using PodRecord = std::tuple<uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint64_t, uint64_t>;
  std::vector<NodeRecord> nodes;
  std::vector<PodRecord> pods;
  size_t string_bytes = 0;
  for (std::string_view text : strings) string_bytes += text.size();
  for (const IndexRecord& r : records) {
    if (r.entry.length > UINT32_MAX || string_bytes > UINT32_MAX) {
      return makeError(ErrorCode::kTooLarge, "block index: an entry or the names exceed 4 GiB");
    }
    if (r.pod) {
      pods.emplace_back(id(r.namespace_name), id(r.name), id(r.uid), id(r.deployment), id(r.node), r.entry.offset,
                        r.entry.length);
    } else {
      nodes.emplace_back(id(r.node), r.entry.offset, r.entry.length);
    }
  }
  std::sort(nodes.begin(), nodes.end());
  std::sort(pods.begin(), pods.end());
  std::vector<uint32_t> by_deployment(pods.size());
  for (size_t i = 0; i < pods.size(); ++i) by_deployment[i] = static_cast<uint32_t>(i);
  std::sort(by_deployment.begin(), by_deployment.end(), [&](uint32_t a, uint32_t b) {
    const auto& [ans, aname, auid, adep, anode, aoff, alen] = pods[a];
    const auto& [bns, bname, buid, bdep, bnode, boff, blen] = pods[b];
    return std::tie(ans, adep, aname, auid, anode) < std::tie(bns, bdep, bname, buid, bnode);
  });

  std::vector<uint8_t> index;
  putFixed32(index, static_cast<uint32_t>(strings.size()));
  putFixed32(index, static_cast<uint32_t>(nodes.size()));
  putFixed32(index, static_cast<uint32_t>(pods.size()));
  putFixed32(index, static_cast<uint32_t>(string_bytes));
  uint32_t at = 0;
  for (std::string_view text : strings) {
    putFixed32(index, at);
    at += static_cast<uint32_t>(text.size());
  }
  putFixed32(index, at);
  for (std::string_view text : strings) index.insert(index.end(), text.begin(), text.end());
  for (const auto& [node, offset, length] : nodes) {
    putFixed32(index, node);
    putFixed64(index, offset);
    putFixed32(index, static_cast<uint32_t>(length));
  }
  for (const auto& [ns, name, uid, deployment, node, offset, length] : pods) {
    for (uint32_t field : {ns, name, uid, deployment, node}) putFixed32(index, field);
    putFixed64(index, offset);
    putFixed32(index, static_cast<uint32_t>(length));
  }
  for (uint32_t record : by_deployment) putFixed32(index, record);
  out.insert(out.end(), index.begin(), index.end());

  std::vector<uint8_t> trailer;
  putFixed64(trailer, index_offset);
  putFixed32(trailer, static_cast<uint32_t>(records.size()));
  putFixed32(trailer, crc32c(index));
  putFixed32(trailer, crc32c(trailer));
  trailer.insert(trailer.end(), std::begin(kTrailerMagic), std::end(kTrailerMagic));
  out.insert(out.end(), trailer.begin(), trailer.end());
  return {};
}

// Where a version-2 block's entries end (its index offset), from a trailer whose checksum holds;
// nullopt when the trailer is unusable.
struct Trailer {
  uint64_t index_offset = 0;
  uint32_t entry_count = 0;
  uint32_t index_crc = 0;
};

std::optional<Trailer> readTrailer(std::span<const uint8_t> file, size_t entries_begin) {
  if (file.size() < entries_begin + kTrailerBytes) return std::nullopt;
  const uint8_t* t = file.data() + file.size() - kTrailerBytes;
  if (!std::equal(t + 20, t + 24, std::begin(kTrailerMagic))) return std::nullopt;
  if (load32(t + 16) != crc32c(std::span(t, 16))) return std::nullopt;
  Trailer trailer{load64(t), load32(t + 8), load32(t + 12)};
  if (trailer.index_offset < entries_begin || trailer.index_offset > file.size() - kTrailerBytes) return std::nullopt;
  return trailer;
}

using NodeReports = std::map<int64_t, Report>;  // by timestamp
using NodeMap = std::map<std::string, NodeReports, std::less<>>;

// A node entry's rows become its reports (outside the asked time range there are none: its pods
// then find no report to join either).
void joinNodeRows(NodeRows&& rows, NodeMap& nodes) {
  auto& into = nodes[rows.node];
  for (size_t k = 0; k < rows.timestamps_ms.size(); ++k) {
    Report r;
    r.node = rows.node;
    r.timestamp_ms = rows.timestamps_ms[k];
    r.interval_ms = rows.intervals_ms[k];
    r.node_usage = rows.usage[k];
    into.insert_or_assign(r.timestamp_ms, std::move(r));
  }
}

// A pod entry's rows join the reports of its node, each a copy of the pod's labels.
Status joinPodRows(PodRows&& rows, NodeMap& nodes) {
  auto node_it = nodes.find(rows.node);
  // Its node's entry comes first in a block; without it (corrupt), the pod has no report to join.
  if (node_it == nodes.end()) return corrupt("pod entry of a node without a valid node entry");
  auto report = node_it->second.begin();
  for (size_t k = 0; k < rows.timestamps_ms.size(); ++k) {
    while (report != node_it->second.end() && report->first < rows.timestamps_ms[k]) ++report;
    if (report == node_it->second.end() || report->first != rows.timestamps_ms[k]) continue;
    PodUsage pod = rows.usage.empty() ? PodUsage{} : std::move(rows.usage[k]);
    pod.uid = rows.identity.uid;
    pod.name = rows.identity.name;
    pod.namespace_name = rows.identity.namespace_name;
    pod.deployment = rows.identity.deployment;
    for (const auto label : internal::kPodLabelsV2) pod.*label = rows.identity.*label;
    report->second.pods.push_back(std::move(pod));
  }
  return {};
}

Status joinRows(internal::EntryRows&& rows, NodeMap& nodes) {
  if (auto* node = std::get_if<NodeRows>(&rows)) joinNodeRows(std::move(*node), nodes);
  if (auto* pod = std::get_if<PodRows>(&rows)) return joinPodRows(std::move(*pod), nodes);
  return {};
}

// The stored bytes and CRC of the entry at `ref` (found through the index).
Result<std::pair<std::span<const uint8_t>, uint64_t>> entryAt(std::span<const uint8_t> file, BlockEntryRef ref) {
  if (ref.offset > file.size() || ref.length > file.size() - ref.offset) return corrupt("index entry out of the file");
  ByteCursor in(file.subspan(ref.offset, ref.length), "block entry");
  auto size = in.varint("entry length");
  if (!size) return size.error();
  auto bytes = in.bytes("entry", *size);
  if (!bytes) return bytes.error();
  auto crc = in.fixed("entry checksum", 4);
  if (!crc) return crc.error();
  if (in.remaining() != 0) return corrupt("index entry length disagrees with the entry");
  return std::pair{*bytes, *crc};
}

// Where a block's read notes its corrupt entries.
struct CorruptionNotes {
  size_t& count;
  std::string& first_error;
  void operator()(const Error& error) const {
    ++count;
    if (first_error.empty()) first_error = error.toString();
  }
};

void collectReports(NodeMap& nodes, BlockContents& out) {
  for (auto& [node, reports] : nodes) {
    for (auto& [ts, report] : reports) {
      sortPods(report);  // pod entries come in identity order: usually a no-op check
      out.reports.push_back(std::move(report));
    }
  }
}

Result<BlockHeader> readHeader(ByteCursor& in) {
  auto magic = in.bytes("magic", 4);
  if (!magic) return magic.error();
  if (!std::equal(magic->begin(), magic->end(), std::begin(kMagic))) return corrupt("bad magic");
  auto version = in.byte("version");
  if (!version) return version.error();
  if (*version != 1 && *version != kBlockFormatVersion) return corrupt("unknown version " + std::to_string(*version));
  BlockHeader h;
  auto first = in.varint("first lsn");
  if (!first) return first.error();
  auto last = in.varint("last lsn");
  if (!last) return last.error();
  auto min_ts = in.varint("min timestamp");
  if (!min_ts) return min_ts.error();
  auto max_ts = in.varint("max timestamp");
  if (!max_ts) return max_ts.error();
  h = BlockHeader{*first, *last, zigzagDecode(*min_ts), zigzagDecode(*max_ts), *version};
  return h;
}

}  // namespace

void sortPods(model::Report& report) {
  auto less = [](const PodUsage& a, const PodUsage& b) {
    return std::tie(a.namespace_name, a.name, a.uid, a.deployment) <
           std::tie(b.namespace_name, b.name, b.uid, b.deployment);
  };
  // Already sorted is the common case (a block's pods, an agent that lists them in order): no
  // temporary buffer and no moves then.
  if (std::is_sorted(report.pods.begin(), report.pods.end(), less)) return;
  std::stable_sort(report.pods.begin(), report.pods.end(), less);
}

Result<std::vector<uint8_t>> encodeBlock(const BlockHeader& header, std::span<const Report> reports, size_t* samples,
                                         uint8_t version, int zstd_level) {
  if (version != 1 && version != kBlockFormatVersion) {
    return makeError(ErrorCode::kInvalidArgument, "unknown block version " + std::to_string(version));
  }
  std::vector<uint8_t> out(std::begin(kMagic), std::end(kMagic));
  out.push_back(version);
  putVarint(out, header.first_lsn);
  putVarint(out, header.last_lsn);
  putVarint(out, zigzagEncode(header.min_ts_ms));
  putVarint(out, zigzagEncode(header.max_ts_ms));
  putFixed32(out, crc32c(out));
  // Group by node, each sorted by timestamp, without copying the reports.
  std::vector<const Report*> order;
  order.reserve(reports.size());
  for (const Report& r : reports) order.push_back(&r);
  std::sort(order.begin(), order.end(), [](const Report* a, const Report* b) {
    return std::tie(a->node, a->timestamp_ms) < std::tie(b->node, b->timestamp_ms);
  });
  size_t count = 0;
  std::vector<IndexRecord> index;
  if (version >= 2) {
    // Pre-aggregated namespaces and deployments first (aggregate_rows.h), found through the index
    // like nodes. Their values are derived: they add bytes, not samples.
    std::vector<const Report*> distinct;
    distinct.reserve(order.size());
    for (const Report* r : order) {
      if (distinct.empty() || distinct.back()->node != r->node || distinct.back()->timestamp_ms != r->timestamp_ms)
        distinct.push_back(r);
    }
    if (auto s = encodeAggregates(out, distinct, index, zstd_level); !s) return s.error();
  }
  std::vector<Report> group;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    group.clear();
    while (j < order.size() && order[j]->node == order[i]->node) {
      if (group.empty() || group.back().timestamp_ms != order[j]->timestamp_ms) group.push_back(*order[j]);
      ++j;
    }
    if (group.size() > kMaxChunkSamples) {
      return makeError(ErrorCode::kTooLarge, "block would hold more than " + std::to_string(kMaxChunkSamples) +
                                                 " reports of node " + group.front().node);
    }
    if (auto s = encodeNode(out, group, count, index, zstd_level); !s) return s.error();
    i = j;
  }
  if (version >= 2) {
    if (auto s = putIndex(out, index); !s) return s.error();
  }
  if (samples != nullptr) *samples = count;
  return out;
}

Result<BlockHeader> decodeBlockHeader(std::span<const uint8_t> bytes) {
  ByteCursor in(bytes, "block");
  auto header = readHeader(in);
  if (!header) return header.error();
  auto crc = in.fixed("header checksum", 4);
  if (!crc) return crc.error();
  if (*crc != crc32c(bytes.first(in.position() - 4))) return corrupt("header checksum mismatch");
  return header;
}

namespace {

// Calls `visit` with the stored bytes and CRC of every entry in file order, up to the index (or,
// its trailer unusable, the end-of-entries mark). A visit's error and a corrupt entry are noted
// and the scan goes on; a corrupt length ends it there.
using EntryVisitor = std::function<Status(std::span<const uint8_t> stored, uint64_t crc)>;
void scanEntries(std::span<const uint8_t> bytes, const BlockHeader& header, const CorruptionNotes& note,
                 const EntryVisitor& visit) {
  ByteCursor header_in(bytes, "block");
  (void)readHeader(header_in);
  (void)header_in.fixed("header checksum", 4);
  const size_t entries_begin = header_in.position();
  size_t entries_end = bytes.size();
  if (header.version >= 2) {
    if (auto trailer = readTrailer(bytes, entries_begin)) entries_end = trailer->index_offset;
  }
  ByteCursor in(bytes.subspan(entries_begin, entries_end - entries_begin), "block");
  while (in.remaining() > 0) {
    const size_t offset = entries_begin + in.position();
    auto size = in.varint("entry length");
    if (size && *size == 0 && header.version >= 2) break;  // the end-of-entries mark before the index
    auto entry = size ? in.bytes("entry", *size) : Result<std::span<const uint8_t>>(size.error());
    auto crc = entry ? in.fixed("entry checksum", 4) : Result<uint64_t>(entry.error());
    if (!crc) {
      note(crc.error());  // the length itself is unusable: nothing after it can be found
      break;
    }
    if (auto status = visit(*entry, *crc); !status) {
      const std::string where = " (entry at offset " + std::to_string(offset) + ")";
      note(makeError(status.error().code, status.error().message + where));
    }
  }
}

// Calls `visit` with the entries `filter` chooses, found through `index`: the node entries of
// `nodes`, of filter.node and of every chosen pod's node (by name), then the chosen pod entries
// (in file order): a pod joins its node's reports.
void lookUpEntries(std::span<const uint8_t> file, const BlockIndex& index, const BlockFilter& filter,
                   std::span<const std::string> nodes, const CorruptionNotes& note, const EntryVisitor& visit) {
  const std::vector<IndexedPod> pods = index.pods(filter);
  std::vector<std::string_view> node_names(nodes.begin(), nodes.end());
  if (!filter.node.empty()) node_names.push_back(filter.node);
  for (const IndexedPod& pod : pods) node_names.push_back(pod.node);
  std::sort(node_names.begin(), node_names.end());
  node_names.erase(std::unique(node_names.begin(), node_names.end()), node_names.end());
  auto visitAt = [&](BlockEntryRef ref) {
    auto entry = entryAt(file, ref);
    auto status = entry ? visit(entry->first, entry->second) : Status(entry.error());
    if (!status) note(status.error());
  };
  for (std::string_view name : node_names) {
    if (!filter.node.empty() && name != filter.node) continue;
    if (const auto ref = index.node(name)) visitAt(*ref);  // else the node has no entry in this block
  }
  for (const IndexedPod& pod : pods) visitAt(pod.entry);
}

// Visits the entries `filter` chooses: through `index` when given, else by the full scan. Returns
// the block's header (an unusable header: nothing is visited).
Result<BlockHeader> visitChosenEntries(std::span<const uint8_t> file, const BlockIndex* index,
                                       const BlockFilter* filter, std::span<const std::string> nodes,
                                       const CorruptionNotes& note, const EntryVisitor& visit) {
  auto header = decodeBlockHeader(file);
  if (!header) return header.error();
  if (index != nullptr)
    lookUpEntries(file, *index, *filter, nodes, note, visit);
  else
    scanEntries(file, *header, note, visit);
  return header;
}

// Reads the entries `filter` chooses into reports.
Result<BlockContents> decodeChosenEntries(std::span<const uint8_t> file, const BlockIndex* index,
                                          const BlockFilter* filter, std::span<const std::string> nodes) {
  BlockContents out;
  out.index_used = index != nullptr;
  NodeMap decoded;
  auto header = visitChosenEntries(file, index, filter, nodes, CorruptionNotes{out.corrupt_entries, out.first_error},
                                   [&](std::span<const uint8_t> stored, uint64_t crc) -> Status {
                                     auto rows = internal::parseEntry(stored, crc, filter, out.samples);
                                     if (!rows) return rows.error();
                                     return joinRows(std::move(*rows), decoded);
                                   });
  if (!header) return header.error();
  out.header = *header;
  collectReports(decoded, out);
  return out;
}

}  // namespace

Result<BlockContents> decodeBlock(std::span<const uint8_t> bytes, const BlockFilter* filter) {
  return decodeChosenEntries(bytes, nullptr, filter, {});
}

Result<BlockContents> decodeBlockEntries(std::span<const uint8_t> file, const BlockIndex* index,
                                         const BlockFilter& filter, std::span<const std::string> nodes) {
  return decodeChosenEntries(file, index, &filter, nodes);
}

Result<BlockRows> readBlockRows(std::span<const uint8_t> file, const BlockIndex* index, const BlockFilter& filter,
                                std::span<const std::string> nodes) {
  BlockRows out;
  auto header = visitChosenEntries(file, index, &filter, nodes, CorruptionNotes{out.corrupt_entries, out.first_error},
                                   [&](std::span<const uint8_t> stored, uint64_t crc) -> Status {
                                     auto rows = internal::parseEntry(stored, crc, &filter, out.samples);
                                     if (!rows) return rows.error();
                                     if (auto* node = std::get_if<NodeRows>(&*rows))
                                       out.nodes.push_back(std::move(*node));
                                     if (auto* pod = std::get_if<PodRows>(&*rows))
                                       out.pods.push_back(std::move(*pod));
                                     return {};
                                   });
  if (!header) return header.error();
  return out;
}

Result<std::optional<AggregateRows>> readAggregateRows(std::span<const uint8_t> file, const BlockIndex& index,
                                                       const ObjectKey& key) {
  if (!index.node(kPreaggregatedMarker)) return makeError(ErrorCode::kNotFound, "a block without aggregate entries");
  BlockFilter filter;
  filter.aggregate = aggregateIndexName(key);
  const auto ref = index.node(filter.aggregate);
  if (!ref) return std::optional<AggregateRows>();
  auto entry = entryAt(file, *ref);
  if (!entry) return entry.error();
  size_t samples = 0;
  auto rows = internal::parseEntry(entry->first, entry->second, &filter, samples);
  if (!rows) return rows.error();
  auto* aggregate = std::get_if<AggregateRows>(&*rows);
  if (aggregate == nullptr) return corrupt("the index names an aggregate entry that is not one");
  return std::optional<AggregateRows>(std::move(*aggregate));
}

Result<BlockIndex> BlockIndex::parse(std::span<const uint8_t> file) {
  auto header = decodeBlockHeader(file);
  if (!header) return header.error();
  if (header->version < 2) return makeError(ErrorCode::kNotFound, "a version-1 block has no series index");
  ByteCursor header_in(file, "block");
  (void)readHeader(header_in);
  (void)header_in.fixed("header checksum", 4);
  auto trailer = readTrailer(file, header_in.position());
  if (!trailer) return corrupt("unusable index trailer");
  const auto index = file.subspan(trailer->index_offset, file.size() - kTrailerBytes - trailer->index_offset);
  if (crc32c(index) != trailer->index_crc) return corrupt("index checksum mismatch");
  if (index.size() < kIndexHeadBytes) return corrupt("index shorter than its counts");
  BlockIndex out;
  out.string_count_ = load32(index.data());
  out.node_count_ = load32(index.data() + 4);
  out.pod_count_ = load32(index.data() + 8);
  const uint64_t string_bytes = load32(index.data() + 12);
  // 64-bit sums of 32-bit counts: no overflow; the sizes must add up to the index exactly.
  const uint64_t need = kIndexHeadBytes + 4 * (uint64_t{out.string_count_} + 1) + string_bytes +
                        kNodeRecordBytes * uint64_t{out.node_count_} + (kPodRecordBytes + 4) * uint64_t{out.pod_count_};
  if (need != index.size()) return corrupt("index sizes disagree with its length");
  if (uint64_t{out.node_count_} + out.pod_count_ != trailer->entry_count) return corrupt("index entry count mismatch");
  size_t at = kIndexHeadBytes;
  auto take = [&](uint64_t n) {
    auto part = index.subspan(at, n);
    at += n;
    return part;
  };
  out.offsets_ = take(4 * (uint64_t{out.string_count_} + 1));
  out.strings_ = take(string_bytes);
  out.node_records_ = take(kNodeRecordBytes * uint64_t{out.node_count_});
  // Aggregate entries are listed among the nodes under names starting with \x01, which sort first.
  while (out.aggregate_count_ < out.node_count_) {
    const std::string_view name = out.stringAt(load32(out.node_records_.data() + kNodeRecordBytes * out.aggregate_count_));
    if (name.empty() || name.front() != kPreaggregatedMarker.front()) break;
    ++out.aggregate_count_;
  }
  out.pod_records_ = take(kPodRecordBytes * uint64_t{out.pod_count_});
  out.deployment_order_ = take(4 * uint64_t{out.pod_count_});
  return out;
}

std::string_view BlockIndex::stringAt(uint32_t id) const {
  if (id >= string_count_) return {};  // a bad id reads as no name: never outside the index
  const uint32_t begin = load32(offsets_.data() + 4 * size_t{id});
  const uint32_t end = load32(offsets_.data() + 4 * (size_t{id} + 1));
  if (begin > end || end > strings_.size()) return {};
  return {reinterpret_cast<const char*>(strings_.data()) + begin, end - begin};
}

std::optional<uint32_t> BlockIndex::findString(std::string_view text) const {
  size_t lo = 0;
  size_t hi = string_count_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (stringAt(static_cast<uint32_t>(mid)) < text)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < string_count_ && stringAt(static_cast<uint32_t>(lo)) == text) return static_cast<uint32_t>(lo);
  return std::nullopt;
}

uint32_t BlockIndex::podField(size_t record, size_t field) const {
  return load32(pod_records_.data() + kPodRecordBytes * record + 4 * field);
}

IndexedPod BlockIndex::podAt(size_t record) const {
  const uint8_t* r = pod_records_.data() + kPodRecordBytes * record;
  return IndexedPod{stringAt(load32(r)),      stringAt(load32(r + 4)),
                    stringAt(load32(r + 8)),  stringAt(load32(r + 12)),
                    stringAt(load32(r + 16)), BlockEntryRef{load64(r + 20), load32(r + 28)}};
}

std::optional<BlockEntryRef> BlockIndex::node(std::string_view name) const {
  const auto id = findString(name);
  if (!id) return std::nullopt;
  size_t lo = 0;
  size_t hi = node_count_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (load32(node_records_.data() + kNodeRecordBytes * mid) < *id)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == node_count_) return std::nullopt;
  const uint8_t* r = node_records_.data() + kNodeRecordBytes * lo;
  if (load32(r) != *id) return std::nullopt;
  return BlockEntryRef{load64(r + 4), load32(r + 12)};
}

std::vector<IndexedPod> BlockIndex::pods(const BlockFilter& filter) const {
  std::vector<IndexedPod> out;
  std::optional<uint32_t> node_id;
  if (!filter.node.empty()) {
    node_id = findString(filter.node);
    if (!node_id) return out;
  }
  // [lo, hi) of the records (or of the deployment order) whose leading ids equal `key`.
  auto range = [&](size_t count, auto&& record_of, std::span<const uint32_t> key, std::span<const size_t> fields) {
    auto less = [&](size_t i) {  // record i sorts before key
      for (size_t f = 0; f < key.size(); ++f) {
        const uint32_t v = podField(record_of(i), fields[f]);
        if (v != key[f]) return v < key[f];
      }
      return false;
    };
    auto greater = [&](size_t i) {
      for (size_t f = 0; f < key.size(); ++f) {
        const uint32_t v = podField(record_of(i), fields[f]);
        if (v != key[f]) return v > key[f];
      }
      return false;
    };
    size_t lo = 0;
    size_t hi = count;
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (less(mid)) lo = mid + 1; else hi = mid;
    }
    size_t end_lo = lo;
    size_t end_hi = count;
    while (end_lo < end_hi) {
      const size_t mid = end_lo + (end_hi - end_lo) / 2;
      if (!greater(mid)) end_lo = mid + 1; else end_hi = mid;
    }
    return std::pair{lo, end_lo};
  };
  auto direct = [](size_t i) { return i; };
  auto by_deployment = [&](size_t i) {
    const uint32_t record = load32(deployment_order_.data() + 4 * i);
    return record < pod_count_ ? record : 0;  // a bad number reads as the first record, never outside
  };
  auto add = [&](size_t record) {
    if (node_id && podField(record, 4) != *node_id) return;
    out.push_back(podAt(record));
  };
  if (filter.namespace_name.empty()) {
    for (size_t i = 0; i < pod_count_; ++i) add(i);
  } else {
    const auto ns = findString(filter.namespace_name);
    if (!ns) return out;
    if (!filter.deployment.empty()) {
      const auto deployment = findString(filter.deployment);
      if (!deployment) return out;
      const uint32_t key[] = {*ns, *deployment};
      const size_t fields[] = {0, 3};
      const auto [lo, hi] = range(pod_count_, by_deployment, key, fields);
      for (size_t i = lo; i < hi; ++i) {
        if (filter.pod_name.empty() || podAt(by_deployment(i)).name == filter.pod_name) add(by_deployment(i));
      }
    } else if (!filter.pod_name.empty()) {
      const auto name = findString(filter.pod_name);
      if (!name) return out;
      const uint32_t key[] = {*ns, *name};
      const size_t fields[] = {0, 1};
      const auto [lo, hi] = range(pod_count_, direct, key, fields);
      for (size_t i = lo; i < hi; ++i) add(i);
    } else {
      const uint32_t key[] = {*ns};
      const size_t fields[] = {0};
      const auto [lo, hi] = range(pod_count_, direct, key, fields);
      for (size_t i = lo; i < hi; ++i) add(i);
    }
  }
  std::sort(out.begin(), out.end(), [](const IndexedPod& a, const IndexedPod& b) { return a.entry.offset < b.entry.offset; });
  return out;
}

Result<MappedFile> MappedFile::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errnoError(errno, "cannot open", path.string());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Error error = errnoError(errno, "cannot stat", path.string());
    ::close(fd);
    return error;
  }
  MappedFile out;
  if (st.st_size > 0) {
    void* data = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      Error error = errnoError(errno, "cannot map", path.string());
      ::close(fd);
      return error;
    }
    out.data_ = static_cast<const uint8_t*>(data);
    out.size_ = static_cast<size_t>(st.st_size);
  }
  ::close(fd);  // the mapping keeps the file
  return out;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

Status writeFileDurably(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  const std::filesystem::path temp = path.string() + ".tmp";
  auto fail = [&](std::string_view what, const std::filesystem::path& subject) {
    const int err = errno;
    if (err == ENOSPC)
      return makeError(ErrorCode::kIo, std::string(what) + ": no space left on device", subject.string());
    return errnoError(err, what, subject.string());
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot create the block file", temp);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      Error error = fail("cannot write the block file", temp);
      ::close(fd);
      ::unlink(temp.c_str());
      return error;
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd) != 0) {
    Error error = fail("cannot sync the block file", temp);
    ::close(fd);
    ::unlink(temp.c_str());
    return error;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Error error = fail("cannot rename the block file into place", path);
    ::unlink(temp.c_str());
    return error;
  }
  // The rename itself must survive a power loss before the WAL it replaces is truncated.
  const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return fail("cannot open the data directory", path.parent_path());
  const int rc = ::fsync(dir);
  ::close(dir);
  if (rc != 0) return fail("cannot sync the data directory", path.parent_path());
  return {};
}

Result<std::vector<uint8_t>> readWholeFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errnoError(errno, "cannot open", path.string());
  std::vector<uint8_t> out;
  uint8_t buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error error = errnoError(errno, "cannot read", path.string());
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    out.insert(out.end(), buffer, buffer + n);
  }
  ::close(fd);
  return out;
}

}  // namespace kubemonitor::tsdb
