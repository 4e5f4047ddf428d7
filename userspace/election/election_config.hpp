// What the election needs to know about one virtual router instance; nothing about sockets.
#pragma once

#include <chrono>
#include <cstdint>

#include "codec/advert.hpp"
#include "common/ip_address.hpp"
#include "election/timing.hpp"

namespace xvip {

inline constexpr std::uint8_t priority_owner = 255;    // address owner: master at once
inline constexpr std::uint8_t priority_release = 0;    // "I am giving up": sent on shutdown/fault
inline constexpr std::uint8_t priority_default = 100;  // keepalived's default

struct ElectionConfig {
    VrrpVersion version = VrrpVersion::v3;
    std::uint8_t priority = priority_default;  // 1..255
    Duration advert_interval = std::chrono::seconds(1);
    // Our primary address on the interface (IPv6: link-local); it breaks priority ties.
    IpAddress primary_address;
    // keepalived `nopreempt` is preempt = false.
    bool preempt = true;
    // keepalived `preempt_delay`: after first seeing a lower-priority master, keep accepting its
    // adverts this long before preempting it.
    Duration preempt_delay{0};
    // RFC 9568 / keepalived default (no `lower_prio_no_advert`): a master that hears a lower
    // priority answers at once, so a split brain ends within one one-way delay, not one interval.
    bool answer_lower_priority = true;
    // Also re-announce the VIPs then: the lower-priority node was active, so ARP caches may point
    // at it (keepalived's garp_lower_prio_repeat, which is off there by default).
    bool announce_on_lower_priority = true;
};

}  // namespace xvip
