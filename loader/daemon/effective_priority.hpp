// An instance's effective priority from its configured priority and the states of what it tracks
// (scripts, interfaces), by keepalived's rules (vrrp_track.c, vrrp_set_effective_priority):
//   weight > 0: added while the tracked thing is up (healthy), nothing while down;
//   weight < 0: subtracted while down, nothing while up;
//   reverse:    the adjustment changes sign (weight > 0: subtracted while up; weight < 0: added
//               while down);
//   weight 0:   down puts the instance in FAULT (reverse: up does);
//   no result yet (a script that has not finished its first run, without init_fail): no
//               adjustment; with weight 0 the instance waits, as keepalived keeps it in INIT,
//               unless the instance keeps its role until the result (unknown_keeps_role: an
//               instance on an adopted data plane after a restart or reload, as keepalived does
//               for a script that is new on reload): then the first failure puts it in FAULT;
//   the sum is clamped to 1..254; an address owner (255) keeps 255 whatever the weights, though
//   a weight-0 fault still applies to it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace xvip {

struct TrackedState {
    int weight = 0;
    bool reversed = false;
    std::optional<bool> up;  // a script: healthy; an interface: up. Unset: no result yet.
    // With no result yet, weight 0: neither FAULT nor waiting; the instance keeps its role.
    bool unknown_keeps_role = false;
};

struct EffectivePriority {
    std::uint8_t priority = 0;
    bool fault = false;    // some weight-0 tracked thing is in its failing state
    bool waiting = false;  // some weight-0 script has not reported yet (and nothing is at fault)

    friend bool operator==(const EffectivePriority&, const EffectivePriority&) = default;
};

EffectivePriority effective_priority(int base_priority, std::span<const TrackedState> tracked);

}  // namespace xvip
