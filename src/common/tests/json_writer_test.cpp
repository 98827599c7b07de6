#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kubemonitor {
namespace {

TEST(JsonWriterTest, WritesNestedObjectsWithCommas) {
  std::string out;
  JsonWriter w(out);
  w.beginObject().field("a", int64_t{1}).field("b", "x");
  w.key("items").beginArray().number(uint64_t{2}).beginObject().endObject().boolean(true).null().endArray();
  w.endObject();
  EXPECT_EQ(out, R"({"a":1,"b":"x","items":[2,{},true,null]})");
}

TEST(JsonWriterTest, EscapesControlCharactersAndQuotes) {
  std::string out;
  appendJsonString(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriterTest, NonFiniteNumbersBecomeNull) {
  std::string out;
  JsonWriter w(out);
  w.beginArray().number(std::numeric_limits<double>::quiet_NaN()).number(INFINITY).number(0.25).endArray();
  EXPECT_EQ(out, "[null,null,0.25]");
}

}  // namespace
}  // namespace kubemonitor

namespace kubemonitor {
namespace {

TEST(JsonStringTest, InvalidUtf8BecomesReplacementCharacters) {
  std::string out;
  appendJsonString(out, "ok \xC3\xA9 \xF0\x9F\x92\xA9 bad \xFF\xFE end \xC0\xAF \xED\xA0\x80 \xE2\x82");
  // Valid sequences stay as they are; each invalid byte is one \ufffd.
  EXPECT_EQ(out,
            "\"ok \xC3\xA9 \xF0\x9F\x92\xA9 bad \\ufffd\\ufffd end \\ufffd\\ufffd \\ufffd\\ufffd\\ufffd "
            "\\ufffd\\ufffd\"");
}

}  // namespace
}  // namespace kubemonitor
