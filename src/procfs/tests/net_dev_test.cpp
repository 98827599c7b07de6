#include "procfs/net_dev.h"

#include <gtest/gtest.h>

#include "procfs/tests/fixture.h"

namespace kubemonitor::procfs {
namespace {

constexpr std::string_view kHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
    "carrier compressed\n";

TEST(NetDevTest, CapturedDebian12) {
  const auto host = testing::fixtureHost();
  auto devs = parseNetDev(testing::readFixture(host.paths().procPidNetDev(1)));
  ASSERT_TRUE(devs.ok()) << devs.error().toString();
  ASSERT_EQ(devs->size(), 4u);
  EXPECT_EQ((*devs)[0].interface, "lo");
  EXPECT_EQ((*devs)[0].rx_bytes, 3267u);
  EXPECT_EQ((*devs)[0].tx_packets, 29u);
  EXPECT_EQ((*devs)[1].interface, "ifb0");
  // eth0: 29035321     718    0    0    0     0          0         0    36210     470    0 ...
  const NetDevStats& eth0 = (*devs)[3];
  EXPECT_EQ(eth0.interface, "eth0");
  EXPECT_EQ(eth0.rx_bytes, 29035321u);
  EXPECT_EQ(eth0.rx_packets, 718u);
  EXPECT_EQ(eth0.rx_errors, 0u);
  EXPECT_EQ(eth0.tx_bytes, 36210u);
  EXPECT_EQ(eth0.tx_packets, 470u);
}

TEST(NetDevTest, ColumnsInTheRightPlaceAndNoSpaceAfterColon) {
  const std::string text = std::string(kHeader) +
                           "  eth0:1234567890123 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                           "veth9f8e7d6: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
  auto devs = parseNetDev(text);
  ASSERT_TRUE(devs.ok()) << devs.error().toString();
  ASSERT_EQ(devs->size(), 2u);
  const NetDevStats& eth0 = (*devs)[0];
  EXPECT_EQ(eth0.interface, "eth0");
  EXPECT_EQ(eth0.rx_bytes, 1234567890123u);
  EXPECT_EQ(eth0.rx_packets, 2u);
  EXPECT_EQ(eth0.rx_errors, 3u);
  EXPECT_EQ(eth0.rx_drops, 4u);
  EXPECT_EQ(eth0.tx_bytes, 9u);
  EXPECT_EQ(eth0.tx_packets, 10u);
  EXPECT_EQ(eth0.tx_errors, 11u);
  EXPECT_EQ(eth0.tx_drops, 12u);
  EXPECT_EQ((*devs)[1].interface, "veth9f8e7d6");
}

TEST(NetDevTest, HeadersOnlyIsANamespaceWithoutInterfaces) {
  auto devs = parseNetDev(kHeader);
  ASSERT_TRUE(devs.ok()) << devs.error().toString();
  EXPECT_TRUE(devs->empty());
}

TEST(NetDevTest, Errors) {
  EXPECT_EQ(parseNetDev("").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseNetDev("Inter-|   Receive |  Transmit\n").error().code, ErrorCode::kTruncated);
  EXPECT_EQ(parseNetDev("lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\nx\n").error().code, ErrorCode::kParse);
  const std::string header(kHeader);
  EXPECT_EQ(parseNetDev(header + "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n").error().code,
            ErrorCode::kTruncated);
  EXPECT_EQ(parseNetDev(header + "eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n").error().code, ErrorCode::kParse);
  auto garbled = parseNetDev(header + "eth0: 1 2 3 4 5 6 7 8 9x 10 11 12 13 14 15 16\n");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().message, "line 3: field tx_bytes is not an unsigned integer: '9x'");
  EXPECT_EQ(garbled.error().subject, "net/dev");
}

}  // namespace
}  // namespace kubemonitor::procfs
