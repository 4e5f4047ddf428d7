// The C++ view of an instance's state word (see xvip_abi.h): role plus deadline in one uint64. The
// view keeps the deadline as a TimePoint (CLOCK_MONOTONIC); the word holds it in jiffies, through a
// LeaseClock.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/monotonic_clock.hpp"
#include "dataplane/lease_clock.hpp"
#include "xvip_abi.h"

namespace xvip {

// The role the XDP program plays for an instance (the election has its own, coarser Role).
enum class XdpRole : std::uint8_t {
    standby = XVIP_ROLE_STANDBY,
    active = XVIP_ROLE_ACTIVE,
    draining = XVIP_ROLE_DRAINING,
};

std::string_view to_string(XdpRole role);
std::optional<XdpRole> parse_role(std::string_view text);

struct StateWord {
    XdpRole role = XdpRole::standby;
    TimePoint deadline{};  // meaningless for standby

    static StateWord standby() { return {}; }
    static StateWord active_until(TimePoint lease_end) { return {XdpRole::active, lease_end}; }
    static StateWord draining_until(TimePoint drain_end) { return {XdpRole::draining, drain_end}; }

    // The word ends the role at the start of the last jiffy that begins no later than `deadline`
    // minus one tick: by `deadline` even when the jiffy count runs up to a tick late (a VM's late
    // timer interrupt), and at most two ticks plus the clock's uncertainty before it.
    std::uint64_t encode(const LeaseClock& clock) const;
    // The deadline read back is when the word's jiffy begins (standby: TimePoint{}).
    static StateWord decode(std::uint64_t word, const LeaseClock& clock);
    // What the XDP program acts on at `now` (an expired lease or drain is standby).
    XdpRole effective_role(TimePoint now) const;

    friend bool operator==(const StateWord&, const StateWord&) = default;
};

}  // namespace xvip
