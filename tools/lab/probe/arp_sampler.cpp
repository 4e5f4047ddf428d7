#include "probe/arp_sampler.hpp"

#include <linux/if_ether.h>

#include <array>
#include <cstring>

#include "probe/sampler_loop.hpp"

namespace xvip::probe {

ArpSamples run_arp_sampler(const ArpSamplerOptions& o) {
    const SamplerSocket socket = open_sampler_socket(ETH_P_ARP, "ARP sampler");
    // who-has VIP tell own_ip, broadcast.
    std::array<std::uint8_t, 42> request{};
    std::memset(request.data(), 0xff, 6);
    std::memcpy(request.data() + 6, socket.mac.data(), 6);
    request[12] = 0x08;
    request[13] = 0x06;
    std::uint8_t* arp = request.data() + 14;
    const std::array<std::uint8_t, 8> header{0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01};
    std::memcpy(arp, header.data(), header.size());
    std::memcpy(arp + 8, socket.mac.data(), 6);
    std::memcpy(arp + 14, o.own_ip.bytes().data(), 4);
    std::memcpy(arp + 24, o.vip.bytes().data(), 4);
    const std::array<std::uint8_t, 6> broadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return sample_every_millisecond(socket, request, broadcast, o,
                                    [&o](const std::uint8_t* frame, std::size_t n) -> const std::uint8_t* {
                                        if (n < 42 || frame[12] != 0x08 || frame[13] != 0x06) return nullptr;
                                        const std::uint8_t* a = frame + 14;
                                        if (a[6] != 0 || a[7] != 2) return nullptr;  // replies only
                                        if (std::memcmp(a + 14, o.vip.bytes().data(), 4) != 0)
                                            return nullptr;  // for the VIP
                                        if (std::memcmp(a + 24, o.own_ip.bytes().data(), 4) != 0)
                                            return nullptr;  // to us
                                        return a + 8;        // the sender's MAC
                                    });
}

}  // namespace xvip::probe
