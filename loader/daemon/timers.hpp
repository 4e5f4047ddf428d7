// The one way xvipd's core reads the time and sets timers. The event loop implements it on
// CLOCK_MONOTONIC; unit tests implement it with simulated time, so handover, lease and GARP timing
// can be driven to the nanosecond without root and without waiting.
#pragma once

#include <cstdint>
#include <functional>

#include "election/timing.hpp"

namespace xvip {

class Timers {
public:
    using Callback = std::function<void()>;
    using TimerId = std::uint64_t;

    // CLOCK_MONOTONIC in the daemon (what bpf_ktime_get_ns and the lease clock read).
    virtual TimePoint now() const = 0;
    // Calls callback once at or after `when`; timers due together run in the order scheduled.
    virtual TimerId schedule(TimePoint when, Callback callback) = 0;
    // A no-op for a timer that ran or was cancelled.
    virtual void cancel(TimerId id) = 0;

protected:
    ~Timers() = default;
};

}  // namespace xvip
