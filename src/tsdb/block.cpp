#include "tsdb/block.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <tuple>

#include "common/compression.h"
#include "tsdb/bit_stream.h"
#include "tsdb/byte_codec.h"
#include "tsdb/chunk.h"
#include "tsdb/crc32c.h"
#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb {
namespace {

using internal::kNodeFields;
using internal::kPodFields;
using model::NodeUsage;
using model::PodUsage;
using model::Report;

constexpr uint8_t kMagic[4] = {'K', 'M', 'B', 'K'};
constexpr uint8_t kVersion = 1;
constexpr uint8_t kNodeEntry = 1;
constexpr uint8_t kPodEntry = 2;
constexpr uint8_t kZstdEntry = 0x80;  // the rest of the entry is a zstd frame of a node or pod entry
constexpr int kEntryZstdLevel = 9;
constexpr size_t kMaxEntryBytes = 64 << 20;  // inflated; bounds what a corrupt frame may allocate
constexpr size_t kMaxNameBytes = 4096;

Error corrupt(std::string message) { return makeError(ErrorCode::kParse, "corrupt block: " + std::move(message)); }

void putChunk(std::vector<uint8_t>& out, ChunkEncoder& encoder) {
  const std::vector<uint8_t> chunk = encoder.finish();
  putVarint(out, chunk.size());
  out.insert(out.end(), chunk.begin(), chunk.end());
}

Result<DecodedChunk> readChunk(ByteCursor& in) {
  auto size = in.varint("chunk length");
  if (!size) return size.error();
  auto bytes = in.bytes("chunk", *size);
  if (!bytes) return bytes.error();
  return decodeChunk(*bytes);
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
void putEntry(std::vector<uint8_t>& out, const std::vector<uint8_t>& entry) {
  const std::string packed =
      compressZstd(std::string_view(reinterpret_cast<const char*>(entry.data()), entry.size()), kEntryZstdLevel);
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
}

// Encodes one node's reports (sorted by timestamp) as a node entry and one entry per pod series.
Status encodeNode(std::vector<uint8_t>& out, std::span<const Report> reports, size_t& samples) {
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
  putEntry(out, entry);

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
    entry.push_back(kPodEntry);
    putString(entry, reports.front().node);
    putString(entry, std::get<2>(identity));
    putString(entry, std::get<1>(identity));
    putString(entry, std::get<0>(identity));
    putString(entry, std::get<3>(identity));
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
    // Containers: per name, its CPU and working set at the reports that listed it.
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
      ChunkEncoder cpu(ValueKind::kDouble);
      ChunkEncoder memory(ValueKind::kUint64);
      for (const auto& [ts, c] : list) {
        if (auto s = appendSample(cpu, ts, Value::ofDouble(c->usage.cpu_millicores), samples); !s) return s;
        if (auto s = appendSample(memory, ts, Value::ofUint64(c->usage.memory_working_set_bytes), samples); !s)
          return s;
      }
      putChunk(entry, cpu);
      putChunk(entry, memory);
    }
    putEntry(out, entry);
  }
  return {};
}

// Decodes a chunk that must carry exactly the timestamps of `expected` (when given).
Result<DecodedChunk> readColumn(ByteCursor& in, ValueKind kind) {
  auto chunk = readChunk(in);
  if (!chunk) return chunk.error();
  if (chunk->info.kind != kind) return corrupt("chunk of the wrong value kind");
  return chunk;
}

using NodeReports = std::map<int64_t, Report>;  // by timestamp

Status decodeNodeEntry(ByteCursor& in, std::map<std::string, NodeReports, std::less<>>& nodes, size_t& samples,
                       const BlockFilter* filter) {
  auto node = in.string("node", kMaxNameBytes);
  if (!node) return node.error();
  if (filter != nullptr && !filter->node.empty() && *node != filter->node) return {};
  auto intervals = readColumn(in, ValueKind::kUint64);
  if (!intervals) return intervals.error();
  NodeReports reports;
  for (const Sample& s : intervals->samples) {
    Report& r = reports[s.ts_ms];
    r.node = *node;
    r.timestamp_ms = s.ts_ms;
    r.interval_ms = zigzagDecode(s.value.asUint64());
  }
  for (const auto& member : kNodeFields) {
    const bool is_double = std::holds_alternative<double NodeUsage::*>(member);
    auto column = readColumn(in, is_double ? ValueKind::kDouble : ValueKind::kUint64);
    if (!column) return column.error();
    if (column->samples.size() != reports.size()) return corrupt("node column of another length");
    auto it = reports.begin();
    for (const Sample& s : column->samples) {
      if (s.ts_ms != it->first) return corrupt("node column with other timestamps");
      std::visit(
          [&](auto m) {
            using T = std::remove_reference_t<decltype(it->second.node_usage.*m)>;
            if constexpr (std::is_same_v<T, double>)
              it->second.node_usage.*m = s.value.asDouble();
            else
              it->second.node_usage.*m = static_cast<T>(s.value.asUint64());
          },
          member);
      ++it;
    }
  }
  if (in.remaining() != 0) return corrupt("stray bytes in a node entry");
  samples += reports.size() * kNodeFields.size();
  auto& into = nodes[*node];
  for (auto& [ts, r] : reports) into.insert_or_assign(ts, std::move(r));
  return {};
}

Status decodePodEntry(ByteCursor& in, std::map<std::string, NodeReports, std::less<>>& nodes, size_t& samples,
                      const BlockFilter* filter) {
  auto node = in.string("node", kMaxNameBytes);
  if (!node) return node.error();
  if (filter != nullptr && !filter->node.empty() && *node != filter->node) return {};
  PodUsage pod;
  for (std::string* text : {&pod.uid, &pod.name, &pod.namespace_name, &pod.deployment}) {
    auto s = in.string("pod label", kMaxNameBytes);
    if (!s) return s.error();
    *text = std::move(*s);
  }
  if (filter != nullptr && !filter->namespace_name.empty() && pod.namespace_name != filter->namespace_name) return {};
  if (filter != nullptr && filter->identity_only) {
    // Only which reports listed the pod (a node's pod count): the first column's timestamps.
    auto column = readColumn(in, kPodFields.front().as_double != nullptr ? ValueKind::kDouble : ValueKind::kUint64);
    if (!column) return column.error();
    auto node_it = nodes.find(*node);
    if (node_it == nodes.end()) return corrupt("pod entry of a node without a valid node entry");
    for (const Sample& s : column->samples) {
      if (auto report = node_it->second.find(s.ts_ms); report != node_it->second.end()) report->second.pods.push_back(pod);
    }
    return {};
  }
  // Every column carries the timestamps of the first, in the same order: matched by position,
  // not looked up (a restart decodes every pod of every block through here).
  std::vector<int64_t> timestamps;
  std::vector<PodUsage> by_ts;
  for (const auto& field : kPodFields) {
    auto column = readColumn(in, field.as_double != nullptr ? ValueKind::kDouble : ValueKind::kUint64);
    if (!column) return column.error();
    const bool first = &field == &kPodFields.front();
    if (first) {
      timestamps.reserve(column->samples.size());
      for (const Sample& s : column->samples) timestamps.push_back(s.ts_ms);  // strictly increasing (decodeChunk)
      by_ts.assign(timestamps.size(), pod);
    } else if (column->samples.size() != by_ts.size()) {
      return corrupt("pod column of another length");
    }
    for (size_t k = 0; k < column->samples.size(); ++k) {
      const Sample& s = column->samples[k];
      if (s.ts_ms != timestamps[k]) return corrupt("pod column with other timestamps");
      if (field.as_double != nullptr)
        *field.as_double(by_ts[k]) = s.value.asDouble();
      else
        *field.as_uint(by_ts[k]) = s.value.asUint64();
    }
  }
  auto container_count = in.varint("container count");
  if (!container_count) return container_count.error();
  if (*container_count > in.remaining()) return corrupt("container count exceeds the entry");
  for (uint64_t i = 0; i < *container_count; ++i) {
    auto name = in.string("container name", kMaxNameBytes);
    if (!name) return name.error();
    auto cpu = readColumn(in, ValueKind::kDouble);
    if (!cpu) return cpu.error();
    auto memory = readColumn(in, ValueKind::kUint64);
    if (!memory) return memory.error();
    if (cpu->samples.size() != memory->samples.size()) return corrupt("container columns of different lengths");
    size_t at = 0;  // both lists are in time order: one forward walk
    for (size_t k = 0; k < cpu->samples.size(); ++k) {
      const int64_t ts = cpu->samples[k].ts_ms;
      while (at < timestamps.size() && timestamps[at] < ts) ++at;
      if (at == timestamps.size() || timestamps[at] != ts || memory->samples[k].ts_ms != ts) {
        return corrupt("container column with other timestamps");
      }
      model::ContainerUsage c;
      c.name = *name;
      c.usage.cpu_millicores = cpu->samples[k].value.asDouble();
      c.usage.memory_working_set_bytes = memory->samples[k].value.asUint64();
      by_ts[at].containers.push_back(std::move(c));
    }
    samples += 2 * cpu->samples.size();
  }
  if (in.remaining() != 0) return corrupt("stray bytes in a pod entry");
  auto node_it = nodes.find(*node);
  // Its node's entry comes first in a block; without it (corrupt), the pod has no report to join.
  if (node_it == nodes.end()) return corrupt("pod entry of a node without a valid node entry");
  samples += by_ts.size() * kPodFields.size();
  auto report = node_it->second.begin();
  for (size_t k = 0; k < by_ts.size(); ++k) {
    while (report != node_it->second.end() && report->first < timestamps[k]) ++report;
    if (report != node_it->second.end() && report->first == timestamps[k])
      report->second.pods.push_back(std::move(by_ts[k]));
  }
  return {};
}

Result<BlockHeader> readHeader(ByteCursor& in) {
  auto magic = in.bytes("magic", 4);
  if (!magic) return magic.error();
  if (!std::equal(magic->begin(), magic->end(), std::begin(kMagic))) return corrupt("bad magic");
  auto version = in.byte("version");
  if (!version) return version.error();
  if (*version != kVersion) return corrupt("unknown version " + std::to_string(*version));
  BlockHeader h;
  auto first = in.varint("first lsn");
  if (!first) return first.error();
  auto last = in.varint("last lsn");
  if (!last) return last.error();
  auto min_ts = in.varint("min timestamp");
  if (!min_ts) return min_ts.error();
  auto max_ts = in.varint("max timestamp");
  if (!max_ts) return max_ts.error();
  h = BlockHeader{*first, *last, zigzagDecode(*min_ts), zigzagDecode(*max_ts)};
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

Result<std::vector<uint8_t>> encodeBlock(const BlockHeader& header, std::span<const Report> reports, size_t* samples) {
  std::vector<uint8_t> out(std::begin(kMagic), std::end(kMagic));
  out.push_back(kVersion);
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
    if (auto s = encodeNode(out, group, count); !s) return s.error();
    i = j;
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

Result<BlockContents> decodeBlock(std::span<const uint8_t> bytes, const BlockFilter* filter) {
  auto header = decodeBlockHeader(bytes);
  if (!header) return header.error();
  BlockContents out;
  out.header = *header;
  ByteCursor in(bytes, "block");
  (void)readHeader(in);
  (void)in.fixed("header checksum", 4);
  std::map<std::string, NodeReports, std::less<>> nodes;
  auto note = [&](const Error& error) {
    ++out.corrupt_entries;
    if (out.first_error.empty()) out.first_error = error.toString();
  };
  while (in.remaining() > 0) {
    auto size = in.varint("entry length");
    auto entry = size ? in.bytes("entry", *size) : Result<std::span<const uint8_t>>(size.error());
    auto crc = entry ? in.fixed("entry checksum", 4) : Result<uint64_t>(entry.error());
    if (!crc) {
      note(crc.error());  // the length itself is unusable: nothing after it can be found
      break;
    }
    if (*crc != crc32c(*entry)) {
      note(corrupt("entry checksum mismatch at offset " + std::to_string(in.position())));
      continue;
    }
    std::string inflated;
    std::span<const uint8_t> plain = *entry;
    if (!entry->empty() && (*entry)[0] == kZstdEntry) {
      auto unpacked = decompress(ContentEncoding::kZstd,
                                 std::string_view(reinterpret_cast<const char*>(entry->data() + 1), entry->size() - 1),
                                 kMaxEntryBytes);
      if (!unpacked) {
        note(unpacked.error());
        continue;
      }
      inflated = std::move(*unpacked);
      plain = std::span(reinterpret_cast<const uint8_t*>(inflated.data()), inflated.size());
    }
    ByteCursor entry_in(plain, "block entry");
    auto type = entry_in.byte("type");
    Status status = !type                 ? Status(type.error())
                    : *type == kNodeEntry ? decodeNodeEntry(entry_in, nodes, out.samples, filter)
                    : *type == kPodEntry  ? decodePodEntry(entry_in, nodes, out.samples, filter)
                                          : Status(corrupt("unknown entry type"));
    if (!status) note(status.error());
  }
  for (auto& [node, reports] : nodes) {
    for (auto& [ts, report] : reports) {
      sortPods(report);  // pod entries come in identity order: usually a no-op check
      out.reports.push_back(std::move(report));
    }
  }
  return out;
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
