#include "codec/inet_checksum.hpp"

namespace xvip {

namespace {

// Folding as we go keeps the 32-bit sum from overflowing on any input length.
std::uint32_t fold(std::uint32_t sum) {
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

}  // namespace

InetChecksum& InetChecksum::add(std::span<const std::uint8_t> bytes) {
    std::size_t i = 0;
    if (odd_byte_pending_ && !bytes.empty()) {
        sum_ = fold(sum_ + static_cast<std::uint32_t>((pending_ << 8) | bytes[0]));
        odd_byte_pending_ = false;
        i = 1;
    }
    for (; i + 1 < bytes.size(); i += 2) {
        sum_ = fold(sum_ + static_cast<std::uint32_t>((bytes[i] << 8) | bytes[i + 1]));
    }
    if (i < bytes.size()) {
        odd_byte_pending_ = true;
        pending_ = bytes[i];
    }
    return *this;
}

InetChecksum& InetChecksum::add16(std::uint16_t word) {
    const std::uint8_t bytes[2] = {static_cast<std::uint8_t>(word >> 8), static_cast<std::uint8_t>(word)};
    return add(bytes);
}

InetChecksum& InetChecksum::add_pseudo_header(const IpAddress& source, const IpAddress& destination,
                                              std::uint8_t protocol, std::uint32_t upper_layer_length) {
    add(source.bytes());
    add(destination.bytes());
    if (source.is_v4()) {
        // RFC 768: zero, protocol, 16-bit length.
        add16(protocol);
        add16(static_cast<std::uint16_t>(upper_layer_length));
    } else {
        // RFC 8200 §8.1: 32-bit length, three zero bytes, next header.
        add16(static_cast<std::uint16_t>(upper_layer_length >> 16));
        add16(static_cast<std::uint16_t>(upper_layer_length));
        add16(0);
        add16(protocol);
    }
    return *this;
}

std::uint16_t InetChecksum::finish() const {
    std::uint32_t sum = sum_;
    // RFC 1071: a trailing odd byte is summed as if padded with a zero byte.
    if (odd_byte_pending_) sum = fold(sum + static_cast<std::uint32_t>(pending_ << 8));
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

}  // namespace xvip
