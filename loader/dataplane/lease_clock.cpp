#include "dataplane/lease_clock.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <string>

#include "dataplane/dataplane_error.hpp"
#include "dataplane/kernel_diagnostics.hpp"
#include "dataplane/state_word.hpp"
#include "xvip_abi.h"
#include "xvip_lease_clock_bpf.skel.h"

namespace xvip {

namespace {

// A pair that straddles a move by one this close dates the jiffy well enough: stop there. (The
// tick that moves the count interrupts the sampling CPU itself, so the closest pairs are tens of
// microseconds apart.)
constexpr Duration good_enough{250'000};

Duration coarse_tick() {
    timespec resolution{};
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &resolution) != 0) {
        throw DataplaneError("reading the resolution of CLOCK_MONOTONIC_COARSE", errno);
    }
    const Duration tick = std::chrono::seconds(resolution.tv_sec) + Duration(resolution.tv_nsec);
    if (tick <= Duration::zero()) throw DataplaneError("CLOCK_MONOTONIC_COARSE reports no resolution");
    return tick;
}

LeaseClock::Sample sample(int program_fd) {
    xvip_clock_sample s{};
    LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &s, .ctx_size_in = sizeof s);
    if (bpf_prog_test_run_opts(program_fd, &run) != 0) {
        throw DataplaneError("running the lease clock program", errno);
    }
    return {s.jiffies, from_ns(static_cast<std::int64_t>(s.monotonic_ns))};
}

}  // namespace

LeaseClock::LeaseClock(std::uint64_t jiffy, TimePoint began_by, Duration tick)
    : jiffy_(jiffy), began_by_(began_by), tick_(tick) {}

const LeaseClock& LeaseClock::system() {
    static const LeaseClock clock = calibrate();
    return clock;
}

LeaseClock LeaseClock::calibrate() {
    const Duration tick = coarse_tick();
    std::unique_ptr<xvip_lease_clock_bpf, void (*)(xvip_lease_clock_bpf*)> skel(nullptr, xvip_lease_clock_bpf__destroy);
    {
        const LibbpfMessages messages;
        skel.reset(xvip_lease_clock_bpf__open_and_load());
        if (!skel) throw bpf_load_error("loading the lease clock program", errno, messages);
    }
    const int fd = bpf_program__fd(skel->progs.xvip_clock_sample);
    return date([fd] { return sample(fd); }, tick, 8 * tick + std::chrono::milliseconds(20));
}

LeaseClock LeaseClock::date(const Sampler& sample, Duration tick, Duration patience) {
    std::optional<LeaseClock> best;
    Sample before = sample();
    const TimePoint give_up = before.monotonic + patience;
    while (before.monotonic < give_up) {
        const Sample after = sample();
        const Duration gap = after.monotonic - before.monotonic;
        if (after.jiffies == before.jiffies + 1 && (!best || gap < best->uncertainty_)) {
            best = LeaseClock(after.jiffies, after.monotonic, tick);
            best->uncertainty_ = gap;
            if (gap <= good_enough) break;
        }
        before = after;
    }
    if (best) return *best;
    LeaseClock one(before.jiffies, before.monotonic, tick);
    one.uncertainty_ = tick;
    one.from_one_sample_ = true;
    return one;
}

std::uint64_t LeaseClock::last_jiffy_by(TimePoint t) const {
    const std::int64_t since = (t - began_by_).count();
    const std::int64_t tick = tick_.count();
    // Floor division: a time before the dated jiffy maps to an earlier one.
    const std::int64_t ticks = since >= 0 ? since / tick : -((-since + tick - 1) / tick);
    if (ticks < 0 && static_cast<std::uint64_t>(-ticks) > jiffy_) return 0;
    return jiffy_ + static_cast<std::uint64_t>(ticks);
}

TimePoint LeaseClock::start_of(std::uint64_t jiffy) const {
    const auto ticks = static_cast<std::int64_t>(jiffy - jiffy_);  // wraps to negative before jiffy_
    return began_by_ + ticks * tick_;
}

}  // namespace xvip
