// The C++ view of an instance's state word (see xvip_abi.h): role plus deadline in one uint64. The
// view keeps the deadline in CLOCK_MONOTONIC; the word holds it in jiffies, through a LeaseClock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

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

// CLOCK_MONOTONIC, the clock bpf_ktime_get_ns() reads and jiffies count the ticks of.
std::chrono::nanoseconds monotonic_now();

struct StateWord {
    XdpRole role = XdpRole::standby;
    std::chrono::nanoseconds deadline{0};  // CLOCK_MONOTONIC; meaningless for standby

    static StateWord standby() { return {}; }
    static StateWord active_until(std::chrono::nanoseconds lease_end) { return {XdpRole::active, lease_end}; }
    static StateWord draining_until(std::chrono::nanoseconds drain_end) { return {XdpRole::draining, drain_end}; }

    // The word ends the role at the start of the last jiffy that begins no later than `deadline`.
    std::uint64_t encode(const LeaseClock& clock) const;
    // The deadline read back is when the word's jiffy begins (standby: 0).
    static StateWord decode(std::uint64_t word, const LeaseClock& clock);
    // What the XDP program acts on at `now` (an expired lease or drain is standby).
    XdpRole effective_role(std::chrono::nanoseconds now) const;

    friend bool operator==(const StateWord&, const StateWord&) = default;
};

}  // namespace xvip
