// Maps CLOCK_MONOTONIC (TimePoint) onto jiffies, the clock the XDP program compares a lease's
// deadline with (see xvip_abi.h): jiffy j begins one tick after jiffy j - 1, so one dated jiffy and
// the tick length map any time. The daemon keeps its deadlines as TimePoints; only the state
// word's encoding speaks jiffies.
#pragma once

#include <cstdint>
#include <functional>

#include "common/monotonic_clock.hpp"

namespace xvip {

class LeaseClock {
public:
    // This boot's lease clock, dated on the first call in the process: jiffies keep their grid on
    // CLOCK_MONOTONIC for as long as the system runs, so one dating serves every later use. Dating
    // runs the lease_clock BPF program (needs CAP_BPF) as a Sampler for date(). The tick is the
    // resolution of CLOCK_MONOTONIC_COARSE. Throws DataplaneError with the reason when the program
    // cannot run (and dates again on the next call); a stalled machine does not make it fail.
    static const LeaseClock& system();

    // The jiffy count and CLOCK_MONOTONIC, read together.
    struct Sample {
        std::uint64_t jiffies;
        TimePoint monotonic;
    };
    using Sampler = std::function<Sample()>;

    // Dates jiffies from samples taken for at most `patience`: a pair of consecutive samples that
    // straddles a move by one dates the later jiffy to within the pair's gap, never before it
    // began; the closest pair wins, and one close enough ends the sampling. Jiffies move when the
    // tick runs, usually within a tick, on a loaded machine within a few. A machine that stalls
    // (an overcommitted or emulated VM) may show no such pair; then the last sample dates its own
    // jiffy, which began no later than it was read and, when the tick runs on time, at most a
    // tick before: uncertainty one tick, and dated_from_one_sample() says so. Never fails.
    static LeaseClock date(const Sampler& sample, Duration tick, Duration patience);

    // Jiffy `jiffy` began no later than `began_by`; ticks last `tick`.
    LeaseClock(std::uint64_t jiffy, TimePoint began_by, Duration tick);

    // The last jiffy that begins no later than `t`: a deadline of that jiffy ends a role no later
    // than t, and at most one tick plus the uncertainty before it.
    std::uint64_t last_jiffy_by(TimePoint t) const;
    // When `jiffy` begins, as dated: never early, late by at most the uncertainty.
    TimePoint start_of(std::uint64_t jiffy) const;

    Duration tick() const { return tick_; }
    // How late the dated start may be (the gap between the samples that dated it, a tick when
    // one sample did; 0 when given).
    Duration uncertainty() const { return uncertainty_; }
    // No pair of samples saw the count move by one: see date().
    bool dated_from_one_sample() const { return from_one_sample_; }

private:
    static LeaseClock calibrate();

    std::uint64_t jiffy_;
    TimePoint began_by_;
    Duration tick_;
    Duration uncertainty_{0};
    bool from_one_sample_ = false;
};

}  // namespace xvip
