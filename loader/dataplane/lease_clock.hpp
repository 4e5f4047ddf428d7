// Maps CLOCK_MONOTONIC onto jiffies, the clock the XDP program compares a lease's deadline with
// (see xvip_abi.h): jiffy j begins one tick after jiffy j - 1, so one dated jiffy and the tick
// length map any time. The daemon keeps its deadlines in CLOCK_MONOTONIC; only the state word's
// encoding speaks jiffies.
#pragma once

#include <chrono>
#include <cstdint>

namespace xvip {

class LeaseClock {
public:
    // This boot's lease clock, dated on the first call in the process: jiffies keep their grid on
    // CLOCK_MONOTONIC for as long as the system runs, so one dating serves every later use. Dating
    // runs the lease_clock BPF program (needs CAP_BPF): it samples the jiffy count and the
    // monotonic time until the count moves, usually within one tick, on a loaded machine within a
    // few. The tick is the resolution of CLOCK_MONOTONIC_COARSE. Throws DataplaneError with the
    // reason (and dates again on the next call).
    static const LeaseClock& system();

    // Jiffy `jiffy` began no later than `began_by` (CLOCK_MONOTONIC); ticks last `tick`.
    LeaseClock(std::uint64_t jiffy, std::chrono::nanoseconds began_by, std::chrono::nanoseconds tick);

    // The last jiffy that begins no later than `t`: a deadline of that jiffy ends a role no later
    // than t, and at most one tick plus the uncertainty before it.
    std::uint64_t last_jiffy_by(std::chrono::nanoseconds t) const;
    // When `jiffy` begins, as dated: never early, late by at most the uncertainty.
    std::chrono::nanoseconds start_of(std::uint64_t jiffy) const;

    std::chrono::nanoseconds tick() const { return tick_; }
    // How late the dated start may be (the gap between the samples that dated it; 0 when given).
    std::chrono::nanoseconds uncertainty() const { return uncertainty_; }

private:
    static LeaseClock calibrate();

    std::uint64_t jiffy_;
    std::chrono::nanoseconds began_by_;
    std::chrono::nanoseconds tick_;
    std::chrono::nanoseconds uncertainty_{0};
};

}  // namespace xvip
