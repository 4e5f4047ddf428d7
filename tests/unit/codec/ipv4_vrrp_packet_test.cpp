// The IPv4 header a raw protocol-112 socket delivers is checked and peeled off.
#include "codec/ipv4_vrrp_packet.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "keepalived_captures.hpp"

namespace xvip::test {
namespace {

void set_header_checksum(std::vector<std::uint8_t>& packet) {
    const std::size_t ihl = (packet[0] & 0x0f) * 4u;
    packet[10] = packet[11] = 0;
    const std::uint16_t sum = reference_checksum({packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(ihl)});
    packet[10] = static_cast<std::uint8_t>(sum >> 8);
    packet[11] = static_cast<std::uint8_t>(sum);
}

// The first advert of v3-ucast. A missing or empty capture throws (dissect_capture names the file),
// which fails the calling test; it never hands back an empty packet for the tests to index into.
std::vector<std::uint8_t> fixture_packet() {
    const auto capture = dissect_capture("v3-ucast");
    if (capture.adverts.empty()) throw std::runtime_error("no advert in " + fixture_path("v3-ucast"));
    return capture.adverts.front().ip_packet;
}

DiscardReason reason_of(const std::vector<std::uint8_t>& packet) {
    const auto parsed = parse_ipv4_vrrp_packet(packet);
    EXPECT_FALSE(parsed);
    return parsed ? DiscardReason::own_advert : parsed.error();
}

TEST(Ipv4VrrpPacket, ParsesEveryFixtureAdvert) {
    for (const auto& facts : keepalived_captures()) {
        if (facts.destination == "ff02::12") continue;
        for (const auto& captured : dissect_capture(facts.name).adverts) {
            const auto parsed = parse_ipv4_vrrp_packet(captured.ip_packet);
            ASSERT_TRUE(parsed) << to_string(parsed.error());
            EXPECT_EQ(parsed->ttl, 255);
            EXPECT_EQ(parsed->source, *IpAddress::parse(facts.source));
            EXPECT_EQ(parsed->destination, *IpAddress::parse(facts.destination));
            EXPECT_EQ(std::vector<std::uint8_t>(parsed->payload.begin(), parsed->payload.end()), captured.vrrp);
        }
    }
}

TEST(Ipv4VrrpPacket, SkipsOptions) {
    // Router Alert (RFC 2113), as some senders add to multicast: IHL 6.
    auto packet = fixture_packet();
    const std::vector<std::uint8_t> vrrp(packet.begin() + 20, packet.end());
    packet.insert(packet.begin() + 20, {0x94, 0x04, 0x00, 0x00});
    packet[0] = 0x46;
    packet[3] = static_cast<std::uint8_t>(packet.size());
    set_header_checksum(packet);
    const auto parsed = parse_ipv4_vrrp_packet(packet);
    ASSERT_TRUE(parsed) << to_string(parsed.error());
    EXPECT_EQ(std::vector<std::uint8_t>(parsed->payload.begin(), parsed->payload.end()), vrrp);
}

TEST(Ipv4VrrpPacket, IgnoresBytesPastTheTotalLength) {
    auto packet = fixture_packet();
    const std::size_t vrrp_size = packet.size() - 20;
    packet.resize(46, 0);  // Ethernet minimum payload
    const auto parsed = parse_ipv4_vrrp_packet(packet);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->payload.size(), vrrp_size);
}

TEST(Ipv4VrrpPacket, ReportsTheTtlItGot) {
    auto packet = fixture_packet();
    packet[8] = 64;
    set_header_checksum(packet);
    const auto parsed = parse_ipv4_vrrp_packet(packet);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->ttl, 64);
}

TEST(Ipv4VrrpPacket, EveryTruncationIsTruncated) {
    const auto packet = fixture_packet();
    for (std::size_t length = 0; length < packet.size(); ++length) {
        EXPECT_EQ(reason_of({packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(length)}),
                  DiscardReason::truncated)
            << length;
    }
}

TEST(Ipv4VrrpPacket, RefusesWhatIsNotAPlainVrrpPacket) {
    const auto good = fixture_packet();
    const auto broken = [&](auto change) {
        auto packet = good;
        change(packet);
        set_header_checksum(packet);
        return reason_of(packet);
    };
    EXPECT_EQ(broken([](auto& p) { p[0] = 0x65; }), DiscardReason::bad_ip_header);  // version 6
    EXPECT_EQ(broken([](auto& p) { p[0] = 0x44; }), DiscardReason::bad_ip_header);  // IHL 4
    EXPECT_EQ(broken([](auto& p) { p[9] = 17; }), DiscardReason::bad_ip_header);    // UDP
    EXPECT_EQ(broken([](auto& p) { p[2] = 0, p[3] = 19; }), DiscardReason::bad_ip_header);
    EXPECT_EQ(broken([](auto& p) { p[6] = 0x20; }), DiscardReason::bad_ip_header);  // more fragments
    EXPECT_EQ(broken([](auto& p) { p[7] = 0x01; }), DiscardReason::bad_ip_header);  // offset 8
    EXPECT_EQ(broken([](auto& p) { p[3] = static_cast<std::uint8_t>(p[3] + 1); }),
              DiscardReason::truncated);  // total length beyond the buffer

    auto long_header = good;  // IHL 15: a 60-byte header, longer than the whole packet
    long_header[0] = 0x4f;
    EXPECT_EQ(reason_of(long_header), DiscardReason::truncated);

    auto bad_checksum = good;
    bad_checksum[11] ^= 1;
    EXPECT_EQ(reason_of(bad_checksum), DiscardReason::bad_ip_header);
}

TEST(Ipv4VrrpPacket, AcceptsDontFragment) {
    auto packet = fixture_packet();
    packet[6] = 0x40;
    set_header_checksum(packet);
    EXPECT_TRUE(parse_ipv4_vrrp_packet(packet));
}

}  // namespace
}  // namespace xvip::test
