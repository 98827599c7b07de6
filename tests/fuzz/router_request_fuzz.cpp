// Fuzzes request handling: any method, target, headers and body must get an answer (never a
// crash, a sanitizer report, or a 5xx). Input layout: four NUL-separated fields — method, target,
// Content-Encoding, Authorization — then the body.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/testing/fake_clock.h"
#include "common/time_format.h"
#include "server/router.h"
#include "tsdb/memory_storage.h"
#include "tsdb/testing/report_generator.h"

namespace {

std::string_view nextField(std::string_view& input) {
  const size_t end = input.find('\0');
  std::string_view field = input.substr(0, end);
  input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  return field;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemonitor;
  static FakeClock clock;
  static tsdb::MemoryStorage storage(clock, std::chrono::hours(1));
  static server::ServerOptions options = [] {
    server::ServerOptions o;
    o.max_body_bytes = 1 << 20;
    return o;
  }();
  static server::Router router(storage, clock, options);
  // One generated report (pods with containers, issue 14's fields set), so that fleet windows,
  // container routes and fields= reach their code, not only the 404 paths.
  static const bool seeded =
      storage.ingest(tsdb::testing::generateNodeReport(0, 3, 0, toUnixMs(clock.wallNow()) / 5000 * 5000, 5000)).ok();
  (void)seeded;

  std::string_view input(reinterpret_cast<const char*>(data), size);
  server::HttpRequest request;
  request.method = std::string(nextField(input));
  request.target = std::string(nextField(input));
  request.content_encoding = std::string(nextField(input));
  request.authorization = std::string(nextField(input));
  request.body = std::string(input);
  const server::HttpResponse response = router.handle(request);
  if (response.status >= 500) std::abort();  // a server error on client input is a bug
  return 0;
}
