#pragma once
// Series drawn in a terminal: a one-line sparkline (▁▂▃▄▅▆▇█) for a table cell, and a larger
// block chart for one object. Pure functions over values, unit-tested.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kubemonitor::cli {

// A series value per point; nullopt where the point lacks the field (an older server, a gap).
using SeriesValues = std::vector<std::optional<double>>;

struct SeriesStats {
  double min = 0, avg = 0, max = 0;
  size_t count = 0;  // points that had a value; 0: min/avg/max mean nothing
};
SeriesStats seriesStats(std::span<const std::optional<double>> values);

// At most `width` cells: more points than cells are averaged into equal runs (the trend, not the
// last few points). Scaled from the series' minimum to its maximum, so that the shape shows even
// when the values move little (min/avg/max beside it give the scale); a flat series is a row of
// ▄ (▁ when it is all zeros). Cells without any value are spaces. UTF-8.
std::string sparkline(std::span<const std::optional<double>> values, size_t width);

// The same resampling for charts and sparklines: `width` cells (fewer when there are fewer
// points), each the average of its run's values, nullopt where the run had none.
SeriesValues resample(std::span<const std::optional<double>> values, size_t width);

// A chart `height` rows tall, `width` columns of bars (eighth blocks give the sub-row height),
// scaled from 0 to the maximum. Each row starts with a y-axis label (`format` of the value at
// that height) padded to a common width; the last line is the time axis, "-<window>" … "now".
std::vector<std::string> blockChart(std::span<const std::optional<double>> values, size_t width, size_t height,
                                    const std::function<std::string(double)>& format, const std::string& window_label);

// Display width of UTF-8 text without ANSI escape sequences (one column per code point).
size_t displayWidth(std::string_view text);

}  // namespace kubemonitor::cli
