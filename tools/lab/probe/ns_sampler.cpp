// The ARP sampler's IPv6 twin (declared in arp_sampler.hpp): a neighbour solicitation for the VIP
// every millisecond, to its solicited-node group, and which MACs answered with an advertisement.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "common/monotonic_clock.hpp"
#include "common/unique_fd.hpp"
#include "probe/arp_sampler.hpp"

namespace xvip::probe {

using namespace std::chrono;

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
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IPV6)));
    if (!fd) throw std::system_error(errno, std::generic_category(), "NS sampler socket");
    const int ifindex = static_cast<int>(if_nametoindex("eth0"));
    if (ifindex == 0) throw std::system_error(errno, std::generic_category(), "NS sampler: eth0");
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "eth0", IFNAMSIZ - 1);
    if (ioctl(fd.get(), SIOCGIFHWADDR, &ifr) != 0)
        throw std::system_error(errno, std::generic_category(), "SIOCGIFHWADDR");
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_IPV6);
    address.sll_ifindex = ifindex;
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::system_error(errno, std::generic_category(), "binding the NS sampler");
    }
    const auto vip = o.vip.bytes();
    const auto own = o.own_ip.bytes();
    // Solicited-node group ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX.
    std::array<std::uint8_t, 16> group{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, vip[13], vip[14], vip[15]};
    // Ethernet, IPv6 (hop limit 255), ICMPv6 NS with the target and a source link-layer option.
    std::array<std::uint8_t, kEth + kIp6 + 32> request{};
    std::uint8_t* eth = request.data();
    const std::array<std::uint8_t, 6> group_mac{0x33, 0x33, 0xff, vip[13], vip[14], vip[15]};
    std::memcpy(eth, group_mac.data(), 6);
    std::memcpy(eth + 6, ifr.ifr_hwaddr.sa_data, 6);
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
    std::memcpy(icmp + 26, ifr.ifr_hwaddr.sa_data, 6);
    const auto checksum = icmp6_checksum(own.data(), group.data(), icmp, 32);
    icmp[2] = static_cast<std::uint8_t>(checksum >> 8);
    icmp[3] = static_cast<std::uint8_t>(checksum & 0xff);
    sockaddr_ll to = address;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, group_mac.data(), 6);

    ArpSamples samples;
    const auto count = static_cast<std::size_t>(o.duration / 1ms);
    samples.slots.assign(count, 0);
    const auto start = monotonic_now();
    samples.started_at = start;
    const auto end = start + duration_cast<nanoseconds>(o.duration);
    auto next_send = start;
    std::array<std::uint8_t, 256> frame{};
    while (true) {
        const auto now = monotonic_now();
        if (now >= end || (o.stop && o.stop->load())) break;
        if (now >= next_send && samples.sent < count) {
            if (sendto(fd.get(), request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0) {
                ++samples.sent;
            }
            next_send += 1ms;
        }
        const auto wait = std::min(next_send, end) - monotonic_now();
        pollfd p{fd.get(), POLLIN, 0};
        const timespec timeout{0, std::max<long>(0, static_cast<long>(wait.count()))};
        if (ppoll(&p, 1, &timeout, nullptr) <= 0) continue;
        while (true) {
            const auto n = recv(fd.get(), frame.data(), frame.size(), MSG_DONTWAIT);
            if (n < 0) break;
            const auto at = monotonic_now();
            if (n < static_cast<ssize_t>(kEth + kIp6 + 24) || frame[12] != 0x86 || frame[13] != 0xdd) continue;
            const std::uint8_t* rip = frame.data() + kEth;
            const std::uint8_t* ricmp = rip + kIp6;
            if (rip[6] != kIcmp6 || ricmp[0] != kAdvertisement) continue;  // advertisements only
            if (std::memcmp(ricmp + 8, vip.data(), 16) != 0) continue;     // for the VIP
            if (std::memcmp(rip + 24, own.data(), 16) != 0) continue;      // to us
            const auto slot = static_cast<std::size_t>((at - start) / 1ms);
            if (slot >= samples.slots.size()) continue;
            std::uint8_t bit = 0x80;
            for (std::size_t i = 0; i < o.nodes.size() && i < 7; ++i) {
                if (std::memcmp(frame.data() + 6, o.nodes[i].data(), 6) == 0) bit = static_cast<std::uint8_t>(1u << i);
            }
            samples.slots[slot] = static_cast<std::uint8_t>(samples.slots[slot] | bit);
        }
    }
    return samples;
}

}  // namespace xvip::probe
