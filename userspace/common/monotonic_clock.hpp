// The one clock xvip keeps time on: CLOCK_MONOTONIC, as std::chrono::steady_clock (which libstdc++
// reads with clock_gettime(CLOCK_MONOTONIC) on Linux). It is the clock bpf_ktime_get_ns() reads and
// jiffies count the ticks of, so the daemon's timers, the election's times, the state word's
// deadline and the lease clock's samples are all one TimePoint. The simulation in the unit tests
// hands the election and the core TimePoints of its own making on the same type.
#pragma once

#include <chrono>
#include <cstdint>
#include <type_traits>

namespace xvip {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<Clock, Duration>;
static_assert(std::is_same_v<Clock::duration, Duration>, "steady_clock reads TimePoint as it is");

// CLOCK_MONOTONIC now.
inline TimePoint monotonic_now() {
    return Clock::now();
}

// CLOCK_MONOTONIC as a bare count of nanoseconds since boot, for where a time leaves these types:
// the kernel's (bpf_ktime_get_ns(), timerfd's absolute expiry), systemd's MONOTONIC_USEC and the
// status's `last_transition.monotonic_ns`.
constexpr std::int64_t to_ns(TimePoint t) {
    return t.time_since_epoch().count();
}
constexpr TimePoint from_ns(std::int64_t ns) {
    return TimePoint(Duration(ns));
}

}  // namespace xvip
