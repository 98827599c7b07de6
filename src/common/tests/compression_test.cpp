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

TEST(CompressionTest, OneFrameAndSeveralFramesDecodeAlikeAndAGarbledFrameStaysBounded) {
  const std::string data = sampleJson();
  const std::string frame = compressZstd(data, 9);
  // One whole frame takes the one-call path; two frames back to back the streaming one.
  for (int round = 0; round < 3; ++round) {  // the per-thread context is reused
    auto one = decompress(ContentEncoding::kZstd, frame, 1 << 20);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(*one, data);
  }
  auto two = decompress(ContentEncoding::kZstd, frame + compressZstd("tail"), 1 << 20);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, data + "tail");
  // The frame header is intact (so its size is known) but the payload is not. zstd frames carry
  // no checksum here, so garbage may decode: then never to more than the stated size.
  std::string garbled = frame;
  for (size_t i = garbled.size() / 2; i < garbled.size() / 2 + 8; ++i) garbled[i] = static_cast<char>(~garbled[i]);
  auto bad = decompress(ContentEncoding::kZstd, garbled, 1 << 20);
  if (bad.ok()) {
    EXPECT_EQ(bad->size(), data.size());
  } else {
    EXPECT_EQ(bad.error().code, ErrorCode::kParse);
  }
  // Its stated size above the bound: too large before anything is allocated.
  auto bounded = decompress(ContentEncoding::kZstd, frame, data.size() - 1);
  ASSERT_FALSE(bounded.ok());
  EXPECT_EQ(bounded.error().code, ErrorCode::kTooLarge);
}

TEST(CompressionTest, ParsesContentEncodingHeader) {
  EXPECT_EQ(*parseContentEncoding(""), ContentEncoding::kIdentity);
  EXPECT_EQ(*parseContentEncoding("zstd"), ContentEncoding::kZstd);
  EXPECT_EQ(*parseContentEncoding("gzip"), ContentEncoding::kGzip);
  EXPECT_FALSE(parseContentEncoding("br").ok());
}

}  // namespace
}  // namespace kubemonitor
