#include "common/compression.h"

#include <gtest/gtest.h>

namespace kubemonitor {
namespace {

std::string sampleJson() {
  std::string s = "{\"items\":[";
  for (int i = 0; i < 2000; ++i) s += "{\"cpu_millicores\":" + std::to_string(i) + "},";
  s += "{}]}";
  return s;
}

TEST(CompressionTest, RoundTripsZstdAndGzip) {
  const std::string data = sampleJson();
  auto z = decompress(ContentEncoding::kZstd, compressZstd(data), 1 << 20);
  ASSERT_TRUE(z.ok()) << z.error().toString();
  EXPECT_EQ(*z, data);
  auto g = decompress(ContentEncoding::kGzip, compressGzip(data), 1 << 20);
  ASSERT_TRUE(g.ok()) << g.error().toString();
  EXPECT_EQ(*g, data);
}

TEST(CompressionTest, RefusesOutputBeyondTheLimit) {
  const std::string big(1 << 20, 'a');  // compresses to a few hundred bytes
  for (auto enc : {ContentEncoding::kZstd, ContentEncoding::kGzip, ContentEncoding::kIdentity}) {
    std::string body = enc == ContentEncoding::kZstd ? compressZstd(big)
                       : enc == ContentEncoding::kGzip ? compressGzip(big) : big;
    auto out = decompress(enc, body, 1000);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, ErrorCode::kTooLarge);
  }
}

TEST(CompressionTest, DetectsTruncatedAndGarbledInput) {
  const std::string data = sampleJson();
  std::string z = compressZstd(data);
  std::string g = compressGzip(data);
  EXPECT_FALSE(decompress(ContentEncoding::kZstd, z.substr(0, z.size() / 2), 1 << 20).ok());
  EXPECT_FALSE(decompress(ContentEncoding::kGzip, g.substr(0, g.size() / 2), 1 << 20).ok());
  EXPECT_FALSE(decompress(ContentEncoding::kZstd, "not zstd at all", 1 << 20).ok());
  EXPECT_FALSE(decompress(ContentEncoding::kGzip, "not gzip at all", 1 << 20).ok());
}

TEST(CompressionTest, ParsesContentEncodingHeader) {
  EXPECT_EQ(*parseContentEncoding(""), ContentEncoding::kIdentity);
  EXPECT_EQ(*parseContentEncoding("zstd"), ContentEncoding::kZstd);
  EXPECT_EQ(*parseContentEncoding("gzip"), ContentEncoding::kGzip);
  EXPECT_FALSE(parseContentEncoding("br").ok());
}

}  // namespace
}  // namespace kubemonitor
