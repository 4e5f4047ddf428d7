#include "codec/bfd_control.hpp"

#include "codec/big_endian.hpp"

namespace xvip {

namespace {

constexpr std::uint8_t bfd_version = 1;
constexpr std::uint8_t flag_poll = 0x20, flag_final = 0x10, flag_cpi = 0x08, flag_auth = 0x04, flag_demand = 0x02,
                       flag_multipoint = 0x01;

}  // namespace

std::string_view to_string(BfdState state) {
    switch (state) {
        case BfdState::admin_down: return "admin_down";
        case BfdState::down: return "down";
        case BfdState::init: return "init";
        case BfdState::up: return "up";
    }
    return "unknown";
}

std::string_view to_string(BfdDiscard reason) {
    switch (reason) {
        case BfdDiscard::truncated: return "truncated";
        case BfdDiscard::bad_version: return "bad_version";
        case BfdDiscard::bad_length: return "bad_length";
        case BfdDiscard::zero_detect_multiplier: return "zero_detect_multiplier";
        case BfdDiscard::multipoint: return "multipoint";
        case BfdDiscard::zero_my_discriminator: return "zero_my_discriminator";
        case BfdDiscard::zero_your_discriminator: return "zero_your_discriminator";
        case BfdDiscard::authentication: return "authentication";
    }
    return "unknown";
}

BfdDecodeResult decode_bfd_control(std::span<const std::uint8_t> payload) {
    namespace be = big_endian;
    if (payload.size() < bfd_control_length) return BfdDiscard::truncated;
    if (payload[0] >> 5 != bfd_version) return BfdDiscard::bad_version;
    const std::uint8_t flags = payload[1] & 0x3f;
    const std::size_t length = payload[3];
    if (length < ((flags & flag_auth) ? bfd_control_length + 2 : bfd_control_length)) return BfdDiscard::bad_length;
    if (length > payload.size()) return BfdDiscard::truncated;
    BfdControl packet;
    packet.diag = static_cast<BfdDiag>(payload[0] & 0x1f);
    packet.state = static_cast<BfdState>(payload[1] >> 6);
    packet.poll = (flags & flag_poll) != 0;
    packet.final = (flags & flag_final) != 0;
    packet.control_plane_independent = (flags & flag_cpi) != 0;
    packet.demand = (flags & flag_demand) != 0;
    packet.detect_multiplier = payload[2];
    packet.my_discriminator = be::load32(payload, 4);
    packet.your_discriminator = be::load32(payload, 8);
    packet.desired_min_tx_us = be::load32(payload, 12);
    packet.required_min_rx_us = be::load32(payload, 16);
    packet.required_min_echo_rx_us = be::load32(payload, 20);
    if (packet.detect_multiplier == 0) return BfdDiscard::zero_detect_multiplier;
    if (flags & flag_multipoint) return BfdDiscard::multipoint;
    if (packet.my_discriminator == 0) return BfdDiscard::zero_my_discriminator;
    if (packet.your_discriminator == 0 && packet.state != BfdState::down && packet.state != BfdState::admin_down) {
        return BfdDiscard::zero_your_discriminator;
    }
    if (flags & flag_auth) return BfdDiscard::authentication;
    return packet;
}

std::vector<std::uint8_t> encode_bfd_control(const BfdControl& packet) {
    namespace be = big_endian;
    std::vector<std::uint8_t> bytes(bfd_control_length);
    bytes[0] = static_cast<std::uint8_t>(bfd_version << 5 | (static_cast<std::uint8_t>(packet.diag) & 0x1f));
    bytes[1] = static_cast<std::uint8_t>(
        static_cast<std::uint8_t>(packet.state) << 6 | (packet.poll ? flag_poll : 0) | (packet.final ? flag_final : 0) |
        (packet.control_plane_independent ? flag_cpi : 0) | (packet.demand ? flag_demand : 0));
    bytes[2] = packet.detect_multiplier;
    bytes[3] = static_cast<std::uint8_t>(bfd_control_length);
    be::store32(bytes, 4, packet.my_discriminator);
    be::store32(bytes, 8, packet.your_discriminator);
    be::store32(bytes, 12, packet.desired_min_tx_us);
    be::store32(bytes, 16, packet.required_min_rx_us);
    be::store32(bytes, 20, packet.required_min_echo_rx_us);
    return bytes;
}

}  // namespace xvip
