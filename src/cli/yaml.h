#pragma once
// JSON answers printed as YAML (block style, two-space indent), for `-o yaml`. Pure, unit-tested.

#include <string>

#include "cli/json_value.h"

namespace kubemonitor::cli {

// A YAML 1.2 document equal to `value`: strings that YAML would read as something else
// ("true", "1.5", "", "a: b", leading spaces …) are double-quoted; numbers as JSON writes them.
std::string toYaml(const JsonValue& value);

}  // namespace kubemonitor::cli
