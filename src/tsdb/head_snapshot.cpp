#include "tsdb/head_snapshot.h"

#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <type_traits>

#include "common/compression.h"
#include "tsdb/bit_stream.h"
#include "tsdb/byte_codec.h"
#include "tsdb/crc32c.h"
#include "tsdb/memory_storage.h"
#include "tsdb/report_fields.h"

namespace kubemonitor::tsdb {
namespace {

// Every stored interval came from a report the decoder accepted; a state claiming another is
// corrupt (and would overflow the staleness arithmetic, 3 × interval).
bool validInterval(int64_t interval_ms) { return interval_ms > 0 && interval_ms <= model::kMaxReportIntervalMs; }

constexpr uint8_t kMagic[4] = {'K', 'M', 'S', 'N'};
constexpr uint8_t kSnapshotVersion = 1;
// 2 (issue 14): 30 value words, six pod labels, container values, container series. A version-1
// snapshot is refused, and the head is rebuilt from the blocks once (EngineStats::snapshot_fallbacks).
constexpr uint64_t kStateVersion = 2;
constexpr size_t kMaxNameBytes = 4096;
constexpr size_t kObjectValuesWords = kObjectValueWords;
constexpr uint64_t kMaxInflation = 1000;  // head state bytes per zstd byte, at most
static_assert(kObjectValuesWords == 30, "ObjectValues changed: the snapshot's state version must change with it");

Error corrupt(const std::string& what) { return makeError(ErrorCode::kParse, "head snapshot: " + what); }

// A ByteCursor whose first error sticks: reads after it return zeros, so a decoder checks ok()
// once per element instead of after every field. Counts are checked against the bytes left
// (`count(…, min_bytes_each)`), so a corrupt count never makes a huge allocation.
class StickyReader {
 public:
  explicit StickyReader(std::span<const uint8_t> bytes) : in_(bytes, "head snapshot") {}
  uint64_t varint(std::string_view field) { return take(in_.varint(field)); }
  int64_t zigzag(std::string_view field) { return zigzagDecode(varint(field)); }
  uint8_t byte(std::string_view field) { return take(in_.byte(field)); }
  uint64_t fixed64(std::string_view field) { return take(in_.fixed(field, 8)); }
  double float64(std::string_view field) { return take(in_.float64(field)); }
  std::string string(std::string_view field) { return take(in_.string(field, kMaxNameBytes)); }
  uint64_t count(std::string_view field, size_t min_bytes_each) {
    const uint64_t n = varint(field);
    if (ok() && n > in_.remaining() / min_bytes_each) fail(corrupt(std::string(field) + " exceeds the snapshot"));
    return ok() ? n : 0;
  }
  void fail(Error error) {
    if (!error_) error_ = std::move(error);
  }
  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }
  size_t remaining() const { return in_.remaining(); }

 private:
  template <typename T>
  T take(Result<T> value) {
    if (!ok()) return T{};
    if (!value) {
      fail(value.error());
      return T{};
    }
    return std::move(*value);
  }
  ByteCursor in_;
  std::optional<Error> error_;
};

void putValues(std::vector<uint8_t>& out, const ObjectValues& values) {
  for (uint64_t w : objectValueWords(values)) putFixed64(out, w);
}

ObjectValues readValues(StickyReader& in) {
  std::array<uint64_t, kObjectValueWords> words{};
  for (uint64_t& w : words) w = in.fixed64("values");
  return objectValuesOfWords(words);
}

void putNodeUsage(std::vector<uint8_t>& out, const model::NodeUsage& usage) {
  for (const auto& member : internal::kNodeFields) {
    std::visit(
        [&](auto m) {
          if constexpr (std::is_same_v<decltype(m), double model::NodeUsage::*>) {
            putDouble(out, usage.*m);
          } else {
            putVarint(out, usage.*m);
          }
        },
        member);
  }
}

model::NodeUsage readNodeUsage(StickyReader& in) {
  model::NodeUsage usage;
  for (const auto& member : internal::kNodeFields) {
    std::visit(
        [&](auto m) {
          using T = std::remove_reference_t<decltype(usage.*m)>;
          if constexpr (std::is_same_v<T, double>) {
            usage.*m = in.float64("node field");
          } else {
            const uint64_t v = in.varint("node field");
            if (v > std::numeric_limits<T>::max()) in.fail(corrupt("node field out of range"));
            usage.*m = static_cast<T>(v);
          }
        },
        member);
  }
  return usage;
}

}  // namespace

std::vector<uint8_t> encodeHeadSnapshot(const HeadSnapshot& snapshot) {
  std::vector<uint8_t> out;
  out.reserve(snapshot.head.size() + 64 + snapshot.blocks.size() * 16);
  for (uint8_t b : kMagic) out.push_back(b);
  out.push_back(kSnapshotVersion);
  putVarint(out, snapshot.checkpoint_lsn);
  putVarint(out, zigzagEncode(snapshot.floor_ms));
  putVarint(out, snapshot.blocks.size());
  for (const SnapshotBlock& block : snapshot.blocks) {
    putVarint(out, block.first_lsn);
    putVarint(out, block.last_lsn);
    putVarint(out, block.samples);
  }
  // zstd's fastest level: the head state repeats names and labels, and a smaller file is read
  // back faster at open than the CPU spends inflating it.
  const std::string packed = compressZstd(
      std::string_view(reinterpret_cast<const char*>(snapshot.head.data()), snapshot.head.size()), 1);
  putVarint(out, snapshot.head.size());
  putVarint(out, packed.size());
  out.insert(out.end(), packed.begin(), packed.end());
  putFixed32(out, crc32c(out));
  return out;
}

Result<HeadSnapshot> decodeHeadSnapshot(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof kMagic + 1 + 4) return makeError(ErrorCode::kTruncated, "head snapshot: too short");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return corrupt("bad magic");
  const auto body = bytes.first(bytes.size() - 4);
  ByteCursor crc_in(bytes.last(4), "head snapshot");
  auto stored_crc = crc_in.fixed("checksum", 4);
  if (!stored_crc || *stored_crc != crc32c(body)) return corrupt("checksum mismatch (torn or corrupt)");
  StickyReader in(body.subspan(sizeof kMagic));
  if (in.byte("version") != kSnapshotVersion) return corrupt("unknown version");
  HeadSnapshot snapshot;
  snapshot.checkpoint_lsn = in.varint("checkpoint LSN");
  snapshot.floor_ms = in.zigzag("floor");
  const uint64_t blocks = in.count("block count", 3);
  for (uint64_t i = 0; i < blocks && in.ok(); ++i) {
    SnapshotBlock& block = snapshot.blocks.emplace_back();
    block.first_lsn = in.varint("block first LSN");
    block.last_lsn = in.varint("block last LSN");
    block.samples = in.varint("block samples");
  }
  const uint64_t head_bytes = in.varint("head length");
  const uint64_t packed_bytes = in.varint("packed head length");
  if (!in.ok()) return in.error();
  if (packed_bytes != in.remaining()) return corrupt("head length does not match the file");
  // Bounded inflation: a corrupt length never allocates more than the file could hold.
  if (head_bytes > kMaxInflation * packed_bytes + 4096) return corrupt("head length exceeds the file");
  const auto packed = body.last(packed_bytes);
  auto head = decompress(ContentEncoding::kZstd,
                         std::string_view(reinterpret_cast<const char*>(packed.data()), packed.size()), head_bytes);
  if (!head) return corrupt("head state: " + head.error().message);
  if (head->size() != head_bytes) return corrupt("head state is not of its stated length");
  snapshot.head.assign(head->begin(), head->end());
  return snapshot;
}

void MemoryStorage::saveState(std::vector<uint8_t>& out) const {
  std::shared_lock lock(mutex_);
  putVarint(out, kStateVersion);
  putVarint(out, nodes_.size());
  for (const auto& [name, series] : nodes_) {
    putString(out, name);
    putVarint(out, series.size());
    for (const auto& [ts, sample] : series) {
      putVarint(out, zigzagEncode(ts));
      putVarint(out, zigzagEncode(sample.interval_ms));
      putVarint(out, sample.pod_count);
      putNodeUsage(out, sample.usage);
    }
  }
  putVarint(out, trimmed_times_.size());
  for (const auto& [name, times] : trimmed_times_) {
    putString(out, name);
    putVarint(out, times.runs());
    times.forEachRun([&](int64_t first_ms, int64_t step_ms, uint64_t count) {
      putVarint(out, zigzagEncode(first_ms));
      putVarint(out, zigzagEncode(step_ms));
      putVarint(out, count);
    });
  }
  // The object series a batch at a time, the lock released in between, so that ingest does not
  // wait for the whole head (~115 MB for 66,000 pods took 0.4–0.8 s). The result is fuzzy — later
  // series may hold reports the nodes above do not — which is safe because open() replays every
  // WAL record from the checkpoint on top, and applying a report again replaces its own points,
  // node contributions and sums (MemoryStorage::ingest is idempotent on (node, timestamp)).
  std::vector<uint8_t> objects;
  uint64_t object_count = 0;
  visitInBatches(objects_, lock, [&](const ObjectKey& key, const ObjectSeries& series) {
    putObjectSeries(objects, key, series);
    ++object_count;
  });
  putVarint(out, object_count);
  out.insert(out.end(), objects.begin(), objects.end());
}

void MemoryStorage::putObjectSeries(std::vector<uint8_t>& out, const ObjectKey& key, const ObjectSeries& series) const {
  out.push_back(static_cast<uint8_t>(key.kind));
  putString(out, key.namespace_name);
  putString(out, key.name);
  putVarint(out, series.labels.size());
  for (const PodLabels& labels : series.labels) {
    putString(out, labels.node);
    putString(out, labels.deployment);
    putString(out, labels.uid);
    putString(out, labels.qos_class);
    putString(out, labels.workload_kind);
    putString(out, labels.workload_name);
  }
  putVarint(out, zigzagEncode(series.containers_ms));
  putVarint(out, series.containers.size());
  for (const ContainerSample& c : series.containers) {
    putString(out, c.name);
    putValues(out, c.values);
  }
  putVarint(out, series.points.size());
  for (const ObjectPoint& point : series.points) {
    putVarint(out, zigzagEncode(point.timestamp_ms));
    putVarint(out, zigzagEncode(point.interval_ms));
    putValues(out, point.values);
    putVarint(out, point.labels);
    if (!point.shares) {
      out.push_back(0);
    } else if (point.shares->sealed()) {
      out.push_back(2);
      putVarint(out, point.shares->sealed_nodes.size());
      for (uint32_t id : point.shares->sealed_nodes) putString(out, node_names_[id]);
    } else {
      out.push_back(1);
      putVarint(out, point.shares->contributions.size());
      for (const Contribution& c : point.shares->contributions) {
        putString(out, c.node);
        putValues(out, c.values);
      }
    }
  }
}

Status MemoryStorage::loadState(std::span<const uint8_t> bytes) {
  StickyReader in(bytes);
  if (in.varint("state version") != kStateVersion) return corrupt("unknown head state version");
  std::map<std::string, Series, std::less<>> nodes;
  std::map<std::string, TimeRuns, std::less<>> trimmed;
  ObjectMap objects;
  std::vector<std::string> sealed_names;  // node names of sealed points, in order met
  std::vector<std::vector<size_t>> sealed_refs;
  size_t samples = 0;

  const uint64_t node_count = in.count("node count", 2);
  for (uint64_t i = 0; i < node_count && in.ok(); ++i) {
    std::string name = in.string("node name");
    Series series;
    const uint64_t n = in.count("node sample count", 3 + 20);
    int64_t previous = INT64_MIN;
    for (uint64_t j = 0; j < n && in.ok(); ++j) {
      const int64_t ts = in.zigzag("node sample timestamp");
      if (j > 0 && ts <= previous) in.fail(corrupt("node samples out of order"));
      previous = ts;
      StoredSample sample;
      sample.interval_ms = in.zigzag("node sample interval");
      if (!validInterval(sample.interval_ms)) in.fail(corrupt("node sample interval out of range"));
      sample.pod_count = in.varint("node pod count");
      sample.usage = readNodeUsage(in);
      series.emplace_hint(series.end(), ts, std::move(sample));
    }
    if (in.ok() && (name.empty() || series.empty() || !nodes.emplace(std::move(name), std::move(series)).second))
      in.fail(corrupt("empty or repeated node"));
    samples += n;
  }
  const uint64_t trimmed_count = in.count("trimmed node count", 2);
  for (uint64_t i = 0; i < trimmed_count && in.ok(); ++i) {
    std::string name = in.string("trimmed node name");
    TimeRuns runs;
    const uint64_t n = in.count("run count", 3);
    for (uint64_t j = 0; j < n && in.ok(); ++j) {
      const int64_t first_ms = in.zigzag("run first");
      const int64_t step_ms = in.zigzag("run step");
      const uint64_t count = in.varint("run length");
      if (in.ok() && !runs.appendRun(first_ms, step_ms, count)) in.fail(corrupt("bad trimmed-time run"));
    }
    samples += runs.size();
    if (in.ok() && (runs.empty() || !trimmed.emplace(std::move(name), std::move(runs)).second))
      in.fail(corrupt("empty or repeated trimmed node"));
  }
  const uint64_t object_count = in.count("object count", 6);
  for (uint64_t i = 0; i < object_count && in.ok(); ++i) {
    const uint8_t kind = in.byte("kind");
    if (kind < static_cast<uint8_t>(ObjectKind::kPod) || kind > static_cast<uint8_t>(ObjectKind::kContainer))
      in.fail(corrupt("bad object kind"));
    ObjectKey key{static_cast<ObjectKind>(kind), in.string("namespace"), in.string("name")};
    const bool is_pod = hasPodLabels(key.kind);
    ObjectSeries series;
    const uint64_t labels = in.count("label count", 6);
    for (uint64_t j = 0; j < labels && in.ok(); ++j) {
      PodLabels& l = series.labels.emplace_back();
      l.node = in.string("label node");
      l.deployment = in.string("label deployment");
      l.uid = in.string("label uid");
      l.qos_class = in.string("label qos class");
      l.workload_kind = in.string("label workload kind");
      l.workload_name = in.string("label workload name");
    }
    series.containers_ms = in.zigzag("containers timestamp");
    const uint64_t containers = in.count("container count", 1 + 8 * kObjectValuesWords);
    for (uint64_t j = 0; j < containers && in.ok(); ++j) {
      ContainerSample& c = series.containers.emplace_back();
      c.name = in.string("container name");
      c.values = readValues(in);
    }
    const uint64_t points = in.count("point count", 3 + 8 * kObjectValuesWords);
    series.points.reserve(points);
    for (uint64_t j = 0; j < points && in.ok(); ++j) {
      ObjectPoint& point = series.points.emplace_back();
      point.timestamp_ms = in.zigzag("point timestamp");
      if (j > 0 && point.timestamp_ms <= series.points[j - 1].timestamp_ms) in.fail(corrupt("points out of order"));
      point.interval_ms = in.zigzag("point interval");
      if (!validInterval(point.interval_ms)) in.fail(corrupt("point interval out of range"));
      point.values = readValues(in);
      const uint64_t label = in.varint("point labels");
      if (is_pod ? label >= series.labels.size() : label != 0) in.fail(corrupt("point label index out of range"));
      point.labels = static_cast<uint32_t>(label);
      const uint8_t shares = in.byte("shares");
      if (is_pod ? shares != 0 : (shares == 0 || shares > 2)) {
        in.fail(corrupt("bad shares of a point"));
        break;
      }
      if (shares == 0) continue;
      point.shares = std::make_unique<AggregateShares>();
      if (shares == 2) {
        const uint64_t n = in.count("sealed node count", 1);
        if (n == 0) in.fail(corrupt("sealed point without nodes"));
        for (uint64_t k = 0; k < n && in.ok(); ++k) {
          std::string node = in.string("sealed node");
          if (k > 0 && node <= sealed_names.back()) in.fail(corrupt("sealed nodes out of order"));
          sealed_names.push_back(std::move(node));
          point.shares->sealed_nodes.push_back(0);  // set below, once the ids exist
        }
      } else {
        const uint64_t n = in.count("share count", 1 + 8 * kObjectValuesWords);
        if (n == 0) in.fail(corrupt("aggregate point without shares"));
        for (uint64_t k = 0; k < n && in.ok(); ++k) {
          Contribution c{in.string("share node"), readValues(in)};
          if (k > 0 && c.node <= point.shares->contributions.back().node) in.fail(corrupt("shares out of order"));
          point.shares->contributions.push_back(std::move(c));
        }
      }
    }
    if (in.ok() && (series.points.empty() || !objects.emplace(std::move(key), std::move(series)).second))
      in.fail(corrupt("empty or repeated series"));
  }
  if (in.ok() && in.remaining() != 0) in.fail(corrupt("stray bytes after the last series"));
  if (!in.ok()) return in.error();

  std::unique_lock lock(mutex_);
  if (!nodes_.empty() || !objects_.empty() || !trimmed_times_.empty())
    return makeError(ErrorCode::kInvalidArgument, "head snapshot: loaded into a head that is not empty");
  nodes_ = std::move(nodes);
  trimmed_times_ = std::move(trimmed);
  objects_ = std::move(objects);
  ++series_erasures_;  // no pod's container_series may point into the map replaced
  sample_count_ = samples;
  size_t next_sealed = 0;
  for (auto it = objects_.begin(); it != objects_.end(); ++it) {
    index_.emplace(KeyLess::view(it->first), it);
    for (ObjectPoint& point : it->second.points) {
      if (!point.shares) continue;
      for (uint32_t& id : point.shares->sealed_nodes) id = nodeIdLocked(sealed_names[next_sealed++]);
    }
  }
  return {};
}

}  // namespace kubemonitor::tsdb
