// Fuzzes WAL recovery: the input becomes the only segment file (00000001.wal) of a fresh WAL
// directory, which is opened and replayed. Whatever opens must replay consistently, accept an
// append right after the recovered prefix, and reopen without cutting anything more.

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tsdb/wal.h"

namespace {

namespace fs = std::filesystem;
using kubemonitor::Status;
using kubemonitor::tsdb::Wal;
using kubemonitor::tsdb::WalOptions;
using kubemonitor::tsdb::WalSyncMode;

// A fresh scratch directory per input, removed when the input is done (libFuzzer may leave through
// _Exit, so nothing may outlive one input).
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "kubemonitor-fuzz-wal-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct Count {
  uint64_t records = 0;
  uint64_t first_lsn = 0;
  uint64_t last_lsn = 0;
  std::vector<uint8_t> last_payload;
};

Count replayOrDie(const Wal& wal) {
  Count count;
  auto status = wal.replay(0, [&](uint64_t lsn, std::span<const uint8_t> payload) -> Status {
    if (count.records > 0 && lsn != count.last_lsn + 1) std::abort();  // LSNs must be consecutive
    if (count.records == 0) count.first_lsn = lsn;
    ++count.records;
    count.last_lsn = lsn;
    count.last_payload.assign(payload.begin(), payload.end());
    return {};
  });
  if (!status.ok()) std::abort();  // open accepted the log, so replay must too
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ScratchDir scratch;
  const fs::path dir = scratch.path() / "wal";
  fs::create_directories(dir);
  {
    std::ofstream out(dir / "00000001.wal", std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  WalOptions options;
  options.sync_mode = WalSyncMode::kNever;
  options.segment_bytes = 4096;  // small, so the append below sometimes rolls
  options.max_record_bytes = 1 << 16;
  auto wal = Wal::open(dir, options);
  if (!wal) return 0;  // a clear error is a fine answer to garbage
  const auto stats = (*wal)->stats();
  const Count before = replayOrDie(**wal);
  if (before.records != stats.next_lsn - stats.first_lsn) std::abort();
  if (stats.truncated_bytes > size) std::abort();
  const std::vector<uint8_t> marker{0xC0, 0xFF, 0xEE};
  auto lsn = (*wal)->append(marker);
  if (!lsn || *lsn != stats.next_lsn) std::abort();
  wal->reset();

  auto reopened = Wal::open(dir, options);
  if (!reopened || (*reopened)->stats().truncated_bytes != 0) std::abort();
  const Count after = replayOrDie(**reopened);
  if (after.records != before.records + 1 || after.last_payload != marker || after.last_lsn != *lsn) std::abort();
  return 0;
}
