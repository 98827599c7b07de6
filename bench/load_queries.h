#pragma once
// The query side of `kubemonitor-bench load`: an operator's GETs during the ingest load, open
// loop on their own thread and keep-alive connection (HttpClient, Beast).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace kubemonitor::bench {

struct QueryFigures {
  uint64_t queries = 0;
  uint64_t not_found = 0;  // 404: the object was not (or no longer) in the latest views
  uint64_t errors = 0;     // transport failures and any other answer but 200
  uint64_t skipped = 0;    // fell due before `end` but were not asked by then (the client was behind)
  std::vector<double> service_ms;        // request → answer, ms
  std::vector<double> from_schedule_ms;  // scheduled time → answer, ms (includes waiting behind
                                         // a slow earlier query on this one connection)
};

// GETs base_url + target(i) at begin + i / rate_per_sec for i = 0, 1, … until `end` (or until
// `stop` is set), on the
// calling thread. Open loop: the schedule does not wait for answers, but one connection asks one
// question at a time, so a query that falls due during a slow one starts late (from_schedule_ms);
// none starts after `end`, so that every answer measures the server under the load.
QueryFigures runScheduledQueries(const std::string& base_url, double rate_per_sec,
                                 std::chrono::steady_clock::time_point begin,
                                 std::chrono::steady_clock::time_point end, const std::atomic<bool>& stop,
                                 const std::function<std::string(uint64_t i)>& target);

}  // namespace kubemonitor::bench
