#pragma once
// `kubemonitor-server migrate --data-dir D --to clickhouse://…`: replays every report the embedded
// engine in D holds into ClickHouse, oldest block first, so that a cluster moving to ClickHouse
// keeps its history (docs/operations.md, "Moving to ClickHouse").

#include <chrono>
#include <string>

#include "tsdb/clickhouse_client.h"

namespace kubemonitor {

// The exit status: 0 when every readable report is in ClickHouse, 1 otherwise (the message says why).
int migrateToClickHouse(const std::string& data_dir, const tsdb::ClickHouseUrl& url, std::chrono::seconds retention);

}  // namespace kubemonitor
