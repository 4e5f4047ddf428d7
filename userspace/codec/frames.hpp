// The frames a node sends on becoming active, besides adverts, built exactly as keepalived builds
// them so that neighbours, switches and anything watching see the same thing (checked byte for byte
// against the captures in tests/fixtures/keepalived). Sent on an AF_PACKET socket, so they start
// with the Ethernet header; the NIC adds padding and FCS.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/ip_address.hpp"
#include "common/mac_address.hpp"

namespace xvip {

inline constexpr std::size_t gratuitous_arp_size = 42;  // Ethernet 14 + ARP 28
inline constexpr std::size_t unsolicited_na_size = 86;  // Ethernet 14 + IPv6 40 + NA 32
using GratuitousArpFrame = std::array<std::uint8_t, gratuitous_arp_size>;
using UnsolicitedNaFrame = std::array<std::uint8_t, unsolicited_na_size>;

// A gratuitous ARP for `vip` (IPv4) from `interface_mac`: broadcast, ARP *request* (not reply),
// sender = target = the VIP, target hardware address ff:ff:ff:ff:ff:ff, no padding. nullopt if `vip`
// is not IPv4.
std::optional<GratuitousArpFrame> build_gratuitous_arp(const MacAddress& interface_mac, const IpAddress& vip);

// An unsolicited neighbour advertisement (RFC 4861 §7.2.6) for `vip` (IPv6) from `interface_mac`:
// to ff02::1 (33:33:00:00:00:01) from the VIP itself, hop limit 255, Override set, Solicited clear,
// Router as given (keepalived sets it when the interface forwards IPv6), a target link-layer address
// option with the MAC. nullopt if `vip` is not IPv6.
std::optional<UnsolicitedNaFrame> build_unsolicited_na(const MacAddress& interface_mac, const IpAddress& vip,
                                                       bool router = false);

// A BFD control packet (`control`, 24 bytes) in a whole Ethernet frame: the request of fast
// failover, sent on an AF_PACKET socket because the destination, a VIP, is held by this node's
// kernel too (a UDP socket would deliver it locally). UDP from `source_port` to 3784, TTL / hop
// limit 255 (RFC 5881 §5), IPv4 without options and with DF, the UDP checksum computed for both
// families. nullopt when the addresses are not of one family.
std::optional<std::vector<std::uint8_t>> build_bfd_frame(const MacAddress& destination_mac,
                                                         const MacAddress& source_mac, const IpAddress& source,
                                                         const IpAddress& destination, std::uint16_t source_port,
                                                         std::span<const std::uint8_t> control);

}  // namespace xvip
