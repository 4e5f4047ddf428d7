// Every gratuitous ARP and unsolicited NA keepalived sent in the captures equals, byte for byte,
// what the builders make from the sender's MAC and the VIP.
#include "codec/frames.hpp"

#include <gtest/gtest.h>

#include <set>

#include "keepalived_captures.hpp"

namespace xvip::test {
namespace {

MacAddress source_mac(const Frame& frame) {
    MacAddress mac{};
    std::copy(frame.begin() + 6, frame.begin() + 12, mac.begin());
    return mac;
}

std::set<std::string> documented_addresses(const CaptureFacts& facts) {
    return {facts.addresses.begin(), facts.addresses.end()};
}

// The frames keepalived announced its VIPs with: the first burst on becoming master, then the
// refresh bursts (vrrp_garp_master_refresh) if the capture has them.
std::size_t documented_announcements(const CaptureFacts& facts, const DissectedCapture& capture) {
    return facts.first_burst + facts.refresh_burst * (capture.announcement_bursts.size() - 1);
}

TEST(GratuitousArp, MatchesKeepalivedByteForByte) {
    std::size_t checked = 0;
    for (const auto& facts : keepalived_captures()) {
        if (facts.destination == "ff02::12") continue;
        SCOPED_TRACE(facts.name);
        const auto capture = dissect_capture(facts.name);
        ASSERT_GE(capture.announcement_bursts.size(), facts.bursts_min);
        ASSERT_LE(capture.announcement_bursts.size(), facts.bursts_max);
        // vrrp_garp_master_repeat 2 per VIP, and as many again per refresh.
        ASSERT_EQ(capture.gratuitous_arps.size(), documented_announcements(facts, capture));
        std::set<std::string> announced;
        for (const Frame& captured : capture.gratuitous_arps) {
            const auto vip = *IpAddress::from_bytes(std::span(captured).subspan(28, 4));
            announced.insert(vip.to_string());
            // The adverts and the GARPs leave from the same interface MAC.
            EXPECT_EQ(source_mac(captured), capture.adverts.front().source_mac);
            const auto built = build_gratuitous_arp(source_mac(captured), vip);
            ASSERT_TRUE(built);
            EXPECT_EQ(hex({built->begin(), built->end()}), hex(captured));
            ++checked;
        }
        EXPECT_EQ(announced, documented_addresses(facts));
    }
    EXPECT_GT(checked, 0u);
}

TEST(GratuitousArp, FourVipsAreAllAnnounced) {
    const CaptureFacts& facts = capture_facts("v3-four-vips");
    ASSERT_EQ(facts.addresses.size(), 4u);
    const auto capture = dissect_capture(facts.name);
    ASSERT_EQ(capture.announcement_bursts.size(), 1u);
    EXPECT_EQ(capture.gratuitous_arps.size(), 8u) << "vrrp_garp_master_repeat 2 for each of 4 VIPs";
    std::set<std::string> announced;
    for (const Frame& captured : capture.gratuitous_arps) {
        announced.insert(IpAddress::from_bytes(std::span(captured).subspan(28, 4))->to_string());
    }
    EXPECT_EQ(announced, documented_addresses(facts));
}

TEST(GratuitousArp, IsARequestWithBroadcastTargetAndNoPadding) {
    // Spelled out once, so that a wrong capture or a wrong builder cannot agree by accident.
    const MacAddress mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    const auto built = build_gratuitous_arp(mac, *IpAddress::parse("192.0.2.7"));
    ASSERT_TRUE(built);
    const std::vector<std::uint8_t> expected = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00,
                                                0x01, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01,
                                                0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 192,  0,    2,    7,    0xff,
                                                0xff, 0xff, 0xff, 0xff, 0xff, 192,  0,    2,    7};
    EXPECT_EQ(hex({built->begin(), built->end()}), hex(expected));
}

TEST(GratuitousArp, RefusesIpv6) {
    EXPECT_FALSE(build_gratuitous_arp({}, *IpAddress::parse("2001:db8::1")));
}

TEST(UnsolicitedNeighbourAdvert, MatchesKeepalivedByteForByte) {
    const CaptureFacts& facts = capture_facts("v3-ipv6");
    const auto capture = dissect_capture(facts.name);
    // keepalived's default vrrp_garp_master_repeat of 5, two VIPs, one burst.
    ASSERT_EQ(capture.neighbour_adverts.size(), 10u);
    ASSERT_EQ(capture.announcement_bursts.size(), 1u);
    std::set<std::string> announced;
    for (const Frame& captured : capture.neighbour_adverts) {
        const auto vip = *IpAddress::from_bytes(std::span(captured).subspan(62, 16));
        announced.insert(vip.to_string());
        EXPECT_EQ(source_mac(captured), capture.adverts.front().source_mac);
        const auto built = build_unsolicited_na(source_mac(captured), vip);
        ASSERT_TRUE(built);
        EXPECT_EQ(hex({built->begin(), built->end()}), hex(captured));
    }
    EXPECT_EQ(announced, documented_addresses(facts));
}

TEST(UnsolicitedNeighbourAdvert, ChecksumIsOverTheIpv6PseudoHeader) {
    const MacAddress mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    for (bool router : {false, true}) {
        const auto built = build_unsolicited_na(mac, *IpAddress::parse("2001:db8::7"), router);
        ASSERT_TRUE(built);
        const Frame frame(built->begin(), built->end());
        EXPECT_EQ(frame[54], 136);
        EXPECT_EQ(frame[58], router ? 0xa0 : 0x20);  // R|O or O alone, S never
        // Pseudo-header: source, destination, length 32, next header 58; then the ICMPv6 message.
        std::vector<std::uint8_t> covered(frame.begin() + 22, frame.begin() + 54);
        for (int b : {0, 0, 0, 32, 0, 0, 0, 58}) covered.push_back(static_cast<std::uint8_t>(b));
        for (std::size_t i = 54; i < frame.size(); ++i) covered.push_back(frame[i]);
        EXPECT_EQ(reference_checksum(covered), 0);
    }
}

TEST(UnsolicitedNeighbourAdvert, RefusesIpv4) {
    EXPECT_FALSE(build_unsolicited_na({}, *IpAddress::parse("192.0.2.1")));
}

}  // namespace
}  // namespace xvip::test
