#include "load_queries.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <thread>

#include "common/http_client.h"

namespace kubemonitor::bench {
namespace {

constexpr auto kQueryTimeout = std::chrono::seconds(60);  // an overloaded server answers late, not never
constexpr uint64_t kLoggedFailures = 3;                    // failures logged in full per schedule
constexpr auto kStopCheck = std::chrono::milliseconds(100);  // how often a sleeping schedule looks at `stop`

double msBetween(std::chrono::steady_clock::time_point from, std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

QueryFigures runScheduledQueries(const std::string& base_url, double rate_per_sec,
                                 std::chrono::steady_clock::time_point begin,
                                 std::chrono::steady_clock::time_point end, const std::atomic<bool>& stop,
                                 const std::function<std::string(uint64_t i)>& target) {
  QueryFigures figures;
  if (rate_per_sec <= 0) return figures;
  HttpClient client(kQueryTimeout);
  const std::chrono::duration<double> period(1 / rate_per_sec);
  for (uint64_t i = 0;; ++i) {
    const auto scheduled = begin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(period * static_cast<double>(i));
    if (scheduled >= end || stop.load()) break;
    if (std::chrono::steady_clock::now() >= end) {
      figures.skipped = static_cast<uint64_t>(std::ceil(std::chrono::duration<double>(end - begin) / period)) - i;
      break;
    }
    // Short sleeps, so that `stop` ends a slow schedule promptly.
    while (std::chrono::steady_clock::now() < scheduled && !stop.load()) {
      std::this_thread::sleep_until(std::min(scheduled, std::chrono::steady_clock::now() + kStopCheck));
    }
    if (stop.load()) break;
    const std::string url = base_url + target(i);
    const auto started = std::chrono::steady_clock::now();
    auto response = client.get(url);
    const auto answered = std::chrono::steady_clock::now();
    ++figures.queries;
    figures.service_ms.push_back(msBetween(started, answered));
    figures.from_schedule_ms.push_back(msBetween(scheduled, answered));
    if (response && response->status == 200) continue;
    const uint64_t failures = figures.not_found + figures.errors;
    if (response && response->status == 404) {
      ++figures.not_found;
    } else {
      ++figures.errors;
    }
    if (failures < kLoggedFailures) {
      spdlog::warn("GET {}: {}", url, response ? std::to_string(response->status) + " " + response->body.substr(0, 200)
                                              : response.error().toString());
    }
  }
  return figures;
}

}  // namespace kubemonitor::bench
