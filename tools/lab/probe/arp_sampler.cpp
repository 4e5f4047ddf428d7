#include "probe/arp_sampler.hpp"

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
#include <system_error>

#include "common/monotonic_clock.hpp"
#include "common/unique_fd.hpp"

namespace xvip::probe {

using namespace std::chrono;

ArpSamples run_arp_sampler(const ArpSamplerOptions& o) {
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ARP)));
    if (!fd) throw std::system_error(errno, std::generic_category(), "ARP sampler socket");
    const int ifindex = static_cast<int>(if_nametoindex("eth0"));
    if (ifindex == 0) throw std::system_error(errno, std::generic_category(), "ARP sampler: eth0");
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "eth0", IFNAMSIZ - 1);
    if (ioctl(fd.get(), SIOCGIFHWADDR, &ifr) != 0)
        throw std::system_error(errno, std::generic_category(), "SIOCGIFHWADDR");
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ARP);
    address.sll_ifindex = ifindex;
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        throw std::system_error(errno, std::generic_category(), "binding the ARP sampler");
    }
    // who-has VIP tell own_ip, broadcast.
    std::array<std::uint8_t, 42> request{};
    std::memset(request.data(), 0xff, 6);
    std::memcpy(request.data() + 6, ifr.ifr_hwaddr.sa_data, 6);
    request[12] = 0x08;
    request[13] = 0x06;
    std::uint8_t* arp = request.data() + 14;
    const std::array<std::uint8_t, 8> header{0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
    std::memcpy(arp, header.data(), header.size());
    std::memcpy(arp + 8, ifr.ifr_hwaddr.sa_data, 6);
    std::memcpy(arp + 14, o.own_ip.bytes().data(), 4);
    std::memcpy(arp + 24, o.vip.bytes().data(), 4);
    sockaddr_ll to = address;
    to.sll_halen = 6;
    std::memset(to.sll_addr, 0xff, 6);

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
            if (n < 42 || frame[12] != 0x08 || frame[13] != 0x06) continue;
            const std::uint8_t* a = frame.data() + 14;
            if (a[6] != 0 || a[7] != 2) continue;                                // replies only
            if (std::memcmp(a + 14, o.vip.bytes().data(), 4) != 0) continue;     // for the VIP
            if (std::memcmp(a + 24, o.own_ip.bytes().data(), 4) != 0) continue;  // to us
            const auto slot = static_cast<std::size_t>((at - start) / 1ms);
            if (slot >= samples.slots.size()) continue;
            std::uint8_t bit = 0x80;
            for (std::size_t i = 0; i < o.nodes.size() && i < 7; ++i) {
                if (std::memcmp(a + 8, o.nodes[i].data(), 6) == 0) bit = static_cast<std::uint8_t>(1u << i);
            }
            samples.slots[slot] = static_cast<std::uint8_t>(samples.slots[slot] | bit);
        }
    }
    return samples;
}

}  // namespace xvip::probe
