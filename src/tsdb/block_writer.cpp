#include "tsdb/block_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "common/compression.h"
#include "tsdb/aggregate_rows.h"
#include "tsdb/block_entry.h"
#include "tsdb/byte_codec.h"
#include "tsdb/chunk.h"
#include "tsdb/crc32c.h"
#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb {
namespace internal {

// What the series index lists of one entry (written by encodeNode, sorted by putIndex).
struct IndexRecord {
  bool pod = false;
  std::string node, namespace_name, name, uid, deployment;
  BlockEntryRef entry;
};

}  // namespace internal

namespace {

using internal::IndexRecord;
using internal::kBlockMagic;
using internal::kBlockTrailerMagic;
using internal::kNodeEntry;
using internal::kNodeFields;
using internal::kPodFields;
using internal::kZstdEntry;
using model::NodeUsage;
using model::PodUsage;
using model::Report;

// Entries go to the file in pieces of about this much (bytes): few writes, little memory.
constexpr size_t kFlushBytes = 4 << 20;

void putChunk(std::vector<uint8_t>& out, ChunkEncoder& encoder) {
  const std::vector<uint8_t> chunk = encoder.finish();
  putVarint(out, chunk.size());
  out.insert(out.end(), chunk.begin(), chunk.end());
}

// A pod series of one node: its identity (views into the reports), ordered as the block stores them.
using PodIdentity = std::tuple<std::string_view, std::string_view, std::string_view, std::string_view>;  // ns, name, uid, deployment

Status appendSample(ChunkEncoder& encoder, int64_t ts_ms, Value value, size_t& samples) {
  if (auto status = encoder.append(ts_ms, value); !status) return status;
  ++samples;
  return {};
}

// Entries are zstd-compressed whole when that is smaller: the chunks of one series repeat the same
// timestamp column (one per field), which zstd finds across chunks and a chunk alone cannot.
BlockEntryRef putEntry(std::vector<uint8_t>& out, uint64_t base, const std::vector<uint8_t>& entry, int zstd_level) {
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
  return BlockEntryRef{base + start, out.size() - start};
}


// The node entry of one node's reports: timestamps increasing, `usage[k]` at `timestamps_ms[k]`.
Status encodeNodeEntry(std::vector<uint8_t>& out, uint64_t base, std::string_view node,
                       std::span<const int64_t> timestamps_ms, std::span<const int64_t> intervals_ms,
                       std::span<const NodeUsage* const> usage, size_t& samples, std::vector<IndexRecord>& index,
                       int zstd_level) {
  std::vector<uint8_t> entry;
  entry.push_back(kNodeEntry);
  putString(entry, node);
  ChunkEncoder intervals(ValueKind::kUint64);
  for (size_t k = 0; k < timestamps_ms.size(); ++k) {
    if (auto s = intervals.append(timestamps_ms[k], Value::ofUint64(zigzagEncode(intervals_ms[k]))); !s) return s;
  }
  putChunk(entry, intervals);
  for (const auto& member : kNodeFields) {
    const bool is_double = std::holds_alternative<double NodeUsage::*>(member);
    ChunkEncoder encoder(is_double ? ValueKind::kDouble : ValueKind::kUint64);
    for (size_t k = 0; k < timestamps_ms.size(); ++k) {
      const Value value = std::visit(
          [&](auto m) {
            if constexpr (std::is_same_v<decltype(m), double NodeUsage::*>)
              return Value::ofDouble(usage[k]->*m);
            else
              return Value::ofUint64(usage[k]->*m);
          },
          member);
      if (auto s = appendSample(encoder, timestamps_ms[k], value, samples); !s) return s;
    }
    putChunk(entry, encoder);
  }
  index.push_back(IndexRecord{false, std::string(node), {}, {}, {}, {}, putEntry(out, base, entry, zstd_level)});
  return {};
}

// The entry of one pod series of `node`: its labels from `identity` (the pod's newest appearance
// in the block: they change only with the pod spec's QoS or owner, which Kubernetes does not
// change in place), its values at each appearance (timestamps increasing).
Status encodePodEntry(std::vector<uint8_t>& out, uint64_t base, std::string_view node, const PodUsage& identity,
                      std::span<const PodAppearance> appearances, size_t& samples, std::vector<IndexRecord>& index,
                      int zstd_level) {
  std::vector<uint8_t> entry;
  entry.push_back(internal::kPodEntryV2);
  putString(entry, node);
  putString(entry, identity.uid);
  putString(entry, identity.name);
  putString(entry, identity.namespace_name);
  putString(entry, identity.deployment);
  for (const auto label : internal::kPodLabelsV2) putString(entry, identity.*label);
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
  std::map<std::string_view, std::vector<std::pair<int64_t, const model::ContainerUsage*>>> containers;
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
  index.push_back(IndexRecord{true, std::string(node), identity.namespace_name, identity.name, identity.uid,
                              identity.deployment, putEntry(out, base, entry, zstd_level)});
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

// The aggregate entries of `rows` and the marker entry that says the block has them.
Status encodeAggregates(std::vector<uint8_t>& out, uint64_t base, const std::vector<AggregateRows>& aggregates,
                        std::vector<IndexRecord>& index, int zstd_level) {
  std::vector<uint8_t> entry;
  for (const AggregateRows& rows : aggregates) {
    entry.clear();
    entry.push_back(internal::kAggregateEntry);
    std::string name = aggregateIndexName(rows.key);
    putString(entry, name);
    if (auto s = encodeAggregate(entry, rows); !s) return s;
    index.push_back(IndexRecord{false, std::move(name), {}, {}, {}, {}, putEntry(out, base, entry, zstd_level)});
  }
  entry.clear();
  entry.push_back(internal::kAggregateEntry);
  putString(entry, kPreaggregatedMarker);
  index.push_back(
      IndexRecord{false, std::string(kPreaggregatedMarker), {}, {}, {}, {}, putEntry(out, base, entry, zstd_level)});
  return {};
}

// Appends the series index of `records` and the trailer (layout in block.h).
Status putIndex(std::vector<uint8_t>& out, uint64_t base, const std::vector<IndexRecord>& records) {
  out.push_back(0);  // end of entries: a zero length, which no entry has (a scan without the trailer stops here)
  const uint64_t index_offset = base + out.size();
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
  trailer.insert(trailer.end(), std::begin(kBlockTrailerMagic), std::end(kBlockTrailerMagic));
  out.insert(out.end(), trailer.begin(), trailer.end());
  return {};
}

Error fileError(int err, std::string_view what, const std::filesystem::path& subject) {
  if (err == ENOSPC) return makeError(ErrorCode::kIo, std::string(what) + ": no space left on device", subject.string());
  return errnoError(err, what, subject.string());
}

}  // namespace

Result<DurableFileWriter> DurableFileWriter::create(std::filesystem::path path) {
  const std::filesystem::path temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fileError(errno, "cannot create the block file", temp);
  return DurableFileWriter(std::move(path), fd);
}

DurableFileWriter::DurableFileWriter(std::filesystem::path path, int fd)
    : path_(std::move(path)), temp_(path_.string() + ".tmp"), fd_(fd) {}

DurableFileWriter::DurableFileWriter(DurableFileWriter&& other) noexcept
    : path_(std::move(other.path_)), temp_(std::move(other.temp_)), fd_(std::exchange(other.fd_, -1)) {}

DurableFileWriter::~DurableFileWriter() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temp_.c_str());
}

Status DurableFileWriter::append(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return makeError(ErrorCode::kInternal, "block file already committed or failed", temp_.string());
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fileError(n == 0 ? ENOSPC : errno, "cannot write the block file", temp_);
    done += static_cast<size_t>(n);
  }
  return {};
}

Status DurableFileWriter::commit() {
  if (fd_ < 0) return makeError(ErrorCode::kInternal, "block file already committed or failed", temp_.string());
  if (::fdatasync(fd_) != 0) return fileError(errno, "cannot sync the block file", temp_);
  ::close(std::exchange(fd_, -1));
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    Error error = fileError(errno, "cannot rename the block file into place", path_);
    ::unlink(temp_.c_str());
    return error;
  }
  // The rename itself must survive a power loss before the WAL it replaces is truncated.
  const int dir = ::open(path_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return fileError(errno, "cannot open the data directory", path_.parent_path());
  const int rc = ::fsync(dir);
  const int err = errno;
  ::close(dir);
  if (rc != 0) return fileError(err, "cannot sync the data directory", path_.parent_path());
  return {};
}

Status writeFileDurably(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  auto file = DurableFileWriter::create(path);
  if (!file) return file.error();
  if (auto written = file->append(bytes); !written) return written;
  return file->commit();
}

BlockWriter::BlockWriter(const BlockHeader& header, int zstd_level, std::unique_ptr<DurableFileWriter> file,
                         uint8_t version)
    : file_(std::move(file)), version_(version), zstd_level_(zstd_level) {
  pending_.assign(std::begin(kBlockMagic), std::end(kBlockMagic));
  pending_.push_back(version);
  putVarint(pending_, header.first_lsn);
  putVarint(pending_, header.last_lsn);
  putVarint(pending_, zigzagEncode(header.min_ts_ms));
  putVarint(pending_, zigzagEncode(header.max_ts_ms));
  putFixed32(pending_, crc32c(pending_));
}

BlockWriter::~BlockWriter() = default;

Status BlockWriter::addNode(std::span<const Report* const> reports) {
  if (reports.empty()) return {};
  if (reports.size() > kMaxChunkSamples) {
    return makeError(ErrorCode::kTooLarge, "block would hold more than " + std::to_string(kMaxChunkSamples) +
                                               " reports of node " + reports.front()->node);
  }
  std::vector<int64_t> timestamps_ms, intervals_ms;
  std::vector<const NodeUsage*> usage;
  for (const Report* r : reports) {
    timestamps_ms.push_back(r->timestamp_ms);
    intervals_ms.push_back(r->interval_ms);
    usage.push_back(&r->node_usage);
  }
  const std::string_view node = reports.front()->node;
  if (auto s = addNodeEntry(node, timestamps_ms, intervals_ms, usage); !s) return s;
  // Pod series: every pod's appearances, in (identity, timestamp) order.
  std::map<PodIdentity, std::vector<PodAppearance>> pods;
  for (const Report* r : reports) {
    for (const PodUsage& pod : r->pods) {
      auto& appearances = pods[PodIdentity{pod.namespace_name, pod.name, pod.uid, pod.deployment}];
      // The same identity twice in one report cannot be told apart later: the first one stays.
      if (appearances.empty() || appearances.back().timestamp_ms != r->timestamp_ms)
        appearances.push_back(PodAppearance{r->timestamp_ms, &pod});
    }
  }
  for (const auto& [identity, appearances] : pods) {
    if (auto s = addPodEntry(node, *appearances.back().usage, appearances); !s) return s;
  }
  return {};
}

Status BlockWriter::addNodeEntry(std::string_view node, std::span<const int64_t> timestamps_ms,
                                 std::span<const int64_t> intervals_ms, std::span<const NodeUsage* const> usage) {
  if (auto s = encodeNodeEntry(pending_, flushed_bytes_, node, timestamps_ms, intervals_ms, usage, samples_, index_,
                               zstd_level_);
      !s)
    return s;
  if (version_ >= 2) aggregates_.beginNode(node, timestamps_ms, intervals_ms, usage);
  return flushIfLarge(kFlushBytes);
}

Status BlockWriter::addPodEntry(std::string_view node, const PodUsage& identity,
                                std::span<const PodAppearance> appearances) {
  if (auto s = encodePodEntry(pending_, flushed_bytes_, node, identity, appearances, samples_, index_, zstd_level_); !s)
    return s;
  if (version_ >= 2) {
    for (const PodAppearance& appearance : appearances) aggregates_.addPod(appearance.timestamp_ms, identity, *appearance.usage);
  }
  return flushIfLarge(kFlushBytes);
}

Status BlockWriter::flushIfLarge(size_t threshold_bytes) {
  if (!file_ || pending_.size() < threshold_bytes) return {};
  if (auto written = file_->append(pending_); !written) return written;
  flushed_bytes_ += pending_.size();
  pending_.clear();
  return {};
}

Result<std::vector<uint8_t>> BlockWriter::finish() {
  if (version_ >= 2) {
    // Pre-aggregated namespaces and deployments (aggregate_rows.h) after the nodes, found through
    // the index like them. Their values are derived: they add bytes, not samples.
    if (auto s = encodeAggregates(pending_, flushed_bytes_, aggregates_.finish(), index_, zstd_level_); !s)
      return s.error();
    if (auto s = putIndex(pending_, flushed_bytes_, index_); !s) return s.error();
  }
  if (!file_) return std::move(pending_);
  if (auto flushed = flushIfLarge(0); !flushed) return flushed.error();
  if (auto committed = file_->commit(); !committed) return committed.error();
  return std::vector<uint8_t>{};
}

BlockHeader blockHeaderFor(uint64_t first_lsn, uint64_t last_lsn, std::span<const model::Report> reports) {
  BlockHeader h{first_lsn, last_lsn, INT64_MAX, INT64_MIN};
  for (const auto& r : reports) {
    h.min_ts_ms = std::min(h.min_ts_ms, r.timestamp_ms);
    h.max_ts_ms = std::max(h.max_ts_ms, r.timestamp_ms);
  }
  if (reports.empty()) h.min_ts_ms = h.max_ts_ms = 0;
  return h;
}

Result<std::vector<uint8_t>> encodeBlock(const BlockHeader& header, std::span<const Report> reports, size_t* samples,
                                         uint8_t version, int zstd_level) {
  if (version != 1 && version != kBlockFormatVersion) {
    return makeError(ErrorCode::kInvalidArgument, "unknown block version " + std::to_string(version));
  }
  BlockWriter writer(header, zstd_level, nullptr, version);
  // Group by node, each sorted by timestamp, without copying the reports.
  std::vector<const Report*> order;
  order.reserve(reports.size());
  for (const Report& r : reports) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(), [](const Report* a, const Report* b) {
    return std::tie(a->node, a->timestamp_ms) < std::tie(b->node, b->timestamp_ms);
  });
  std::vector<const Report*> group;
  for (size_t i = 0; i < order.size();) {
    group.clear();
    size_t j = i;
    for (; j < order.size() && order[j]->node == order[i]->node; ++j) {
      // The same (node, timestamp) twice: the first one in `reports` stays.
      if (group.empty() || group.back()->timestamp_ms != order[j]->timestamp_ms) group.push_back(order[j]);
    }
    if (auto s = writer.addNode(group); !s) return s.error();
    i = j;
  }
  auto bytes = writer.finish();
  if (bytes && samples != nullptr) *samples = writer.samples();
  return bytes;
}

}  // namespace kubemonitor::tsdb
