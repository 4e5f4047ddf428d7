// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit
// big-endian words. VRRP, ICMPv6 and the IPv4 header all use it, some with a pseudo-header in
// front, so it is an accumulator that takes the pieces in order.
#pragma once

#include <cstdint>
#include <span>

#include "common/ip_address.hpp"

namespace xvip {

class InetChecksum {
public:
    // Pieces may have any length: an odd byte left over is paired with the next piece's first byte,
    // as if the pieces were one contiguous buffer.
    InetChecksum& add(std::span<const std::uint8_t> bytes);
    InetChecksum& add16(std::uint16_t word);

    // The pseudo-header a transport checksum covers: RFC 768 layout for IPv4 (12 bytes), RFC 8200
    // §8.1 for IPv6 (40 bytes). Source and destination must be of the same family.
    InetChecksum& add_pseudo_header(const IpAddress& source, const IpAddress& destination, std::uint8_t protocol,
                                    std::uint32_t upper_layer_length);

    // The value to write into the checksum field (computed with that field zero). Summing a buffer
    // whose checksum field holds a correct value gives 0 here.
    std::uint16_t finish() const;

private:
    std::uint32_t sum_ = 0;
    bool odd_byte_pending_ = false;
    std::uint8_t pending_ = 0;
};

inline std::uint16_t inet_checksum(std::span<const std::uint8_t> bytes) {
    return InetChecksum{}.add(bytes).finish();
}

}  // namespace xvip
