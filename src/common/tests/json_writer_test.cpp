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
