// Every gratuitous ARP and unsolicited NA keepalived sent in the captures equals, byte for byte,
// what the builders make from the sender's MAC and the VIP.
#include "codec/frames.hpp"

#include <gtest/gtest.h>

#include <set>

#include "codec/bfd_control.hpp"
#include "codec/inet_checksum.hpp"
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

namespace xvip {
namespace {

const MacAddress bfd_to_mac{0x02, 0, 0, 0, 0, 0x77};
const MacAddress bfd_from_mac{0x02, 0, 0, 0, 0, 0x98};

// A fast-failover request: the whole frame, with both checksums right, decodes back.
TEST(BfdFrame, Ipv4CarriesTheControlPacketToPort3784WithTtl255) {
    BfdControl control{.state = BfdState::up, .my_discriminator = 0x53640033, .your_discriminator = 0x58560033};
    const auto payload = encode_bfd_control(control);
    const auto frame = build_bfd_frame(bfd_to_mac, bfd_from_mac, *IpAddress::parse("192.0.2.98"),
                                       *IpAddress::parse("192.0.2.50"), 49152 + 51, payload);
    ASSERT_TRUE(frame);
    ASSERT_EQ(frame->size(), 14u + 20 + 8 + 24);
    EXPECT_TRUE(std::equal(bfd_to_mac.begin(), bfd_to_mac.end(), frame->begin()));
    EXPECT_EQ((*frame)[12], 0x08);
    EXPECT_EQ((*frame)[14 + 8], 255);  // TTL
    EXPECT_EQ((*frame)[14 + 9], 17);   // UDP
    const std::span<const std::uint8_t> bytes(*frame);
    EXPECT_EQ(inet_checksum(bytes.subspan(14, 20)), 0);  // a header with its checksum sums to 0
    EXPECT_EQ(InetChecksum{}
                  .add_pseudo_header(*IpAddress::parse("192.0.2.98"), *IpAddress::parse("192.0.2.50"), 17, 32)
                  .add(bytes.subspan(34))
                  .finish(),
              0);
    EXPECT_EQ((*frame)[36], 3784 >> 8);
    EXPECT_EQ((*frame)[37], 3784 & 0xff);
    const auto decoded = decode_bfd_control(bytes.subspan(42));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded.value(), control);
}

TEST(BfdFrame, Ipv6HasHopLimit255AndAChecksumAndFamiliesMustMatch) {
    const auto payload = encode_bfd_control({.state = BfdState::down, .my_discriminator = 0x53640133});
    const IpAddress from = *IpAddress::parse("2001:db8::98"), to = *IpAddress::parse("2001:db8::50");
    const auto frame = build_bfd_frame(bfd_to_mac, bfd_from_mac, from, to, 49152 + 307, payload);
    ASSERT_TRUE(frame);
    ASSERT_EQ(frame->size(), 14u + 40 + 8 + 24);
    EXPECT_EQ((*frame)[14 + 7], 255);
    const std::span<const std::uint8_t> bytes(*frame);
    EXPECT_EQ(InetChecksum{}.add_pseudo_header(from, to, 17, 32).add(bytes.subspan(54)).finish(), 0);
    EXPECT_FALSE(build_bfd_frame(bfd_to_mac, bfd_from_mac, from, *IpAddress::parse("192.0.2.50"), 1, payload));
}

}  // namespace
}  // namespace xvip
