// Every captured fixture, cut at every length and with every byte garbled: each parser must return
// an error or a valid parse, never crash or read past the input (ASan builds check the latter:
// each input sits in a heap buffer of exactly its size).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "procfs/diskstats.h"
#include "procfs/meminfo.h"
#include "procfs/mountinfo.h"
#include "procfs/net_dev.h"
#include "procfs/pid_io.h"
#include "procfs/pid_stat.h"
#include "procfs/proc_stat.h"
#include "procfs/tests/fixture.h"
#include "procfs/uptime.h"

namespace kubemonitor::procfs {
namespace {

// nullopt on success, else the error.
using Parse = std::function<std::optional<Error>(std::string_view)>;

template <typename T>
std::optional<Error> errorOf(const Result<T>& result) {
  if (result.ok()) return std::nullopt;
  return result.error();
}

struct FormatCase {
  std::string name;
  std::function<std::filesystem::path(const hostfs::HostPaths&)> path;
  Parse parse;
  bool empty_is_valid = false;
};

std::vector<FormatCase> formatCases() {
  return {
      {"stat", [](const auto& p) { return p.procStat(); }, [](auto t) { return errorOf(parseProcStat(t)); }},
      {"meminfo", [](const auto& p) { return p.procMeminfo(); }, [](auto t) { return errorOf(parseMeminfo(t)); }},
      {"diskstats", [](const auto& p) { return p.procDiskstats(); },
       [](auto t) { return errorOf(parseDiskstats(t)); }, true},
      {"net_dev", [](const auto& p) { return p.procPidNetDev(1); }, [](auto t) { return errorOf(parseNetDev(t)); }},
      {"mountinfo", [](const auto& p) { return p.procPidMountinfo(1); },
       [](auto t) { return errorOf(parseMountinfo(t)); }},
      {"uptime", [](const auto& p) { return p.procUptime(); }, [](auto t) { return errorOf(parseUptime(t)); }},
      {"pid_io", [](const auto& p) { return p.procPidIo(1); }, [](auto t) { return errorOf(parsePidIo(t)); }},
      {"pid_stat", [](const auto& p) { return p.procPidStat(1); }, [](auto t) { return errorOf(parsePidStat(t)); }},
  };
}

class TruncationTest : public ::testing::TestWithParam<FormatCase> {
 protected:
  // Parses `bytes` from a buffer of exactly that size (no terminating NUL to hide an over-read).
  static std::optional<Error> parseExact(const Parse& parse, std::string_view bytes) {
    auto buffer = std::make_unique<char[]>(bytes.size() + (bytes.empty() ? 1 : 0));
    std::copy(bytes.begin(), bytes.end(), buffer.get());
    return parse(std::string_view(buffer.get(), bytes.size()));
  }
};

TEST_P(TruncationTest, WholeFixtureParses) {
  const FormatCase& c = GetParam();
  const std::string full = testing::readFixture(c.path(testing::fixtureHost().paths()));
  ASSERT_FALSE(full.empty());
  auto error = parseExact(c.parse, full);
  EXPECT_FALSE(error.has_value()) << error->toString();
}

TEST_P(TruncationTest, EveryPrefixIsAnErrorOrAValidParse) {
  const FormatCase& c = GetParam();
  const std::string full = testing::readFixture(c.path(testing::fixtureHost().paths()));
  for (size_t cut = 0; cut < full.size(); ++cut) {
    const std::string_view prefix = std::string_view(full).substr(0, cut);
    auto error = parseExact(c.parse, prefix);
    if (prefix.empty()) {
      EXPECT_EQ(error.has_value(), !c.empty_is_valid) << c.name << ": empty input";
      if (error) {
        EXPECT_EQ(error->code, ErrorCode::kTruncated);
      }
    } else if (prefix.back() != '\n') {
      // Cut inside a line: always reported as truncated, never parsed into a short number.
      ASSERT_TRUE(error.has_value()) << c.name << " accepted a cut at byte " << cut;
      EXPECT_EQ(error->code, ErrorCode::kTruncated) << c.name << " cut " << cut << ": " << error->toString();
    } else if (error) {
      // Cut at a line end: fine only when required lines are missing; the message says which.
      EXPECT_TRUE(error->code == ErrorCode::kParse || error->code == ErrorCode::kTruncated) << error->toString();
      EXPECT_FALSE(error->message.empty());
    }
    if (error) {
      EXPECT_EQ(error->subject.empty(), false) << c.name;
    }
  }
}

TEST_P(TruncationTest, EveryGarbledByteIsAnErrorOrAValidParse) {
  const FormatCase& c = GetParam();
  const std::string full = testing::readFixture(c.path(testing::fixtureHost().paths()));
  for (char garbage : {'x', ' ', '\n', '\0', '\\'}) {
    for (size_t i = 0; i < full.size(); ++i) {
      std::string mutated = full;
      mutated[i] = garbage;
      (void)parseExact(c.parse, mutated);  // must not crash or over-read; either outcome is fine
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TruncationTest, ::testing::ValuesIn(formatCases()),
                         [](const ::testing::TestParamInfo<FormatCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace kubemonitor::procfs
