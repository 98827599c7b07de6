#pragma once
// `kubemonitor top …`: which routes a selection reads, what it prints in each format, and the
// watch loop. The command-line parsing is cli_app.cpp's; this takes the parsed options.

#include <cstdio>
#include <string>

#include "cli/api_client.h"
#include "cli/views.h"

namespace kubemonitor::cli {

enum class OutputFormat { kTable, kWide, kJson, kYaml, kCsv };

struct TopOptions {
  ObjectKind kind = ObjectKind::kPod;
  // `top pod NAME` (and node, namespace, deployment): one object, a chart per metric.
  // `top containers POD`: that pod's containers.
  std::string name;
  std::string namespace_name;  // -n; empty: "default" for lists, any namespace for one object
  bool all_namespaces = false;  // -A
  std::string node;             // --node
  std::string deployment;       // --deployment
  SortKey sort = SortKey::kName;
  bool sum = false;
  bool headers = true;
  size_t limit = 0;             // 0: every item
  std::string window;           // --window as given ("1h"); empty: latest values only
  int64_t window_seconds = 0;   // parsed --window
  bool watch = false;
  OutputFormat output = OutputFormat::kTable;
  bool colour = false;          // decided by the caller: a terminal and no NO_COLOR
  bool terminal = false;        // stdout is a terminal (watch redraws in place)
  size_t terminal_width = 80;   // columns, for the charts
  std::string title;            // the command as typed, for watch's header line
};

// Runs the command, writing to `out` (results) and `err` (the one-line failure). Returns the exit
// status (api_client.h). In watch mode it returns 0 on SIGINT/SIGTERM, having restored the terminal.
int runTop(const TopOptions& options, ApiClient& client, std::FILE* out, std::FILE* err);

// The window of `top pod NAME` when none is given: an hour, like the dashboard's default.
inline constexpr const char* kDefaultObjectWindow = "1h";

}  // namespace kubemonitor::cli
