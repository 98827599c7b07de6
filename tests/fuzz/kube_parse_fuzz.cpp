// Fuzzes the Kubernetes API parsers (src/kube): pod lists, watch lines, ReplicaSets, Status
// objects and resource quantities. Any input must give a value or an error, never a crash; a
// quantity that parses must parse the same way again.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kube/pod_json.h"
#include "kube/quantity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemonitor::kube;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)parsePodList(input);
  (void)parseWatchEvent(input);
  (void)parseReplicaSetOwner(input);
  (void)parseApiStatus(input);
  if (size <= 64) {
    auto cpu = parseCpuQuantityMillicores(input);
    auto again = parseCpuQuantityMillicores(input);
    if (cpu.ok() != again.ok() || (cpu.ok() && *cpu != *again)) std::abort();
    auto memory = parseMemoryQuantityBytes(input);
    // The same number read as bytes is ceil(v), as millicores ceil(1000·v): never larger.
    if (memory.ok() && cpu.ok() && *memory > *cpu) std::abort();
  }
  return 0;
}
