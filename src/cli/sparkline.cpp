#include "cli/sparkline.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace kubemonitor::cli {
namespace {

// U+2581 … U+2588: one eighth to a full block.
constexpr std::array<const char*, 8> kBlocks{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

}  // namespace

SeriesStats seriesStats(std::span<const std::optional<double>> values) {
  SeriesStats stats;
  double sum = 0;
  for (const auto& value : values) {
    if (!value) continue;
    if (stats.count == 0 || *value < stats.min) stats.min = *value;
    if (stats.count == 0 || *value > stats.max) stats.max = *value;
    sum += *value;
    ++stats.count;
  }
  if (stats.count > 0) stats.avg = sum / static_cast<double>(stats.count);
  return stats;
}

SeriesValues resample(std::span<const std::optional<double>> values, size_t width) {
  if (width == 0 || values.size() <= width) return SeriesValues(values.begin(), values.end());
  SeriesValues cells(width);
  for (size_t cell = 0; cell < width; ++cell) {
    // Run [begin, end) of the points: equal shares, the remainder spread over the cells.
    const size_t begin = cell * values.size() / width;
    const size_t end = (cell + 1) * values.size() / width;
    double sum = 0;
    size_t count = 0;
    for (size_t i = begin; i < end; ++i) {
      if (!values[i]) continue;
      sum += *values[i];
      ++count;
    }
    if (count > 0) cells[cell] = sum / static_cast<double>(count);
  }
  return cells;
}

std::string sparkline(std::span<const std::optional<double>> values, size_t width) {
  const SeriesValues cells = resample(values, width);
  const SeriesStats stats = seriesStats(cells);
  std::string line;
  for (const auto& cell : cells) {
    if (!cell) {
      line += ' ';
      continue;
    }
    size_t level = 0;
    if (stats.max > stats.min) {
      level = static_cast<size_t>(std::lround((*cell - stats.min) / (stats.max - stats.min) * 7.0));
    } else if (stats.max > 0) {
      level = 3;
    }
    line += kBlocks[std::min<size_t>(level, 7)];
  }
  return line;
}

std::vector<std::string> blockChart(std::span<const std::optional<double>> values, size_t width, size_t height,
                                    const std::function<std::string(double)>& format, const std::string& window_label) {
  const SeriesValues cells = resample(values, width);
  const SeriesStats stats = seriesStats(cells);
  const double top = stats.max > 0 ? stats.max : 1.0;
  height = std::max<size_t>(height, 1);
  // Labels at the top row (the maximum), the middle and the bottom (0); the others blank.
  std::vector<std::string> labels(height);
  labels[0] = format(top);
  if (height > 2) labels[height / 2] = format(top * static_cast<double>(height - height / 2) / static_cast<double>(height));
  if (height > 1) labels[height - 1] = format(0);
  size_t label_width = 0;
  for (const auto& label : labels) label_width = std::max(label_width, displayWidth(label));

  std::vector<std::string> lines;
  for (size_t row = 0; row < height; ++row) {
    std::string line(label_width - displayWidth(labels[row]), ' ');
    line += labels[row] + " ┤";
    // This row covers eighths [base, base + 8) of the bar height counted from the bottom.
    const size_t base = (height - 1 - row) * 8;
    for (const auto& cell : cells) {
      if (!cell) {
        line += ' ';
        continue;
      }
      const auto eighths = static_cast<size_t>(std::lround(std::max(*cell, 0.0) / top * static_cast<double>(height * 8)));
      if (eighths >= base + 8) {
        line += kBlocks[7];
      } else if (eighths > base) {
        line += kBlocks[eighths - base - 1];
      } else {
        line += ' ';
      }
    }
    lines.push_back(std::move(line));
  }
  std::string axis(label_width + 1, ' ');
  axis += "└";
  const std::string start = "-" + window_label;
  const std::string end = "now";
  const size_t span = std::max(cells.size(), start.size() + end.size() + 1);
  axis += start + std::string(span - start.size() - end.size(), ' ') + end;
  lines.push_back(std::move(axis));
  return lines;
}

size_t displayWidth(std::string_view text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {  // CSI: ESC [ parameters final-byte (0x40–0x7e)
      ++i;
      if (i < text.size() && text[i] == '[') {
        while (i + 1 < text.size() && !(text[i + 1] >= 0x40 && text[i + 1] <= 0x7e)) ++i;
        ++i;
      }
      continue;
    }
    if ((c & 0xC0) != 0x80) ++width;  // not a UTF-8 continuation byte
  }
  return width;
}

}  // namespace kubemonitor::cli
