// Everything a peer's bytes reach before the election: the raw-socket IPv4 parser and the advert
// decoder, in both address families. Whatever decodes must encode again with the checksum form it
// came with and decode to the same Advert.
#include <cstdlib>
#include <vector>

#include "codec/advert_codec.hpp"
#include "codec/inet_checksum.hpp"
#include "codec/ipv4_vrrp_packet.hpp"
#include "fuzz_targets.hpp"

namespace {

using xvip::AddressFamily;
using xvip::ChecksumForm;
using xvip::IpAddress;
using xvip::IpEnvelope;

const IpEnvelope ipv4_multicast{AddressFamily::ipv4, IpAddress::v4({10, 88, 0, 11}), IpAddress::v4({224, 0, 0, 18})};
const IpEnvelope ipv4_unicast{AddressFamily::ipv4, IpAddress::v4({10, 88, 0, 11}), IpAddress::v4({10, 88, 0, 12})};
const IpEnvelope ipv6_multicast{
    AddressFamily::ipv6, IpAddress::v6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xde, 0x5f, 0xff, 0xfe, 0x27, 0x0c, 0xeb}),
    IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12})};

void require(bool condition) {
    if (!condition) std::abort();
}

// True when `message` decodes.
bool decode_and_round_trip(std::span<const std::uint8_t> message, const IpEnvelope& envelope) {
    const auto decoded = xvip::decode_advert(message, envelope);
    if (!decoded) return false;
    const auto encoded = xvip::encode_advert(decoded->advert, envelope, decoded->checksum_form);
    require(encoded.has_value());
    require(encoded->size() == message.size());
    const auto again = xvip::decode_advert(*encoded, envelope);
    require(again.has_value());
    require(again->advert == decoded->advert);
    return true;
}

// Random checksums almost never match, so also try the input with its checksum made right for
// `form`: that lets the fuzzer explore what lies behind the checksum check.
void decode_with_checksum_fixed(std::span<const std::uint8_t> data, const IpEnvelope& envelope, ChecksumForm form) {
    if (data.size() < 8) return;
    std::vector<std::uint8_t> message(data.begin(), data.end());
    message[6] = message[7] = 0;
    xvip::InetChecksum sum;
    const auto length = static_cast<std::uint32_t>(message.size());
    if (form == ChecksumForm::ipv4_pseudo_header || form == ChecksumForm::ipv6_pseudo_header) {
        sum.add_pseudo_header(envelope.source, envelope.destination, xvip::ip_protocol_vrrp, length);
    } else if (form == ChecksumForm::ipv4_pseudo_header_vrrp_group) {
        sum.add_pseudo_header(envelope.source, IpAddress::v4({224, 0, 0, 18}), xvip::ip_protocol_vrrp, length);
    }
    const std::uint16_t checksum = sum.add(message).finish();
    message[6] = static_cast<std::uint8_t>(checksum >> 8);
    message[7] = static_cast<std::uint8_t>(checksum);
    decode_and_round_trip(message, envelope);
}

}  // namespace

namespace xvip::fuzz {

Outcome advert_decoder(std::span<const std::uint8_t> input) {
    bool decoded = false;
    for (const IpEnvelope* envelope : {&ipv4_multicast, &ipv4_unicast, &ipv6_multicast}) {
        decoded = decode_and_round_trip(input, *envelope) || decoded;
    }
    decode_with_checksum_fixed(input, ipv4_unicast, ChecksumForm::message_only);
    decode_with_checksum_fixed(input, ipv4_unicast, ChecksumForm::ipv4_pseudo_header);
    decode_with_checksum_fixed(input, ipv4_unicast, ChecksumForm::ipv4_pseudo_header_vrrp_group);
    decode_with_checksum_fixed(input, ipv6_multicast, ChecksumForm::ipv6_pseudo_header);

    const auto packet = parse_ipv4_vrrp_packet(input);
    if (packet) {
        require(packet->payload.data() >= input.data());
        require(packet->payload.data() + packet->payload.size() <= input.data() + input.size());
        decode_and_round_trip(packet->payload, {AddressFamily::ipv4, packet->source, packet->destination});
        decoded = true;
    }
    return decoded ? Outcome::accepted : Outcome::refused;
}

}  // namespace xvip::fuzz
