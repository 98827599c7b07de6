#pragma once
// Write-ahead log of the embedded TSDB (DESIGN §4): an acknowledged ingest survives kill -9.
//
// Layout: a directory (the engine passes `<data-dir>/wal`) of segment files `00000001.wal`,
// `00000002.wal`, … Each segment starts with a 24-byte header
//   magic "KMWL" | version u32 = 1 | first_lsn u64 | reserved u32 = 0 | CRC32C of the 20 bytes before u32
// followed by records
//   payload length u32 | CRC32C of the payload u32 | type u8 (1 = full record) | payload bytes
// all little-endian. A record's LSN is its segment's first_lsn plus its index in the segment, so
// LSNs are monotonic across rolls and restarts. Payloads are opaque to the WAL.
//
// Recovery (open): every segment but the last must be intact (else kParse naming the segment and
// byte offset: the engine decides). In the last segment a torn or corrupt tail (short header,
// short payload, CRC mismatch, garbage length or type) ends the log: the valid prefix is kept, the
// tail is cut off (WalStats::truncated_bytes) and appends continue after it.
//
// Durability ("acknowledged" = waitDurable(lsn) returned ok, or whenDurable's callback got ok):
//   kAlways: the record and everything before it has been fdatasync'd. A background flusher
//            batches every record written since its last sync into one fdatasync, at most once
//            per sync_interval_ms (group commit). sync_interval_ms == 0: append() itself returns
//            only after its record is durable (concurrent appenders still share a sync).
//   kNever:  never synced by the WAL; waitDurable returns at once. The record is in the page
//            cache: it survives kill -9 of the process, not a power loss or kernel crash. For
//            tests and benchmarks.
//
// Thread safety: append, waitDurable, stats, replay and truncateBefore may be called from any
// number of threads at once (the server's ingest handlers share one Wal). whenDurable callbacks run
// on the flusher thread (or on the caller's, when the record is durable already), never under the
// WAL's lock: they must be short (the server's posts the answer back to the connection's strand). Appends are serialised
// by an internal mutex; fdatasync runs outside it, so appenders never wait for the disk unless
// they ask to. replay reads the records present when it starts and calls `visit` on the caller's
// thread without holding the lock; it may run beside appends, but not beside a truncateBefore
// that deletes the segments it reads. After a failed fdatasync the WAL refuses further appends
// (the kernel may have dropped the dirty pages: retrying would falsely report success); reopen it.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "common/result.h"

namespace kubemonitor::tsdb {

enum class WalSyncMode {
  kAlways,  // group commit: fdatasync batches, see sync_interval_ms
  kNever,   // no fdatasync at all (tests, benchmarks)
};

// Makes a segment's written data durable: 0 on success, else -1 with errno set (fdatasync's
// contract). Tests substitute one that holds a sync back until they release it.
using WalSyncFunction = std::function<int(int fd)>;

struct WalOptions {
  uint64_t segment_bytes = 64ULL << 20;    // roll to a new segment beyond this size (bytes)
  uint32_t sync_interval_ms = 10;          // longest wait between fdatasyncs of written records (ms)
  WalSyncMode sync_mode = WalSyncMode::kAlways;
  uint32_t max_record_bytes = 16U << 20;   // larger payloads are kTooLarge (bytes)
  WalSyncFunction sync_file;               // empty: ::fdatasync
};

struct WalStats {
  uint64_t segments = 0;            // gauge: segment files on disk
  uint64_t bytes = 0;               // gauge: bytes in all segment files, headers included
  uint64_t appends = 0;             // counter: records appended since open
  uint64_t syncs = 0;               // counter: fdatasyncs of written records since open
  double records_per_sync = 0;      // average records made durable per fdatasync (0 before any)
  uint64_t truncated_bytes = 0;     // torn or corrupt tail cut off the last segment at open (bytes)
  uint64_t first_lsn = 0;           // LSN of the oldest record still on disk (== next_lsn when none)
  uint64_t next_lsn = 0;            // LSN the next append gets
  uint64_t durable_lsn = 0;         // every record with LSN <= this is durable (0 = none yet)
  std::string last_error;           // the most recent append/sync failure, empty if none
};

// Where a record sits, for reading it again without a scan (readRecords).
struct WalRecordRef {
  uint64_t lsn = 0;
  uint64_t segment_first_lsn = 0;  // names the segment
  uint64_t offset = 0;             // of the record's header in the segment (bytes)
  uint32_t length = 0;             // payload bytes
};

class Wal {
 public:
  using Visitor = std::function<Status(uint64_t lsn, std::span<const uint8_t> payload)>;
  using LocatedVisitor = std::function<Status(const WalRecordRef& where, std::span<const uint8_t> payload)>;

  // Opens (creating when missing) the WAL in `dir`, recovering as described above.
  // Errors: kPermission (read-only or inaccessible directory), kParse (corruption before the last
  // segment's tail), kIo, kInvalidArgument (bad options).
  static Result<std::unique_ptr<Wal>> open(std::filesystem::path dir, WalOptions options = {});

  // Syncs what was written (kAlways) and stops the flusher.
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  // Appends one record and returns its LSN. Not yet durable unless sync_interval_ms == 0 (kAlways):
  // call waitDurable. Errors: kTooLarge (payload > max_record_bytes), kIo ("no space left on
  // device" for ENOSPC), kPermission (EROFS, EACCES). After a failed write the partial record is
  // cut off, so the log never holds a torn record before a good one; the next append may succeed.
  Result<uint64_t> append(std::span<const uint8_t> payload);

  // Blocks until the record `lsn` (and all before it) is durable. kInvalidArgument for an LSN
  // never handed out; the sync's error when fdatasync failed.
  Status waitDurable(uint64_t lsn);

  // Calls `done` once the record `lsn` (and all before it) is durable, with ok, or with the error
  // that stops it from ever becoming so (a failed sync, the WAL closing first); exactly once, on
  // the flusher thread, or at once on this thread when the answer is already known. The caller
  // does not wait: this is how the server acknowledges an ingest without blocking a thread.
  using DurableCallback = std::function<void(Status)>;
  void whenDurable(uint64_t lsn, DurableCallback done);

  // Calls `visit` for every record with LSN >= from_lsn, oldest first; a non-ok return stops
  // replay and is returned. kParse (segment path, offset) when a segment is corrupt.
  Status replay(uint64_t from_lsn, const Visitor& visit) const;
  // The same, with where each record sits.
  Status replayLocated(uint64_t from_lsn, const LocatedVisitor& visit) const;
  // Calls `visit` for each record `refs` names, in that order, reading only those (a checkpoint
  // reads one node's records at a time). kParse when a record's CRC no longer matches, kNotFound
  // when its segment was truncated away meanwhile.
  Status readRecords(std::span<const WalRecordRef> refs, const Visitor& visit) const;

  // Deletes whole segments whose records all have LSN < lsn (after the engine checkpointed its
  // state up to lsn). The segment being appended to is never deleted.
  Status truncateBefore(uint64_t lsn);

  WalStats stats() const;
  const std::filesystem::path& directory() const { return dir_; }

 private:
  struct Impl;
  Wal(std::filesystem::path dir, std::unique_ptr<Impl> impl);

  std::filesystem::path dir_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubemonitor::tsdb
