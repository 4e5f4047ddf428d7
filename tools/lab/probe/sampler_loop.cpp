#include "probe/sampler_loop.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "common/monotonic_clock.hpp"
#include "probe/receive_time.hpp"

namespace xvip::probe {

using namespace std::chrono;

SamplerSocket open_sampler_socket(std::uint16_t ethertype, const char* what) {
    const auto fail = [what](const std::string& step) {
        throw std::system_error(errno, std::generic_category(), std::string(what) + ": " + step);
    };
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    SamplerSocket s;
    s.fd = UniqueFd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ethertype)));
    if (!s.fd) fail("socket");
    const int ifindex = static_cast<int>(if_nametoindex("eth0"));
    if (ifindex == 0) fail("eth0");
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "eth0", IFNAMSIZ - 1);
    if (ioctl(s.fd.get(), SIOCGIFHWADDR, &ifr) != 0) fail("SIOCGIFHWADDR");
    std::memcpy(s.mac.data(), ifr.ifr_hwaddr.sa_data, s.mac.size());
    s.address.sll_family = AF_PACKET;
    s.address.sll_protocol = htons(ethertype);
    s.address.sll_ifindex = ifindex;
    if (bind(s.fd.get(), reinterpret_cast<sockaddr*>(&s.address), sizeof s.address) != 0) fail("bind");
    // Replies are dated by the kernel as they arrive: a sampler that is scheduled late must not
    // pile them into the slot it reads them in.
    stamp_receptions(s.fd.get());
    return s;
}

ArpSamples sample_every_millisecond(const SamplerSocket& socket, std::span<const std::uint8_t> request,
                                    const std::array<std::uint8_t, 6>& destination, const ArpSamplerOptions& o,
                                    const ReplierOf& replier_of) {
    const int fd = socket.fd.get();
    sockaddr_ll to = socket.address;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, destination.data(), destination.size());

    ArpSamples samples;
    const auto count = static_cast<std::size_t>(o.duration / 1ms);
    samples.slots.assign(count, 0);
    samples.requests.assign(count, 0);
    const auto start = monotonic_now();
    samples.started_at = start;
    const auto end = start + duration_cast<nanoseconds>(o.duration);
    auto next_send = start;
    std::array<std::uint8_t, 256> frame{};
    while (true) {
        const auto now = monotonic_now();
        if (now >= end || (o.stop && o.stop->load())) break;
        if (now >= next_send && samples.sent < count) {
            if (sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0) {
                ++samples.sent;
                const auto slot = static_cast<std::size_t>((monotonic_now() - start) / 1ms);
                if (slot < count && samples.requests[slot] < 255) ++samples.requests[slot];
            }
            next_send += 1ms;
        }
        const auto wait = std::min(next_send, end) - monotonic_now();
        pollfd p{fd, POLLIN, 0};
        const timespec timeout{0, std::max<long>(0, static_cast<long>(wait.count()))};
        if (ppoll(&p, 1, &timeout, nullptr) <= 0) continue;
        while (true) {
            const auto [n, at] = receive_stamped(fd, frame);
            if (n < 0) break;
            const std::uint8_t* replier = replier_of(frame.data(), static_cast<std::size_t>(n));
            if (replier == nullptr) continue;
            const auto slot = static_cast<std::size_t>((at - start) / 1ms);
            if (slot >= samples.slots.size()) continue;
            std::uint8_t bit = 0x80;
            for (std::size_t i = 0; i < o.nodes.size() && i < 7; ++i) {
                if (std::memcmp(replier, o.nodes[i].data(), 6) == 0) bit = static_cast<std::uint8_t>(1u << i);
            }
            samples.slots[slot] = static_cast<std::uint8_t>(samples.slots[slot] | bit);
        }
    }
    return samples;
}

}  // namespace xvip::probe
