#include "codec/ipv4_vrrp_packet.hpp"

#include "codec/advert_codec.hpp"
#include "codec/big_endian.hpp"
#include "codec/inet_checksum.hpp"

namespace xvip {

namespace {

constexpr std::size_t min_header_size = 20;
constexpr std::uint16_t more_fragments_and_offset_mask = 0x3fff;

}  // namespace

ValueOrError<Ipv4VrrpPacket, DiscardReason> parse_ipv4_vrrp_packet(std::span<const std::uint8_t> packet) {
    if (packet.size() < min_header_size) return DiscardReason::truncated;
    if (packet[0] >> 4 != 4) return DiscardReason::bad_ip_header;
    const std::size_t header_size = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
    if (header_size < min_header_size) return DiscardReason::bad_ip_header;
    if (packet.size() < header_size) return DiscardReason::truncated;

    const auto header = packet.first(header_size);
    if (inet_checksum(header) != 0) return DiscardReason::bad_ip_header;
    const std::size_t total_length = big_endian::load16(header, 2);
    if (total_length < header_size) return DiscardReason::bad_ip_header;
    if (packet.size() < total_length) return DiscardReason::truncated;
    // The kernel reassembles before a raw socket sees the packet, so a fragment here is forged.
    if ((big_endian::load16(header, 6) & more_fragments_and_offset_mask) != 0) {
        return DiscardReason::bad_ip_header;
    }
    if (header[9] != ip_protocol_vrrp) return DiscardReason::bad_ip_header;

    Ipv4VrrpPacket parsed;
    parsed.ttl = header[8];
    parsed.source = IpAddress::v4({header[12], header[13], header[14], header[15]});
    parsed.destination = IpAddress::v4({header[16], header[17], header[18], header[19]});
    parsed.payload = packet.subspan(header_size, total_length - header_size);
    return parsed;
}

}  // namespace xvip
