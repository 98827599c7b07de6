#pragma once
// Text tables (kubectl's layout: upper-case headers, columns padded to their widest cell, three
// spaces between them, numbers right-aligned) and CSV. Pure, unit-tested.

#include <string>
#include <vector>

namespace kubemonitor::cli {

// How a cell is highlighted on a colour terminal.
enum class Tone { kPlain, kWarning, kCritical, kDim };

struct Cell {
  std::string text;
  Tone tone = Tone::kPlain;
};

struct TableColumn {
  std::string header;
  bool right_aligned = false;
};

struct Table {
  std::vector<TableColumn> columns;
  std::vector<std::vector<Cell>> rows;  // each row has one cell per column
};

struct TableStyle {
  bool headers = true;
  bool colour = false;  // ANSI: bold headers, yellow warnings, red critical values
};

// Lines end in '\n'; trailing spaces are trimmed.
std::string renderTable(const Table& table, const TableStyle& style);

// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; lines end in "\n".
std::string csvField(const std::string& text);
std::string csvLine(const std::vector<std::string>& fields);

// The tone of a percentage of a limit or capacity: ≥ 90 critical, ≥ 75 warning.
Tone percentTone(double percent);

}  // namespace kubemonitor::cli
