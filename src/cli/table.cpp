#include "cli/table.h"

#include <algorithm>

#include "cli/sparkline.h"

namespace kubemonitor::cli {
namespace {

constexpr const char* kGap = "   ";
constexpr const char* kReset = "\x1b[0m";

const char* toneCode(Tone tone) {
  switch (tone) {
    case Tone::kWarning: return "\x1b[33m";
    case Tone::kCritical: return "\x1b[31m";
    case Tone::kDim: return "\x1b[2m";
    case Tone::kPlain: break;
  }
  return "";
}

void trimRight(std::string& line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
}

}  // namespace

std::string renderTable(const Table& table, const TableStyle& style) {
  std::vector<size_t> widths(table.columns.size(), 0);
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (style.headers) widths[c] = displayWidth(table.columns[c].header);
    for (const auto& row : table.rows) widths[c] = std::max(widths[c], displayWidth(row[c].text));
  }
  std::string out;
  auto append = [&](const std::string& text, size_t column, const char* code) {
    const std::string pad(widths[column] - displayWidth(text), ' ');
    const bool coloured = style.colour && *code != '\0';
    if (column > 0) out += kGap;
    if (table.columns[column].right_aligned) out += pad;
    if (coloured) out += code;
    out += text;
    if (coloured) out += kReset;
    if (!table.columns[column].right_aligned) out += pad;
  };
  if (style.headers) {
    const size_t start = out.size();
    for (size_t c = 0; c < table.columns.size(); ++c) append(table.columns[c].header, c, "\x1b[1m");
    std::string line = out.substr(start);
    out.resize(start);
    trimRight(line);
    out += line + "\n";
  }
  for (const auto& row : table.rows) {
    const size_t start = out.size();
    for (size_t c = 0; c < table.columns.size(); ++c) append(row[c].text, c, toneCode(row[c].tone));
    std::string line = out.substr(start);
    out.resize(start);
    trimRight(line);
    out += line + "\n";
  }
  return out;
}

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += csvField(fields[i]);
  }
  return line + "\n";
}

Tone percentTone(double percent) {
  if (percent >= 90) return Tone::kCritical;
  if (percent >= 75) return Tone::kWarning;
  return Tone::kPlain;
}

}  // namespace kubemonitor::cli
