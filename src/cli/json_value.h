#pragma once
// An owned JSON tree of an API answer. The CLI keeps answers across refreshes, merges series into
// list items and prints them back as JSON or YAML, which simdjson's parser-bound DOM cannot do.
// Object members keep the server's order, so re-printed output reads like the answer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kubemonitor::cli {

struct JsonValue {
  enum class Type { kNull, kBool, kInt, kUint, kDouble, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double double_value = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // members in the order received

  bool isNumber() const { return type == Type::kInt || type == Type::kUint || type == Type::kDouble; }
  double asDouble() const;
  // The member `key` of an object; nullptr when absent or when this is not an object.
  const JsonValue* find(std::string_view key) const;
  JsonValue* find(std::string_view key);
  // A numeric member; nullopt when absent or not a number (a field an older server lacks).
  std::optional<double> number(std::string_view key) const;
  // A string member; "" when absent.
  std::string text(std::string_view key) const;
  // Sets (replacing) or appends an object member.
  void set(std::string_view key, JsonValue value);
  void erase(std::string_view key);

  static JsonValue ofNumber(double value);
  static JsonValue ofString(std::string value);
};

Result<JsonValue> parseJson(std::string_view text);
// Compact JSON, members in their order; doubles in shortest round-trip form.
std::string toJson(const JsonValue& value);
// A number for people and spreadsheets (CSV, YAML): integers as they are, doubles in their
// shortest round-trip form without an exponent where plain digits are as short ("500000", not
// "5e+05"). Not a number: "".
std::string formatNumber(const JsonValue& value);

}  // namespace kubemonitor::cli
