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
    // How long the system has been suspended since boot (CLOCK_BOOTTIME − CLOCK_MONOTONIC). While
    // it sleeps (suspend, a paused VM that is suspended by its host) CLOCK_MONOTONIC and jiffies
    // stand still and the peers do not: a lease looks as live afterwards as before.
    virtual Duration suspended() const = 0;

protected:
    ~Timers() = default;
};

}  // namespace xvip
