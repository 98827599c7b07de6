// Fuzzes the head snapshot decoders: the input as a whole snapshot file (decodeHeadSnapshot: magic,
// CRC, lengths, zstd) and as a head state alone (MemoryStorage::loadState, which the CRC would
// otherwise hide from the fuzzer). Any input must give a value or an error, never a crash; a state
// that loads must save to the same bytes and load again.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "common/clock.h"
#include "tsdb/head_snapshot.h"
#include "tsdb/memory_storage.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemonitor;
  using namespace kubemonitor::tsdb;
  const std::span<const uint8_t> input(data, size);
  if (auto snapshot = decodeHeadSnapshot(input); snapshot.ok()) {
    auto again = decodeHeadSnapshot(encodeHeadSnapshot(*snapshot));
    if (!again.ok() || again->head != snapshot->head || again->checkpoint_lsn != snapshot->checkpoint_lsn) std::abort();
  }
  static const SystemClock clock;
  MemoryStorage head(clock, std::chrono::hours(24 * 365 * 100));
  if (head.loadState(input).ok()) {
    std::vector<uint8_t> saved;
    head.saveState(saved);
    MemoryStorage reloaded(clock, std::chrono::hours(24 * 365 * 100));
    if (!reloaded.loadState(saved).ok()) std::abort();
    (void)head.latest(ObjectKind::kPod, LatestFilter{});
    (void)head.latest(ObjectKind::kNamespace, LatestFilter{});
    (void)head.stats();
  }
  return 0;
}
