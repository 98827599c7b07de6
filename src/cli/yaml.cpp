#include "cli/yaml.h"

#include <cctype>

#include "common/json_writer.h"
#include "common/text.h"

namespace kubemonitor::cli {
namespace {

bool looksLikeNumber(const std::string& s) {
  return text::parseDouble(s).has_value() || text::parseInt64(s).has_value();
}

// Plain scalars are safe when YAML cannot read them as another type or as syntax.
bool needsQuotes(const std::string& s) {
  if (s.empty()) return true;
  static constexpr const char* kReserved[] = {"true", "false", "null", "yes", "no", "on", "off", "~",
                                              "True", "False", "Null", "TRUE", "FALSE", "NULL", "Yes", "No"};
  for (const char* word : kReserved) {
    if (s == word) return true;
  }
  if (looksLikeNumber(s)) return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string_view::npos) return true;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (s[i] == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return true;
    if (s[i] == '#' && i > 0 && s[i - 1] == ' ') return true;
  }
  return false;
}

std::string scalar(const JsonValue& value) {
  switch (value.type) {
    case JsonValue::Type::kNull: return "null";
    case JsonValue::Type::kBool: return value.boolean ? "true" : "false";
    case JsonValue::Type::kString: {
      if (!needsQuotes(value.string)) return value.string;
      std::string quoted;  // a JSON string is a valid YAML double-quoted scalar
      appendJsonString(quoted, value.string);
      return quoted;
    }
    default: return formatNumber(value);
  }
}

bool isCollection(const JsonValue& value) {
  return (value.type == JsonValue::Type::kArray && !value.array.empty()) ||
         (value.type == JsonValue::Type::kObject && !value.object.empty());
}

std::string emptyCollection(const JsonValue& value) { return value.type == JsonValue::Type::kArray ? "[]" : "{}"; }

std::string inlineValue(const JsonValue& value) {
  if (value.type == JsonValue::Type::kArray || value.type == JsonValue::Type::kObject) return emptyCollection(value);
  return scalar(value);
}

void emit(std::string& out, const JsonValue& value, size_t indent);

// Members of an object at `indent`; the first one's key may follow a "- " already written.
void emitMembers(std::string& out, const JsonValue& value, size_t indent, bool first_inline) {
  bool first = true;
  for (const auto& [key, child] : value.object) {
    if (!(first && first_inline)) out.append(indent, ' ');
    first = false;
    JsonValue key_value = JsonValue::ofString(key);
    out += scalar(key_value);
    out += ':';
    if (isCollection(child)) {
      out += "\n";
      // Sequences under a key sit at the key's indent (the common kubectl style).
      emit(out, child, child.type == JsonValue::Type::kArray ? indent : indent + 2);
    } else {
      out += ' ';
      out += inlineValue(child);
      out += '\n';
    }
  }
}

void emit(std::string& out, const JsonValue& value, size_t indent) {
  if (value.type == JsonValue::Type::kObject) {
    emitMembers(out, value, indent, false);
    return;
  }
  for (const auto& child : value.array) {
    out.append(indent, ' ');
    out += '-';
    if (child.type == JsonValue::Type::kObject && !child.object.empty()) {
      out += " ";
      emitMembers(out, child, indent + 2, true);
    } else if (child.type == JsonValue::Type::kArray && !child.array.empty()) {
      out += "\n";
      emit(out, child, indent + 2);
    } else {
      out += ' ';
      out += inlineValue(child);
      out += '\n';
    }
  }
}

}  // namespace

std::string toYaml(const JsonValue& value) {
  // GCC 12 reports a false -Wrestrict for `string + "\n"` here: appended in place instead.
  if (!isCollection(value)) {
    std::string out = inlineValue(value);
    out += '\n';
    return out;
  }
  std::string out;
  emit(out, value, 0);
  return out;
}

}  // namespace kubemonitor::cli
