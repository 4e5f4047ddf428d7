#include "system/interface_info.hpp"

#include <gtest/gtest.h>

namespace xvip {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

InterfacePrefix prefix(const char* address, std::uint8_t length) {
    return {.address = ip(address), .prefix_length = length};
}

TEST(PrefixContains, ComparesTheLeadingBitsOnly) {
    EXPECT_TRUE(prefix_contains(prefix("192.0.2.10", 24), ip("192.0.2.100")));
    EXPECT_FALSE(prefix_contains(prefix("192.0.2.10", 24), ip("192.0.3.100")));
    EXPECT_TRUE(prefix_contains(prefix("192.0.2.10", 25), ip("192.0.2.127")));
    EXPECT_FALSE(prefix_contains(prefix("192.0.2.10", 25), ip("192.0.2.128")));
    EXPECT_TRUE(prefix_contains(prefix("10.1.2.3", 0), ip("203.0.113.1")));
    EXPECT_TRUE(prefix_contains(prefix("2001:db8:1::10", 64), ip("2001:db8:1::100")));
    EXPECT_FALSE(prefix_contains(prefix("2001:db8:1::10", 64), ip("2001:db8:2::100")));
    EXPECT_TRUE(prefix_contains(prefix("2001:db8:1::10", 61), ip("2001:db8:1:7::1")));
    EXPECT_FALSE(prefix_contains(prefix("2001:db8:1::10", 61), ip("2001:db8:1:8::1")));
}

TEST(PrefixContains, NeverAcrossFamilies) {
    EXPECT_FALSE(prefix_contains(prefix("0.0.0.0", 0), ip("::")));
    EXPECT_FALSE(prefix_contains(prefix("::", 0), ip("192.0.2.1")));
}

TEST(OnLink, UsesSubnetsButNotHostPrefixes) {
    InterfaceInfo info;
    info.prefixes = {prefix("192.0.2.10", 24), prefix("198.51.100.7", 32), prefix("2001:db8:1::10", 64),
                     prefix("2001:db8:9::1", 128), prefix("fe80::1", 64)};
    EXPECT_TRUE(on_link(info, ip("192.0.2.100")));
    EXPECT_FALSE(on_link(info, ip("198.51.100.7"))) << "a /32 (a VIP xvip added) is no subnet";
    EXPECT_FALSE(on_link(info, ip("203.0.113.1")));
    EXPECT_TRUE(on_link(info, ip("2001:db8:1::100")));
    EXPECT_FALSE(on_link(info, ip("2001:db8:9::1"))) << "nor is a /128";
    EXPECT_FALSE(on_link(info, ip("2001:db8:2::1")));
    EXPECT_FALSE(on_link(InterfaceInfo{}, ip("192.0.2.100"))) << "no addresses, no subnets";
}

TEST(OwnIpv6LinkLocal, NeverAVipAndSettledAndPreferredFirst) {
    InterfaceInfo info;
    info.prefixes = {
        {.address = ip("fe80::1:51"), .prefix_length = 128, .deprecated = true},  // a link-local VIP
        {.address = ip("192.0.2.10"), .prefix_length = 24},
        {.address = ip("fe80::aa"), .prefix_length = 64, .tentative = true},
        {.address = ip("fe80::bb"), .prefix_length = 64, .deprecated = true},
        {.address = ip("fe80::cc"), .prefix_length = 64},
    };
    EXPECT_EQ(own_ipv6_link_local(info, {ip("fe80::1:51")}), ip("fe80::cc"));
    info.prefixes.pop_back();
    EXPECT_EQ(own_ipv6_link_local(info, {ip("fe80::1:51")}), ip("fe80::bb")) << "deprecated beats tentative";
    info.prefixes.pop_back();
    EXPECT_EQ(own_ipv6_link_local(info, {ip("fe80::1:51")}), ip("fe80::aa")) << "tentative beats none";
    info.prefixes.pop_back();
    EXPECT_EQ(own_ipv6_link_local(info, {ip("fe80::1:51")}), std::nullopt) << "the VIP is never the answer";
    EXPECT_EQ(own_ipv6_link_local(info, {}), ip("fe80::1:51")) << "not a VIP here: the host's own";
}

}  // namespace
}  // namespace xvip
