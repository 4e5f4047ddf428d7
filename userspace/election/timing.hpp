// VRRP timer arithmetic (RFC 5798 §6.1, RFC 3768 §6.1). Time is a TimePoint
// (common/monotonic_clock.hpp) handed in by the caller, so the daemon passes CLOCK_MONOTONIC and the
// simulation its own time.
#pragma once

#include <chrono>
#include <cstdint>

#include "codec/advert.hpp"
#include "common/monotonic_clock.hpp"

namespace xvip {

// The wire carries intervals in centiseconds (v2: whole seconds, already scaled by the decoder).
constexpr Duration from_centiseconds(std::uint16_t cs) {
    return std::chrono::milliseconds(cs) * 10;
}
std::uint16_t to_centiseconds(Duration interval);

// v3: ((256 - Priority) × Master_Adver_Interval) / 256.
// v2: (256 - Priority) / 256 seconds; the interval plays no part.
Duration skew_time(VrrpVersion version, std::uint8_t priority, Duration master_adver_interval);

// 3 × Master_Adver_Interval + Skew_Time. For v2 Master_Adver_Interval is our own interval, since
// adverts with another interval are discarded before they reach the election.
Duration master_down_interval(VrrpVersion version, std::uint8_t priority, Duration master_adver_interval);

}  // namespace xvip
