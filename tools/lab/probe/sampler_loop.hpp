// What the ARP and NS samplers share (arp_sampler.hpp): a raw socket on the client's eth0 for one
// EtherType, and the loop that sends a request every millisecond for the options' duration and
// files each reply in the slot the kernel received it in, by the node whose MAC it names.
#pragma once

#include <linux/if_packet.h>

#include <array>
#include <cstdint>
#include <functional>
#include <span>

#include "common/unique_fd.hpp"
#include "probe/arp_sampler.hpp"

namespace xvip::probe {

struct SamplerSocket {
    UniqueFd fd;
    sockaddr_ll address{};              // bound: eth0, the EtherType
    std::array<std::uint8_t, 6> mac{};  // eth0's
};

// Throws std::system_error naming `what` ("ARP sampler") and the step that failed.
SamplerSocket open_sampler_socket(std::uint16_t ethertype, const char* what);

// The MAC a received frame names as the node that answered, or nullptr for a frame that is no
// answer to count.
using ReplierOf = std::function<const std::uint8_t*(const std::uint8_t* frame, std::size_t length)>;

ArpSamples sample_every_millisecond(const SamplerSocket& socket, std::span<const std::uint8_t> request,
                                    const std::array<std::uint8_t, 6>& destination, const ArpSamplerOptions& options,
                                    const ReplierOf& replier_of);

}  // namespace xvip::probe
