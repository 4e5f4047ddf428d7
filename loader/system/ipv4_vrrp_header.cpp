#include "system/ipv4_vrrp_header.hpp"

#include <algorithm>

#include "codec/advert_codec.hpp"
#include "codec/inet_checksum.hpp"

namespace xvip {

namespace {

void put16(Ipv4Header& header, std::size_t at, std::uint16_t value) {
    header[at] = static_cast<std::uint8_t>(value >> 8);
    header[at + 1] = static_cast<std::uint8_t>(value & 0xff);
}

}  // namespace

std::optional<Ipv4Header> build_vrrp_ipv4_header(const IpAddress& source, const IpAddress& destination,
                                                 std::size_t payload_length, std::uint16_t identification,
                                                 std::uint8_t ttl) {
    if (!source.is_v4() || !destination.is_v4()) return std::nullopt;
    if (payload_length > 0xffff - ipv4_header_size) return std::nullopt;
    Ipv4Header header{};
    header[0] = 0x45;  // version 4, IHL 5 words
    header[1] = vrrp_tos;
    put16(header, 2, static_cast<std::uint16_t>(ipv4_header_size + payload_length));
    put16(header, 4, identification);
    // Bytes 6-7, flags and fragment offset, stay zero: keepalived sets no DF.
    header[8] = ttl;
    header[9] = ip_protocol_vrrp;
    std::ranges::copy(source.bytes(), header.begin() + 12);
    std::ranges::copy(destination.bytes(), header.begin() + 16);
    put16(header, 10, inet_checksum(header));
    return header;
}

}  // namespace xvip
