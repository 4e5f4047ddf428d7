// What a raw IPv4 socket for protocol 112 hands over: the IPv4 header, options included, then the
// VRRP message. (A raw IPv6 socket hands over the payload alone; its hop limit comes from
// IPV6_HOPLIMIT ancillary data, so there is nothing to parse there.)
#pragma once

#include <cstdint>
#include <span>

#include "codec/discard_reason.hpp"
#include "codec/value_or_error.hpp"
#include "common/ip_address.hpp"

namespace xvip {

struct Ipv4VrrpPacket {
    std::uint8_t ttl = 0;  // the caller checks it against 255: unicast may be configured not to
    IpAddress source;
    IpAddress destination;
    // The VRRP message: from the end of the header to the IP total length. Bytes past the total
    // length (link padding) are not part of it. Points into the parsed buffer.
    std::span<const std::uint8_t> payload;
};

// `truncated` when the buffer is shorter than the header or the total length says; `bad_ip_header`
// when it is not an unfragmented IPv4 packet of protocol 112 with a correct header checksum.
ValueOrError<Ipv4VrrpPacket, DiscardReason> parse_ipv4_vrrp_packet(std::span<const std::uint8_t> packet);

}  // namespace xvip
