#pragma once
// How the CLI writes quantities: pure functions, unit-tested. Three significant digits at most,
// so that columns stay narrow and a glance compares them.

#include <optional>
#include <string>

namespace kubemonitor::cli {

// Millicores: "0m", "2.5m" (below 10 m), "250m", then cores from 1000 m: "1.25 cores", "12.5 cores".
std::string formatMillicores(double millicores);
// Bytes in binary units (what Kubernetes quantities use): "512B", "12.3KiB", "256MiB", "1.50GiB".
std::string formatBytes(double bytes);
// Bytes per second in decimal units (network and disk convention): "0B/s", "850B/s", "1.20KB/s", "45.0MB/s".
std::string formatRate(double bytes_per_sec);
// A percentage: "4.5%" below 10, "48%" from 10.
std::string formatPercent(double percent);
// A whole count ("3"), for OOM kills, restarts, pods.
std::string formatCount(double count);

// What an absent value prints as: never 0, so that "no limit" and "0 used" differ.
inline constexpr const char* kAbsent = "-";

}  // namespace kubemonitor::cli
