#include "common/ip_address.hpp"

#include <gtest/gtest.h>

namespace xvip {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
    auto v4 = IpAddress::parse("10.88.0.50");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(v4->is_v4());
    EXPECT_EQ(v4->to_string(), "10.88.0.50");
    EXPECT_EQ(v4->bytes().size(), 4u);

    auto v6 = IpAddress::parse("2001:db8:88::50");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->is_v6());
    EXPECT_EQ(v6->to_string(), "2001:db8:88::50");
    EXPECT_EQ(v6->bytes().size(), 16u);
}

TEST(IpAddress, RejectsWhatIsNotAnAddress) {
    for (const char* bad :
         {"", "10.88.0", "10.88.0.256", "10.88.0.50/24", "fe80::1%eth0", "host", "2001:db8::g", "10.88.0.50 "}) {
        EXPECT_FALSE(IpAddress::parse(bad)) << bad;
    }
    EXPECT_FALSE(IpAddress::parse(std::string(100, '1')));
}

TEST(IpAddress, FromBytesTakesOnlyFourOrSixteen) {
    std::uint8_t raw[16] = {10, 0, 0, 1};
    EXPECT_EQ(IpAddress::from_bytes({raw, 4})->to_string(), "10.0.0.1");
    EXPECT_TRUE(IpAddress::from_bytes({raw, 16})->is_v6());
    EXPECT_FALSE(IpAddress::from_bytes({raw, 5}));
}

TEST(IpAddress, ComparesAsUnsignedNetworkOrder) {
    // 10.0.0.200 > 10.0.0.9 numerically although "200" < "9" as text; 200.x > 10.x as unsigned.
    EXPECT_LT(*IpAddress::parse("10.0.0.9"), *IpAddress::parse("10.0.0.200"));
    EXPECT_LT(*IpAddress::parse("10.0.0.1"), *IpAddress::parse("200.0.0.1"));
    EXPECT_LT(*IpAddress::parse("fe80::1"), *IpAddress::parse("fe80::1:0"));
    EXPECT_EQ(*IpAddress::parse("fe80::0:1"), *IpAddress::parse("fe80::1"));
}

TEST(IpAddress, Classifies) {
    EXPECT_TRUE(IpAddress::parse("224.0.0.18")->is_multicast());
    EXPECT_TRUE(IpAddress::parse("ff02::12")->is_multicast());
    EXPECT_FALSE(IpAddress::parse("10.0.0.1")->is_multicast());
    EXPECT_TRUE(IpAddress::parse("fe80::5:50")->is_link_local());
    EXPECT_FALSE(IpAddress::parse("2001:db8::1")->is_link_local());
    EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
    EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
}

}  // namespace
}  // namespace xvip
