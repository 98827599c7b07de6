#include "cli/json_value.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <algorithm>

#include "common/json_writer.h"

namespace kubemonitor::cli {
namespace {

JsonValue fromElement(simdjson::dom::element element) {
  JsonValue value;
  switch (element.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      break;
    case simdjson::dom::element_type::BOOL:
      value.type = JsonValue::Type::kBool;
      value.boolean = element.get_bool().value_unsafe();
      break;
    case simdjson::dom::element_type::INT64:
      value.type = JsonValue::Type::kInt;
      value.int_value = element.get_int64().value_unsafe();
      break;
    case simdjson::dom::element_type::UINT64:
      value.type = JsonValue::Type::kUint;
      value.uint_value = element.get_uint64().value_unsafe();
      break;
    case simdjson::dom::element_type::DOUBLE:
      value.type = JsonValue::Type::kDouble;
      value.double_value = element.get_double().value_unsafe();
      break;
    case simdjson::dom::element_type::STRING:
      value.type = JsonValue::Type::kString;
      value.string = std::string(element.get_string().value_unsafe());
      break;
    case simdjson::dom::element_type::ARRAY: {
      value.type = JsonValue::Type::kArray;
      // Named: iterating a temporary array would leave the iterators dangling.
      const simdjson::dom::array array = element.get_array().value_unsafe();
      for (simdjson::dom::element child : array) value.array.push_back(fromElement(child));
      break;
    }
    case simdjson::dom::element_type::OBJECT: {
      value.type = JsonValue::Type::kObject;
      const simdjson::dom::object object = element.get_object().value_unsafe();
      for (auto field : object) value.object.emplace_back(std::string(field.key), fromElement(field.value));
      break;
    }
  }
  return value;
}

void write(JsonWriter& writer, const JsonValue& value) {
  switch (value.type) {
    case JsonValue::Type::kNull: writer.null(); break;
    case JsonValue::Type::kBool: writer.boolean(value.boolean); break;
    case JsonValue::Type::kInt: writer.number(value.int_value); break;
    case JsonValue::Type::kUint: writer.number(value.uint_value); break;
    case JsonValue::Type::kDouble: writer.number(value.double_value); break;
    case JsonValue::Type::kString: writer.string(value.string); break;
    case JsonValue::Type::kArray:
      writer.beginArray();
      for (const auto& child : value.array) write(writer, child);
      writer.endArray();
      break;
    case JsonValue::Type::kObject:
      writer.beginObject();
      for (const auto& [key, child] : value.object) {
        writer.key(key);
        write(writer, child);
      }
      writer.endObject();
      break;
  }
}

}  // namespace

double JsonValue::asDouble() const {
  switch (type) {
    case Type::kInt: return static_cast<double>(int_value);
    case Type::kUint: return static_cast<double>(uint_value);
    case Type::kDouble: return double_value;
    default: return 0;
  }
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (type != Type::kObject) return nullptr;
  auto it = std::find_if(object.begin(), object.end(), [&](const auto& member) { return member.first == key; });
  return it == object.end() ? nullptr : &it->second;
}

JsonValue* JsonValue::find(std::string_view key) {
  return const_cast<JsonValue*>(static_cast<const JsonValue*>(this)->find(key));
}

std::optional<double> JsonValue::number(std::string_view key) const {
  const JsonValue* member = find(key);
  if (member == nullptr || !member->isNumber()) return std::nullopt;
  return member->asDouble();
}

std::string JsonValue::text(std::string_view key) const {
  const JsonValue* member = find(key);
  return member != nullptr && member->type == Type::kString ? member->string : std::string();
}

void JsonValue::set(std::string_view key, JsonValue value) {
  type = Type::kObject;
  if (JsonValue* existing = find(key)) {
    *existing = std::move(value);
    return;
  }
  object.emplace_back(std::string(key), std::move(value));
}

void JsonValue::erase(std::string_view key) {
  std::erase_if(object, [&](const auto& member) { return member.first == key; });
}

JsonValue JsonValue::ofNumber(double value) {
  JsonValue v;
  v.type = Type::kDouble;
  v.double_value = value;
  return v;
}

JsonValue JsonValue::ofString(std::string value) {
  JsonValue v;
  v.type = Type::kString;
  v.string = std::move(value);
  return v;
}

Result<JsonValue> parseJson(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (auto error = parser.parse(text.data(), text.size()).get(document)) {
    return makeError(ErrorCode::kParse, std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  return fromElement(document);
}

std::string formatNumber(const JsonValue& value) {
  switch (value.type) {
    case JsonValue::Type::kInt: return std::to_string(value.int_value);
    case JsonValue::Type::kUint: return std::to_string(value.uint_value);
    case JsonValue::Type::kDouble: return fmt::format("{}", value.double_value);
    default: return "";
  }
}

std::string toJson(const JsonValue& value) {
  std::string out;
  JsonWriter writer(out);
  write(writer, value);
  return out;
}

}  // namespace kubemonitor::cli
