#include "cli/table.h"

#include <gtest/gtest.h>

namespace kubemonitor::cli {
namespace {

Table sample() {
  Table table;
  table.columns = {{"NAME", false}, {"CPU", true}};
  table.rows = {{{"web-1"}, {"250m"}}, {{"api"}, {"1.25 cores", Tone::kCritical}}};
  return table;
}

TEST(Table, PadsLeftAlignedNamesAndRightAlignedNumbers) {
  EXPECT_EQ(renderTable(sample(), TableStyle{}),
            "NAME           CPU\n"
            "web-1         250m\n"
            "api     1.25 cores\n");
}

TEST(Table, NoHeadersAndColour) {
  EXPECT_EQ(renderTable(sample(), TableStyle{false, false}),
            "web-1         250m\n"
            "api     1.25 cores\n");
  const std::string coloured = renderTable(sample(), TableStyle{true, true});
  EXPECT_NE(coloured.find("\x1b[1mNAME\x1b[0m"), std::string::npos);
  EXPECT_NE(coloured.find("\x1b[31m1.25 cores\x1b[0m"), std::string::npos);
}

TEST(Table, CsvQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(csvLine({"a", "b,c", "say \"hi\"", ""}), "a,\"b,c\",\"say \"\"hi\"\"\",\n");
}

TEST(Table, PercentTones) {
  EXPECT_EQ(percentTone(50), Tone::kPlain);
  EXPECT_EQ(percentTone(75), Tone::kWarning);
  EXPECT_EQ(percentTone(90), Tone::kCritical);
}

}  // namespace
}  // namespace kubemonitor::cli
