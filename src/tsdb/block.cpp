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

#include "tsdb/aggregate_rows.h"
#include "tsdb/block_entry.h"
#include "tsdb/byte_codec.h"
#include "tsdb/chunk.h"
#include "tsdb/crc32c.h"
#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb {
namespace {

using internal::kBlockMagic;
using internal::kBlockTrailerBytes;
using internal::kBlockTrailerMagic;
using model::PodUsage;
using model::Report;

constexpr size_t kIndexHeadBytes = 16;
constexpr size_t kNodeRecordBytes = 16;
constexpr size_t kPodRecordBytes = 32;

Error corrupt(std::string message) { return makeError(ErrorCode::kParse, "corrupt block: " + std::move(message)); }

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

// Where a version-2 block's entries end (its index offset), from a trailer whose checksum holds;
// nullopt when the trailer is unusable.
struct Trailer {
  uint64_t index_offset = 0;
  uint32_t entry_count = 0;
  uint32_t index_crc = 0;
};

std::optional<Trailer> readTrailer(std::span<const uint8_t> file, size_t entries_begin) {
  if (file.size() < entries_begin + kBlockTrailerBytes) return std::nullopt;
  const uint8_t* t = file.data() + file.size() - kBlockTrailerBytes;
  if (!std::equal(t + 20, t + 24, std::begin(kBlockTrailerMagic))) return std::nullopt;
  if (load32(t + 16) != crc32c(std::span(t, 16))) return std::nullopt;
  Trailer trailer{load64(t), load32(t + 8), load32(t + 12)};
  if (trailer.index_offset < entries_begin || trailer.index_offset > file.size() - kBlockTrailerBytes) return std::nullopt;
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
  if (!std::equal(magic->begin(), magic->end(), std::begin(kBlockMagic))) return corrupt("bad magic");
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
  const auto index = file.subspan(trailer->index_offset, file.size() - kBlockTrailerBytes - trailer->index_offset);
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

std::vector<std::string_view> BlockIndex::nodeNames() const {
  std::vector<std::string_view> names;
  names.reserve(node_count_ - aggregate_count_);
  for (size_t i = aggregate_count_; i < node_count_; ++i) names.push_back(stringAt(load32(node_records_.data() + kNodeRecordBytes * i)));
  return names;
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

namespace internal {

Result<EntryRows> readEntryAt(std::span<const uint8_t> file, BlockEntryRef ref, const BlockFilter* filter,
                              size_t& samples) {
  auto entry = entryAt(file, ref);
  if (!entry) return entry.error();
  return parseEntry(entry->first, entry->second, filter, samples);
}

}  // namespace internal

}  // namespace kubemonitor::tsdb
