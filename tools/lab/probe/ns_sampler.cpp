// The ARP sampler's IPv6 twin (declared in arp_sampler.hpp): a neighbour solicitation for the VIP
// every millisecond, to its solicited-node group, and which MACs answered with an advertisement.
#include <linux/if_ether.h>

#include <array>
#include <cstring>
#include <stdexcept>

#include "probe/sampler_loop.hpp"

namespace xvip::probe {

namespace {

constexpr std::size_t kEth = 14, kIp6 = 40;
constexpr std::uint8_t kIcmp6 = 58, kSolicitation = 135, kAdvertisement = 136;

// The ICMPv6 checksum over the pseudo-header (RFC 8200 §8.1) and the message.
std::uint16_t icmp6_checksum(const std::uint8_t* source, const std::uint8_t* destination, const std::uint8_t* message,
                             std::size_t length) {
    std::uint32_t sum = 0;
    const auto add = [&](const std::uint8_t* p, std::size_t n) {
        for (std::size_t i = 0; i + 1 < n; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
        if (n % 2) sum += static_cast<std::uint32_t>(p[n - 1] << 8);
    };
    add(source, 16);
    add(destination, 16);
    sum += static_cast<std::uint32_t>(length);
    sum += kIcmp6;
    add(message, length);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

}  // namespace

ArpSamples run_ns_sampler(const ArpSamplerOptions& o) {
    if (!o.vip.is_v6() || !o.own_ip.is_v6()) throw std::invalid_argument("the NS sampler takes IPv6 addresses");
    const SamplerSocket socket = open_sampler_socket(ETH_P_IPV6, "NS sampler");
    const auto vip = o.vip.bytes();
    const auto own = o.own_ip.bytes();
    // Solicited-node group ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX.
    std::array<std::uint8_t, 16> group{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, vip[13], vip[14], vip[15]};
    // Ethernet, IPv6 (hop limit 255), ICMPv6 NS with the target and a source link-layer option.
    std::array<std::uint8_t, kEth + kIp6 + 32> request{};
    std::uint8_t* eth = request.data();
    const std::array<std::uint8_t, 6> group_mac{0x33, 0x33, 0xff, vip[13], vip[14], vip[15]};
    std::memcpy(eth, group_mac.data(), 6);
    std::memcpy(eth + 6, socket.mac.data(), 6);
    eth[12] = 0x86;
    eth[13] = 0xdd;
    std::uint8_t* ip = eth + kEth;
    ip[0] = 0x60;
    ip[5] = 32;  // payload length
    ip[6] = kIcmp6;
    ip[7] = 255;
    std::memcpy(ip + 8, own.data(), 16);
    std::memcpy(ip + 24, group.data(), 16);
    std::uint8_t* icmp = ip + kIp6;
    icmp[0] = kSolicitation;
    std::memcpy(icmp + 8, vip.data(), 16);
    icmp[24] = 1;  // source link-layer address, 8 bytes
    icmp[25] = 1;
    std::memcpy(icmp + 26, socket.mac.data(), 6);
    const auto checksum = icmp6_checksum(own.data(), group.data(), icmp, 32);
    icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
    icmp[3] = static_cast<std::uint8_t>(checksum & 0xff);
    return sample_every_millisecond(socket, request, group_mac, o,
                                    [&vip, &own](const std::uint8_t* frame, std::size_t n) -> const std::uint8_t* {
                                        if (n < kEth + kIp6 + 24 || frame[12] != 0x86 || frame[13] != 0xdd)
                                            return nullptr;
                                        const std::uint8_t* rip = frame + kEth;
                                        const std::uint8_t* ricmp = rip + kIp6;
                                        if (rip[6] != kIcmp6 || ricmp[0] != kAdvertisement)
                                            return nullptr;  // advertisements only
                                        if (std::memcmp(ricmp + 8, vip.data(), 16) != 0) return nullptr;  // for the VIP
                                        if (std::memcmp(rip + 24, own.data(), 16) != 0) return nullptr;   // to us
                                        return frame + 6;  // the sender's MAC
                                    });
}

}  // namespace xvip::probe
