// A client-side ARP sampler: a who-has for the VIP every millisecond from a raw socket, and which
// MACs answered in each millisecond. Shows how long two hosts answer for the VIP after a daemon
// dies with its link up. Bounded in count and time; run it on a thread in a client's namespace.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/mac_address.hpp"
#include "common/monotonic_clock.hpp"

namespace xvip::probe {

struct ArpSamplerOptions {
    IpAddress vip;
    IpAddress own_ip;               // the sampler's sender address (its client's)
    std::vector<MacAddress> nodes;  // bit i of a slot's mask: nodes[i] answered
    std::chrono::milliseconds duration{1000};
    const std::atomic<bool>* stop = nullptr;  // set: stop early (the caller gave up)
};

struct ArpSamples {
    TimePoint started_at{};  // slot 0 begins
    std::uint32_t sent = 0;
    // One mask per millisecond slot (a reply falls in the slot the kernel received it in, however
    // late the sampler reads it); bit 7: a MAC that is no node's.
    std::vector<std::uint8_t> slots;
    // Requests sent in each slot: none in a slot and the one before means the sampler was not
    // scheduled, and an empty mask there says nothing about the nodes.
    std::vector<std::uint8_t> requests;
};

ArpSamples run_arp_sampler(const ArpSamplerOptions& options);
// The same for an IPv6 VIP (vip and own_ip IPv6): a neighbour solicitation every millisecond to
// the VIP's solicited-node group, and which MACs sent an advertisement for it back to own_ip.
ArpSamples run_ns_sampler(const ArpSamplerOptions& options);

}  // namespace xvip::probe
