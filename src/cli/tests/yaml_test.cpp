#include "cli/yaml.h"

#include <gtest/gtest.h>

namespace kubemonitor::cli {
namespace {

std::string yamlOf(std::string_view json) {
  auto value = parseJson(json);
  EXPECT_TRUE(value.ok());
  return value.ok() ? toYaml(*value) : "";
}

TEST(Yaml, ListsOfObjectsInKubectlStyle) {
  EXPECT_EQ(yamlOf(R"({"items":[{"name":"web-1","cpu_millicores":250.5,"points":[{"cpu":1},{"cpu":2}]},{"name":"b"}]})"),
            "items:\n"
            "- name: web-1\n"
            "  cpu_millicores: 250.5\n"
            "  points:\n"
            "  - cpu: 1\n"
            "  - cpu: 2\n"
            "- name: b\n");
}

TEST(Yaml, QuotesStringsYamlWouldReadAsSomethingElse) {
  EXPECT_EQ(yamlOf(R"({"a":"true","b":"1.5","c":"","d":"x: y","e":"plain text","f":null,"g":[],"h":{}})"),
            "a: \"true\"\n"
            "b: \"1.5\"\n"
            "c: \"\"\n"
            "d: \"x: y\"\n"
            "e: plain text\n"
            "f: null\n"
            "g: []\n"
            "h: {}\n");
  EXPECT_EQ(yamlOf(R"({"t":"2026-11-22T09:00:05Z","n":"-x"})"), "t: 2026-11-22T09:00:05Z\nn: \"-x\"\n");
}

TEST(Yaml, NumbersWithoutNeedlessExponents) {
  EXPECT_EQ(yamlOf(R"({"a":500000.0,"b":0.125,"c":18446744073709551615,"d":-3})"),
            "a: 500000\nb: 0.125\nc: 18446744073709551615\nd: -3\n");
}

TEST(Yaml, NestedArrays) {
  EXPECT_EQ(yamlOf(R"([[1,2],"a"])"), "-\n  - 1\n  - 2\n- a\n");
}

}  // namespace
}  // namespace kubemonitor::cli
