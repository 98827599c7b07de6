#pragma once
// A streaming JSON writer: appends straight into one std::string, no DOM, numbers through
// std::to_chars. Used for reports (agent) and every API answer (server).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kubemonitor {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view value);
  JsonWriter& number(int64_t value);
  JsonWriter& number(uint64_t value);
  JsonWriter& number(int value) { return number(static_cast<int64_t>(value)); }
  JsonWriter& number(uint32_t value) { return number(static_cast<uint64_t>(value)); }
  // Shortest round-trip form; NaN and infinities, which JSON cannot carry, become null.
  JsonWriter& number(double value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // Inserts an already-serialised JSON value verbatim.
  JsonWriter& raw(std::string_view json);

  template <typename T>
  JsonWriter& field(std::string_view name, const T& value) {
    key(name);
    return write(value);
  }

 private:
  JsonWriter& write(std::string_view v) { return string(v); }
  JsonWriter& write(const std::string& v) { return string(v); }
  JsonWriter& write(const char* v) { return string(v); }
  JsonWriter& write(bool v) { return boolean(v); }
  JsonWriter& write(double v) { return number(v); }
  JsonWriter& write(int64_t v) { return number(v); }
  JsonWriter& write(uint64_t v) { return number(v); }
  JsonWriter& write(int v) { return number(v); }
  JsonWriter& write(uint32_t v) { return number(static_cast<uint64_t>(v)); }

  void separate();  // writes ',' between siblings

  std::string& out_;
  // Per open object or array: nothing written in it yet. Bytes, not vector<bool>: separate() runs
  // once per value and the bit proxy showed in the profile of large lists.
  std::vector<uint8_t> first_in_scope_;
  bool after_key_ = false;
};

// Appends `value` as a quoted, escaped JSON string.
void appendJsonString(std::string& out, std::string_view value);

}  // namespace kubemonitor
