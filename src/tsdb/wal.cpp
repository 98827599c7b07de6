#include "tsdb/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/thread_name.h"
#include "tsdb/crc32c.h"

namespace kubemonitor::tsdb {
namespace {

constexpr uint32_t kSegmentMagic = 0x4C574D4B;  // the bytes "KMWL" read as a little-endian u32
constexpr uint32_t kSegmentVersion = 1;
constexpr uint64_t kSegmentHeaderBytes = 24;
constexpr uint64_t kRecordHeaderBytes = 9;  // length u32, crc u32, type u8
constexpr uint8_t kRecordFull = 1;
constexpr uint64_t kFirstLsn = 1;
// Far beyond any real log (2^62 records), and keeps next_lsn arithmetic clear of overflow.
constexpr uint64_t kMaxLsn = 1ULL << 62;
constexpr size_t kReadBufferBytes = 1 << 20;  // replay reads segments in 1 MiB blocks

void putU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void putU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t getU32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}
uint64_t getU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// ENOSPC gets words an operator searches for; EROFS/EACCES/EPERM become kPermission (errnoError).
Error walError(int err, std::string_view what, const std::filesystem::path& path) {
  if (err == ENOSPC) {
    return makeError(ErrorCode::kIo, std::string(what) + ": no space left on device", path.string());
  }
  return errnoError(err, what, path.string());
}

// Owns a file descriptor. Shared between the appender and the flusher so that a roll can move on
// to a new segment while an fdatasync of the old one is still running.
struct FileHandle {
  int fd = -1;
  explicit FileHandle(int descriptor) : fd(descriptor) {}
  ~FileHandle() {
    if (fd >= 0) ::close(fd);
  }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
};

Status pwriteAll(int fd, const uint8_t* data, size_t size, uint64_t offset, const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return walError(errno, "cannot write the WAL", path);
    }
    if (n == 0) return walError(ENOSPC, "cannot write the WAL", path);  // a zero write means a full device
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return {};
}

Status preadAll(int fd, uint8_t* data, size_t size, uint64_t offset, const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return walError(errno, "cannot read the WAL", path);
    }
    if (n == 0) return makeError(ErrorCode::kTruncated, "WAL segment shrank while being read", path.string());
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return {};
}

std::string segmentFileName(uint64_t sequence) {
  char name[32];
  std::snprintf(name, sizeof(name), "%08llu.wal", static_cast<unsigned long long>(sequence));
  return name;
}

// "00000042.wal" → 42; anything else (temp files, strangers) → nullopt.
std::optional<uint64_t> parseSegmentFileName(const std::string& name) {
  constexpr std::string_view kSuffix = ".wal";
  if (name.size() < 8 + kSuffix.size() || name.size() > 19 + kSuffix.size()) return std::nullopt;
  if (name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i + kSuffix.size() < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  if (value == 0) return std::nullopt;
  return value;
}

std::array<uint8_t, kSegmentHeaderBytes> encodeSegmentHeader(uint64_t first_lsn) {
  std::array<uint8_t, kSegmentHeaderBytes> header{};
  putU32(header.data(), kSegmentMagic);
  putU32(header.data() + 4, kSegmentVersion);
  putU64(header.data() + 8, first_lsn);
  putU32(header.data() + 16, 0);
  putU32(header.data() + 20, crc32c(std::span<const uint8_t>(header.data(), 20)));
  return header;
}

// Reads a segment sequentially through a buffer, so that small records cost no syscall each.
class SegmentReader {
 public:
  SegmentReader(int fd, uint64_t file_bytes, const std::filesystem::path& path)
      : fd_(fd), file_bytes_(file_bytes), path_(path) {}

  // The bytes [offset, offset + size); the caller keeps offset + size <= file_bytes.
  Result<std::span<const uint8_t>> read(uint64_t offset, size_t size) {
    if (offset < buffer_offset_ || offset + size > buffer_offset_ + buffer_bytes_) {
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(std::max<uint64_t>(kReadBufferBytes, size), file_bytes_ - offset));
      if (buffer_.size() < want) buffer_.resize(want);
      auto status = preadAll(fd_, buffer_.data(), want, offset, path_);
      if (!status) return status.error();
      buffer_offset_ = offset;
      buffer_bytes_ = want;
    }
    return std::span<const uint8_t>(buffer_.data() + (offset - buffer_offset_), size);
  }

 private:
  int fd_;
  uint64_t file_bytes_;
  const std::filesystem::path& path_;
  std::vector<uint8_t> buffer_;
  uint64_t buffer_offset_ = 0;
  size_t buffer_bytes_ = 0;
};

struct ScanResult {
  uint64_t first_lsn = 0;
  uint64_t records = 0;
  uint64_t valid_bytes = 0;      // header plus every intact record before the first bad byte
  bool corrupt = false;
  uint64_t corrupt_offset = 0;   // byte offset of the first bad byte
  std::string reason;
};

Error corruptionError(const ScanResult& scan, const std::filesystem::path& path) {
  return makeError(ErrorCode::kParse,
                   "corrupt WAL segment: " + scan.reason + " at offset " + std::to_string(scan.corrupt_offset),
                   path.string());
}

// Checks the header, then every record up to `end_bytes`, calling `visit` for LSNs >= from_lsn.
// Corruption is reported in the ScanResult (the caller decides whether it is a torn tail);
// I/O failures and visitor errors are errors.
Result<ScanResult> scanSegment(int fd, uint64_t end_bytes, const std::filesystem::path& path, uint64_t from_lsn,
                               const Wal::LocatedVisitor* visit) {
  ScanResult scan;
  SegmentReader reader(fd, end_bytes, path);
  auto fail = [&scan](uint64_t offset, std::string reason) {
    scan.corrupt = true;
    scan.corrupt_offset = offset;
    scan.reason = std::move(reason);
    return scan;
  };
  if (end_bytes < kSegmentHeaderBytes) return fail(0, "short segment header");
  auto header = reader.read(0, kSegmentHeaderBytes);
  if (!header) return header.error();
  const uint8_t* h = header->data();
  if (getU32(h) != kSegmentMagic) return fail(0, "bad segment magic");
  if (getU32(h + 4) != kSegmentVersion) return fail(4, "unknown segment version " + std::to_string(getU32(h + 4)));
  if (getU32(h + 20) != crc32c(header->subspan(0, 20))) return fail(20, "segment header CRC mismatch");
  scan.first_lsn = getU64(h + 8);
  if (scan.first_lsn == 0 || scan.first_lsn > kMaxLsn) {
    return fail(8, "segment first LSN " + std::to_string(scan.first_lsn) + " out of range");
  }
  uint64_t offset = kSegmentHeaderBytes;
  scan.valid_bytes = offset;
  while (offset < end_bytes) {
    if (end_bytes - offset < kRecordHeaderBytes) return fail(offset, "short record header");
    auto record_header = reader.read(offset, kRecordHeaderBytes);
    if (!record_header) return record_header.error();
    const uint32_t length = getU32(record_header->data());
    const uint32_t expected_crc = getU32(record_header->data() + 4);
    const uint8_t type = (*record_header)[8];
    if (type != kRecordFull) return fail(offset, "unknown record type " + std::to_string(type));
    if (length > end_bytes - offset - kRecordHeaderBytes) {
      return fail(offset, "record length " + std::to_string(length) + " runs past the end of the segment");
    }
    auto payload = reader.read(offset + kRecordHeaderBytes, length);
    if (!payload) return payload.error();
    if (crc32c(*payload) != expected_crc) return fail(offset, "record CRC mismatch");
    const uint64_t lsn = scan.first_lsn + scan.records;
    if (visit != nullptr && lsn >= from_lsn) {
      auto status = (*visit)(WalRecordRef{lsn, scan.first_lsn, offset, length}, *payload);
      if (!status) return status.error();
    }
    ++scan.records;
    offset += kRecordHeaderBytes + length;
    scan.valid_bytes = offset;
  }
  return scan;
}

Result<uint64_t> fileBytes(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return walError(errno, "cannot stat the WAL segment", path);
  return static_cast<uint64_t>(st.st_size);
}

struct Segment {
  uint64_t sequence = 0;
  uint64_t first_lsn = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;  // file size: header plus records
  std::filesystem::path path;
};

}  // namespace

struct Wal::Impl {
  std::filesystem::path dir;
  WalOptions options;
  std::unique_ptr<FileHandle> dir_handle;  // for fsync after creating, renaming or deleting segments

  mutable std::mutex mutex;
  std::condition_variable flush_cv;    // wakes the flusher: records written, or stopping
  std::condition_variable durable_cv;  // wakes waitDurable: durable_lsn moved, or a sync failed
  std::deque<Segment> segments;        // oldest first; back() is being appended to
  std::shared_ptr<FileHandle> active;  // back()'s descriptor, opened read-write
  bool dirty_tail = false;             // a failed write left bytes that ftruncate could not yet cut
  uint64_t next_lsn = kFirstLsn;
  uint64_t durable_lsn = 0;
  uint64_t appends = 0;
  uint64_t syncs = 0;
  uint64_t synced_records = 0;
  uint64_t truncated_bytes = 0;
  std::string last_error;
  std::optional<Error> sync_error;  // sticky: see the header on fdatasync failures
  bool stopping = false;
  std::vector<uint8_t> record_buffer;  // reused by append under `mutex`
  // whenDurable callbacks by LSN, waiting for durable_lsn to reach them (or for a sync failure).
  std::multimap<uint64_t, DurableCallback> callbacks;
  std::thread flusher;

  bool syncs_enabled() const { return options.sync_mode == WalSyncMode::kAlways; }
  int syncFile(int fd) const { return options.sync_file ? options.sync_file(fd) : ::fdatasync(fd); }

  // Under `mutex`: a callback can be answered (its record is durable, or a sync failed).
  bool callbacksReady() const {
    return !callbacks.empty() && (sync_error.has_value() || callbacks.begin()->first <= durable_lsn);
  }
  // The answer a waiting record gets when nothing more will be synced (a failure or the close).
  Status finalStatusLocked(uint64_t lsn) const {
    if (lsn <= durable_lsn) return {};
    if (sync_error) return *sync_error;
    return makeError(ErrorCode::kUnavailable, "the WAL closed before the record was synced", dir.string());
  }
  // Under `lock`: answers the ready callbacks, outside the lock (they may call back into the WAL).
  void runReadyCallbacks(std::unique_lock<std::mutex>& lock) {
    std::vector<std::pair<DurableCallback, Status>> ready;
    while (callbacksReady()) {
      auto first = callbacks.begin();
      ready.emplace_back(std::move(first->second), finalStatusLocked(first->first));
      callbacks.erase(first);
    }
    if (ready.empty()) return;
    lock.unlock();
    for (auto& [done, status] : ready) done(std::move(status));
    lock.lock();
  }

  Status syncDirectory() {
    if (!syncs_enabled()) return {};
    if (::fsync(dir_handle->fd) != 0) return walError(errno, "cannot fsync the WAL directory", dir);
    return {};
  }

  // Writes the header to a temp file and renames it into place, so that a crash never leaves a
  // segment with a torn header.
  Result<std::shared_ptr<FileHandle>> createSegment(uint64_t sequence, uint64_t first_lsn) {
    const auto path = dir / segmentFileName(sequence);
    auto temp = path;
    temp += ".tmp";
    auto handle = std::make_shared<FileHandle>(::open(temp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (handle->fd < 0) return walError(errno, "cannot create a WAL segment", temp);
    const auto header = encodeSegmentHeader(first_lsn);
    auto status = pwriteAll(handle->fd, header.data(), header.size(), 0, temp);
    if (status && syncs_enabled() && syncFile(handle->fd) != 0) status = walError(errno, "cannot sync a new WAL segment", temp);
    if (status && ::rename(temp.c_str(), path.c_str()) != 0) status = walError(errno, "cannot rename a new WAL segment", path);
    if (!status) {
      ::unlink(temp.c_str());  // best effort: open() removes leftover temp files too
      return status.error();
    }
    if (auto synced = syncDirectory(); !synced) return synced.error();
    return handle;
  }

  void recordSync(uint64_t target) {
    ++syncs;
    if (target > durable_lsn) {
      synced_records += target - durable_lsn;
      durable_lsn = target;
    }
    durable_cv.notify_all();
  }

  void failSync(Error error) {
    last_error = error.toString();
    sync_error = std::move(error);
    durable_cv.notify_all();
    flush_cv.notify_all();  // the flusher answers the waiting callbacks
  }

  // Under `mutex`: the active segment is full; sync it, then start the next one.
  Status roll() {
    const Segment& current = segments.back();
    if (syncs_enabled()) {
      if (syncFile(active->fd) != 0) {
        failSync(walError(errno, "cannot sync the WAL segment before rolling", current.path));
        return *sync_error;
      }
      recordSync(next_lsn - 1);
    }
    auto handle = createSegment(current.sequence + 1, next_lsn);
    if (!handle) return handle.error();
    segments.push_back(Segment{current.sequence + 1, next_lsn, 0, kSegmentHeaderBytes,
                               dir / segmentFileName(current.sequence + 1)});
    active = std::move(*handle);
    return {};
  }

  // Under `lock`: waits until `lsn` is durable.
  Status waitLocked(std::unique_lock<std::mutex>& lock, uint64_t lsn) {
    durable_cv.wait(lock, [&] { return durable_lsn >= lsn || sync_error.has_value() || stopping; });
    return finalStatusLocked(lsn);
  }

  // Group commit: one fdatasync for everything written since the last, at most every interval.
  void flushLoop() {
    const auto interval = std::chrono::milliseconds(options.sync_interval_ms);
    std::unique_lock lock(mutex);
    auto last_sync = std::chrono::steady_clock::now() - interval;
    while (true) {
      runReadyCallbacks(lock);
      flush_cv.wait(lock, [&] { return stopping || (next_lsn - 1 > durable_lsn && !sync_error) || callbacksReady(); });
      if (stopping) return;  // the destructor does the final sync and answers what is left
      if (callbacksReady()) continue;  // a roll synced, or a sync failed: answer first
      if (interval.count() > 0 && flush_cv.wait_until(lock, last_sync + interval, [&] { return stopping; })) return;
      if (sync_error) continue;  // a roll's sync failed meanwhile: nothing more is synced
      const uint64_t target = next_lsn - 1;
      const std::shared_ptr<FileHandle> handle = active;
      const auto path = segments.back().path;
      lock.unlock();
      last_sync = std::chrono::steady_clock::now();
      const int rc = syncFile(handle->fd);
      const int err = errno;
      lock.lock();
      if (rc != 0) {
        failSync(walError(err, "cannot sync the WAL", path));
      } else {
        recordSync(target);
      }
    }
  }
};

Wal::Wal(std::filesystem::path dir, std::unique_ptr<Impl> impl) : dir_(std::move(dir)), impl_(std::move(impl)) {}

Wal::~Wal() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->flush_cv.notify_all();
  impl_->durable_cv.notify_all();
  if (impl_->flusher.joinable()) impl_->flusher.join();
  // A clean shutdown leaves every written record durable, and answers every waiting callback.
  Impl& s = *impl_;
  std::unique_lock lock(s.mutex);
  if (s.syncs_enabled() && !s.sync_error && s.active) {
    if (s.syncFile(s.active->fd) == 0) {
      s.durable_lsn = s.next_lsn - 1;
    } else {
      s.failSync(walError(errno, "cannot sync the WAL at close", s.segments.back().path));
    }
  }
  std::multimap<uint64_t, DurableCallback> waiting;
  waiting.swap(s.callbacks);
  std::vector<Status> answers;
  for (const auto& entry : waiting) answers.push_back(s.finalStatusLocked(entry.first));
  lock.unlock();
  size_t i = 0;
  for (auto& entry : waiting) entry.second(std::move(answers[i++]));
}

Result<std::unique_ptr<Wal>> Wal::open(std::filesystem::path dir, WalOptions options) {
  if (options.segment_bytes < kSegmentHeaderBytes + kRecordHeaderBytes) {
    return makeError(ErrorCode::kInvalidArgument, "WAL segment_bytes must be at least 33", dir.string());
  }
  if (options.max_record_bytes == 0) {
    return makeError(ErrorCode::kInvalidArgument, "WAL max_record_bytes must be positive", dir.string());
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return walError(ec.value(), "cannot create the WAL directory", dir);

  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->dir_handle = std::make_unique<FileHandle>(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (impl->dir_handle->fd < 0) return walError(errno, "cannot open the WAL directory", dir);

  std::vector<uint64_t> sequences;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 8 && name.ends_with(".wal.tmp")) {
      // A segment whose creation a crash interrupted: it was never renamed into place, so it holds
      // no records.
      if (::unlink(it->path().c_str()) != 0) return walError(errno, "cannot remove a leftover temp segment", it->path());
      continue;
    }
    if (auto sequence = parseSegmentFileName(name)) sequences.push_back(*sequence);
  }
  if (ec) return walError(ec.value(), "cannot list the WAL directory", dir);
  std::sort(sequences.begin(), sequences.end());

  for (size_t i = 0; i < sequences.size(); ++i) {
    const bool last = i + 1 == sequences.size();
    const auto path = dir / segmentFileName(sequences[i]);
    if (i > 0 && sequences[i] != sequences[i - 1] + 1) {
      return makeError(ErrorCode::kParse, "WAL segment " + segmentFileName(sequences[i - 1] + 1) + " is missing",
                       path.string());
    }
    auto handle = std::make_shared<FileHandle>(::open(path.c_str(), (last ? O_RDWR : O_RDONLY) | O_CLOEXEC));
    if (handle->fd < 0) return walError(errno, "cannot open a WAL segment", path);
    auto size = fileBytes(handle->fd, path);
    if (!size) return size.error();
    auto scan = scanSegment(handle->fd, *size, path, 0, nullptr);
    if (!scan) return scan.error();
    const uint64_t expected_first =
        impl->segments.empty() ? 0 : impl->segments.back().first_lsn + impl->segments.back().records;
    const bool header_bad = scan->corrupt && scan->valid_bytes == 0;
    if (scan->corrupt && (!last || (header_bad && impl->segments.empty()))) {
      // Only the tail of the last segment may be torn; and a lone segment without a readable header
      // leaves no way to know its LSNs.
      return corruptionError(*scan, path);
    }
    if (header_bad) {
      // The last segment's header is unreadable; its predecessor says where its LSNs start.
      scan->first_lsn = expected_first;
      scan->records = 0;
      scan->valid_bytes = 0;
    }
    if (!impl->segments.empty() && scan->first_lsn != expected_first) {
      return makeError(ErrorCode::kParse,
                       "WAL segment starts at LSN " + std::to_string(scan->first_lsn) + ", expected " +
                           std::to_string(expected_first),
                       path.string());
    }
    if (last && scan->valid_bytes < *size) {
      impl->truncated_bytes = *size - scan->valid_bytes;
      if (::ftruncate(handle->fd, static_cast<off_t>(scan->valid_bytes)) != 0) {
        return walError(errno, "cannot cut the torn tail off the WAL", path);
      }
    }
    if (header_bad) {
      const auto header = encodeSegmentHeader(expected_first);
      auto status = pwriteAll(handle->fd, header.data(), header.size(), 0, path);
      if (!status) return status.error();
      scan->valid_bytes = kSegmentHeaderBytes;
    }
    impl->segments.push_back(Segment{sequences[i], scan->first_lsn, scan->records, scan->valid_bytes, path});
    if (last) impl->active = std::move(handle);
  }

  if (impl->segments.empty()) {
    auto handle = impl->createSegment(1, kFirstLsn);
    if (!handle) return handle.error();
    impl->segments.push_back(Segment{1, kFirstLsn, 0, kSegmentHeaderBytes, dir / segmentFileName(1)});
    impl->active = std::move(*handle);
  } else if (impl->syncs_enabled() && impl->syncFile(impl->active->fd) != 0) {
    // What recovery found (and any cut tail) is durable before anything new goes after it.
    return walError(errno, "cannot sync the recovered WAL", impl->segments.back().path);
  }
  const Segment& back = impl->segments.back();
  impl->next_lsn = back.first_lsn + back.records;
  impl->durable_lsn = impl->next_lsn - 1;

  if (impl->syncs_enabled()) {
    Impl* raw = impl.get();
    impl->flusher = std::thread([raw] {
      nameThisThread("km-wal-sync");
      raw->flushLoop();
    });
  }
  return std::unique_ptr<Wal>(new Wal(std::move(dir), std::move(impl)));
}

Result<uint64_t> Wal::append(std::span<const uint8_t> payload) {
  Impl& s = *impl_;
  if (payload.size() > s.options.max_record_bytes) {
    return makeError(ErrorCode::kTooLarge,
                     "WAL record of " + std::to_string(payload.size()) + " bytes exceeds max_record_bytes " +
                         std::to_string(s.options.max_record_bytes),
                     dir_.string());
  }
  const uint64_t record_bytes = kRecordHeaderBytes + payload.size();
  std::unique_lock lock(s.mutex);
  if (s.sync_error) return *s.sync_error;
  if (s.stopping) return makeError(ErrorCode::kUnavailable, "the WAL is closing", dir_.string());
  Segment* segment = &s.segments.back();
  if (s.dirty_tail) {
    if (::ftruncate(s.active->fd, static_cast<off_t>(segment->bytes)) != 0) {
      auto error = walError(errno, "cannot cut a partial record off the WAL", segment->path);
      s.last_error = error.toString();
      return error;
    }
    s.dirty_tail = false;
  }
  if (segment->records > 0 && segment->bytes + record_bytes > s.options.segment_bytes) {
    if (auto rolled = s.roll(); !rolled) {
      s.last_error = rolled.error().toString();
      return rolled.error();
    }
    segment = &s.segments.back();
  }
  s.record_buffer.resize(record_bytes);
  putU32(s.record_buffer.data(), static_cast<uint32_t>(payload.size()));
  putU32(s.record_buffer.data() + 4, crc32c(payload));
  s.record_buffer[8] = kRecordFull;
  if (!payload.empty()) std::memcpy(s.record_buffer.data() + kRecordHeaderBytes, payload.data(), payload.size());
  auto written = pwriteAll(s.active->fd, s.record_buffer.data(), record_bytes, segment->bytes, segment->path);
  if (!written) {
    // Cut the partial record off so that the next record follows the last good one directly.
    if (::ftruncate(s.active->fd, static_cast<off_t>(segment->bytes)) != 0) s.dirty_tail = true;
    s.last_error = written.error().toString();
    return written.error();
  }
  const uint64_t lsn = s.next_lsn++;
  segment->bytes += record_bytes;
  ++segment->records;
  ++s.appends;
  if (s.syncs_enabled()) {
    s.flush_cv.notify_one();
    if (s.options.sync_interval_ms == 0) {
      if (auto durable = s.waitLocked(lock, lsn); !durable) return durable.error();
    }
  }
  return lsn;
}

Status Wal::waitDurable(uint64_t lsn) {
  Impl& s = *impl_;
  std::unique_lock lock(s.mutex);
  if (lsn == 0 || lsn >= s.next_lsn) {
    return makeError(ErrorCode::kInvalidArgument,
                     "LSN " + std::to_string(lsn) + " was never appended (next is " + std::to_string(s.next_lsn) + ")",
                     dir_.string());
  }
  if (!s.syncs_enabled()) return {};
  return s.waitLocked(lock, lsn);
}

void Wal::whenDurable(uint64_t lsn, DurableCallback done) {
  Impl& s = *impl_;
  std::unique_lock lock(s.mutex);
  if (lsn == 0 || lsn >= s.next_lsn) {
    lock.unlock();
    return done(makeError(ErrorCode::kInvalidArgument,
                          "LSN " + std::to_string(lsn) + " was never appended", dir_.string()));
  }
  if (!s.syncs_enabled() || lsn <= s.durable_lsn || s.sync_error || s.stopping) {
    Status answer = s.syncs_enabled() ? s.finalStatusLocked(lsn) : Status{};
    lock.unlock();
    return done(std::move(answer));
  }
  s.callbacks.emplace(lsn, std::move(done));
}

Status Wal::replay(uint64_t from_lsn, const Visitor& visit) const {
  return replayLocated(from_lsn, [&visit](const WalRecordRef& where, std::span<const uint8_t> payload) {
    return visit(where.lsn, payload);
  });
}

Status Wal::readRecords(std::span<const WalRecordRef> refs, const Visitor& visit) const {
  std::vector<Segment> segments;
  {
    std::lock_guard lock(impl_->mutex);
    segments.assign(impl_->segments.begin(), impl_->segments.end());
  }
  std::vector<std::unique_ptr<FileHandle>> open(segments.size());
  std::vector<uint8_t> record;
  for (const WalRecordRef& ref : refs) {
    auto segment = std::find_if(segments.begin(), segments.end(),
                                [&](const Segment& s) { return s.first_lsn == ref.segment_first_lsn; });
    if (segment == segments.end()) {
      return makeError(ErrorCode::kNotFound, "WAL record " + std::to_string(ref.lsn) + " is no longer on disk");
    }
    auto& handle = open[static_cast<size_t>(segment - segments.begin())];
    if (!handle) {
      handle = std::make_unique<FileHandle>(::open(segment->path.c_str(), O_RDONLY | O_CLOEXEC));
      if (handle->fd < 0) return walError(errno, "cannot open a WAL segment", segment->path);
    }
    record.resize(kRecordHeaderBytes + ref.length);
    if (auto read = preadAll(handle->fd, record.data(), record.size(), ref.offset, segment->path); !read) return read;
    const std::span<const uint8_t> payload(record.data() + kRecordHeaderBytes, ref.length);
    if (getU32(record.data()) != ref.length || crc32c(payload) != getU32(record.data() + 4)) {
      return makeError(ErrorCode::kParse, "WAL record " + std::to_string(ref.lsn) + " changed since it was read",
                       segment->path.string());
    }
    if (auto status = visit(ref.lsn, payload); !status) return status;
  }
  return {};
}

Status Wal::replayLocated(uint64_t from_lsn, const LocatedVisitor& visit) const {
  std::vector<Segment> segments;
  {
    std::lock_guard lock(impl_->mutex);
    segments.assign(impl_->segments.begin(), impl_->segments.end());
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& segment = segments[i];
    if (i + 1 < segments.size() && segments[i + 1].first_lsn <= from_lsn) continue;  // all below from_lsn
    FileHandle handle(::open(segment.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (handle.fd < 0) return walError(errno, "cannot open a WAL segment", segment.path);
    uint64_t end = segment.bytes;  // records appended after the snapshot are not replayed
    if (i + 1 < segments.size()) {
      auto size = fileBytes(handle.fd, segment.path);
      if (!size) return size.error();
      end = *size;
    }
    auto scan = scanSegment(handle.fd, end, segment.path, from_lsn, &visit);
    if (!scan) return scan.error();
    if (scan->corrupt) return corruptionError(*scan, segment.path);
    if (scan->first_lsn != segment.first_lsn) {
      return makeError(ErrorCode::kParse, "WAL segment header changed since open", segment.path.string());
    }
  }
  return {};
}

Status Wal::truncateBefore(uint64_t lsn) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  bool removed = false;
  while (s.segments.size() > 1 && s.segments[1].first_lsn <= lsn) {
    if (::unlink(s.segments.front().path.c_str()) != 0 && errno != ENOENT) {
      return walError(errno, "cannot delete an old WAL segment", s.segments.front().path);
    }
    s.segments.pop_front();
    removed = true;
  }
  if (removed) return s.syncDirectory();
  return {};
}

WalStats Wal::stats() const {
  const Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  WalStats stats;
  stats.segments = s.segments.size();
  for (const auto& segment : s.segments) stats.bytes += segment.bytes;
  stats.appends = s.appends;
  stats.syncs = s.syncs;
  stats.records_per_sync = s.syncs == 0 ? 0.0 : static_cast<double>(s.synced_records) / static_cast<double>(s.syncs);
  stats.truncated_bytes = s.truncated_bytes;
  stats.first_lsn = s.segments.front().first_lsn;
  stats.next_lsn = s.next_lsn;
  stats.durable_lsn = s.durable_lsn;
  stats.last_error = s.last_error;
  return stats;
}

}  // namespace kubemonitor::tsdb
