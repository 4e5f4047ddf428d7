// Test support: frames crafted field by field, independently of the code under test, and an
// RFC 1071 checksum written the slow, obvious way to serve as an oracle.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"

namespace xvip::test {

using Bytes = std::vector<std::uint8_t>;
using Mac = std::array<std::uint8_t, 6>;

inline constexpr Mac broadcast_mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_arp = 0x0806;
inline constexpr std::uint16_t ethertype_ipv6 = 0x86dd;
inline constexpr std::uint16_t ethertype_vlan = 0x8100;

IpAddress ip(const char* text);  // aborts the test program on a typo

// RFC 1071 written out the slow, obvious way, as an oracle independent of the code under test.
std::uint16_t reference_checksum(const Bytes& bytes);
std::string hex(const Bytes& bytes);

Bytes ethernet(const Mac& dst, const Mac& src, std::uint16_t ethertype, const Bytes& payload);

struct ArpFields {
    std::uint16_t hrd = 1;
    std::uint16_t pro = ethertype_ipv4;
    std::uint8_t hln = 6;
    std::uint8_t pln = 4;
    std::uint16_t op = 1;
    Mac sha{};
    IpAddress spa;
    Mac tha{};
    IpAddress tpa;
};
Bytes arp(const ArpFields& f);  // 28 bytes for the usual lengths

struct Ipv4Fields {
    IpAddress src, dst;
    std::uint8_t protocol = 1;
    std::uint8_t ttl = 64;
    Bytes options;           // multiple of 4 bytes
    std::uint16_t frag = 0;  // flags + fragment offset, host order
};
Bytes ipv4(const Ipv4Fields& f, const Bytes& payload);

// A UDP header and payload with no checksum (0, which IPv4 allows); `length_change` is added to
// the length field, for malformed datagrams.
Bytes udp(std::uint16_t source, std::uint16_t dest, const Bytes& payload, std::int32_t length_change = 0);

Bytes ipv6(const IpAddress& src, const IpAddress& dst, std::uint8_t next_header, std::uint8_t hop_limit,
           const Bytes& payload);

// An ICMPv6 message with its checksum over the IPv6 pseudo-header.
Bytes icmpv6(const IpAddress& src, const IpAddress& dst, std::uint8_t type, std::uint8_t code, const Bytes& body);

// Neighbour solicitation / advertisement body after the 4-byte ICMPv6 header.
Bytes nd_body(std::uint32_t flags, const IpAddress& target, const Bytes& options);
Bytes lladdr_option(std::uint8_t type, const Mac& mac);  // 1: source, 2: target

IpAddress solicited_node(const IpAddress& target);
Mac ipv6_multicast_mac(const IpAddress& group);

}  // namespace xvip::test
