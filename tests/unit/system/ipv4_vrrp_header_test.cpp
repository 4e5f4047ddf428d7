#include "system/ipv4_vrrp_header.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "codec/inet_checksum.hpp"
#include "codec/ipv4_vrrp_packet.hpp"

namespace xvip {
namespace {

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

// The first 20 bytes of keepalived's own adverts (tests/fuzz/corpus/advert_decoder/*.ipv4, from
// keepalived captures like those of tests/fixtures/keepalived): what our header must be, byte for
// byte.
TEST(Ipv4VrrpHeader, MatchesKeepalivedMulticastAdvert) {
    const Ipv4Header expected{0x45, 0xc0, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70,
                              0xd0, 0x2b, 0x0a, 0x58, 0x00, 0x0b, 0xe0, 0x00, 0x00, 0x12};
    const auto header = build_vrrp_ipv4_header(ip("10.88.0.11"), ip("224.0.0.18"), 24, 1);
    ASSERT_TRUE(header);
    EXPECT_EQ(*header, expected);
}

TEST(Ipv4VrrpHeader, MatchesKeepalivedUnicastAdvert) {
    const Ipv4Header expected{0x45, 0xc0, 0x00, 0x24, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70,
                              0xa5, 0xe2, 0x0a, 0x58, 0x00, 0x0b, 0x0a, 0x58, 0x00, 0x0c};
    const auto header = build_vrrp_ipv4_header(ip("10.88.0.11"), ip("10.88.0.12"), 16, 1);
    ASSERT_TRUE(header);
    EXPECT_EQ(*header, expected);
}

// A unicast instance's unicast_ttl goes into the header, the checksum following it.
TEST(Ipv4VrrpHeader, CarriesTheTtlItIsGiven) {
    const auto header = build_vrrp_ipv4_header(ip("10.88.0.11"), ip("10.88.0.12"), 16, 1, 64);
    ASSERT_TRUE(header);
    EXPECT_EQ((*header)[8], 64);
    EXPECT_EQ(inet_checksum(*header), 0);
    EXPECT_EQ((*build_vrrp_ipv4_header(ip("10.88.0.11"), ip("10.88.0.12"), 16, 1))[8], 255) << "the default";
}

TEST(Ipv4VrrpHeader, ChecksumVerifiesAndTheParserAcceptsThePacket) {
    const auto header = build_vrrp_ipv4_header(ip("192.0.2.10"), ip("192.0.2.11"), 8, 0xbeef);
    ASSERT_TRUE(header);
    EXPECT_EQ(inet_checksum(*header), 0) << "a correct header sums to zero";
    std::vector<std::uint8_t> packet(header->begin(), header->end());
    packet.insert(packet.end(), {0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x00, 0x00});
    const auto parsed = parse_ipv4_vrrp_packet(packet);
    ASSERT_TRUE(parsed) << to_string(parsed.error());
    EXPECT_EQ(parsed->ttl, 255);
    EXPECT_EQ(parsed->source, ip("192.0.2.10"));
    EXPECT_EQ(parsed->destination, ip("192.0.2.11"));
    EXPECT_EQ(parsed->payload.size(), 8u);
    EXPECT_EQ((*header)[4], 0xbe);
    EXPECT_EQ((*header)[5], 0xef);
    EXPECT_EQ((*header)[6] & 0x40, 0) << "no DF, as keepalived";
}

TEST(Ipv4VrrpHeader, RefusesIpv6AndOversizedPackets) {
    EXPECT_FALSE(build_vrrp_ipv4_header(ip("2001:db8::1"), ip("224.0.0.18"), 8, 1));
    EXPECT_FALSE(build_vrrp_ipv4_header(ip("192.0.2.10"), ip("ff02::12"), 8, 1));
    EXPECT_TRUE(build_vrrp_ipv4_header(ip("192.0.2.10"), ip("224.0.0.18"), 65535 - 20, 1));
    EXPECT_FALSE(build_vrrp_ipv4_header(ip("192.0.2.10"), ip("224.0.0.18"), 65535 - 19, 1));
}

}  // namespace
}  // namespace xvip
