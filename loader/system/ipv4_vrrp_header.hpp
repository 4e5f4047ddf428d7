// The IPv4 header xvip puts in front of an advert on its IP_HDRINCL socket, field for field as
// keepalived builds it (vrrp.c, vrrp_build_ip4), so that captures of both look the same:
// version 4, no options, TOS 0xc0 (network control), identification counting up per packet,
// no DF and no fragment offset, TTL 255 (RFC 5798 §5.1.1.3) unless the caller gives another (a
// unicast instance's unicast_ttl), protocol 112, header checksum set.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "codec/advert_codec.hpp"
#include "common/ip_address.hpp"

namespace xvip {

inline constexpr std::size_t ipv4_header_size = 20;
inline constexpr std::uint8_t vrrp_tos = 0xc0;
using Ipv4Header = std::array<std::uint8_t, ipv4_header_size>;

// nullopt when source or destination is not IPv4, or the packet would exceed 65535 bytes.
std::optional<Ipv4Header> build_vrrp_ipv4_header(const IpAddress& source, const IpAddress& destination,
                                                 std::size_t payload_length, std::uint16_t identification,
                                                 std::uint8_t ttl = vrrp_ttl);

}  // namespace xvip
