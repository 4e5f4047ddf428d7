// One VRRP instance at work: an Election, its ReceiveFilter and discard counters, and its pending
// timers, driven by the caller's events and clock and acting through Ports. The daemon arms a
// timerfd at next_deadline() and calls on_time() when it fires; the simulation does the same with
// simulated time.
#pragma once

#include <array>
#include <optional>

#include "election/discard_counters.hpp"
#include "election/election.hpp"
#include "election/instance_config.hpp"
#include "election/ports.hpp"
#include "election/receive_filter.hpp"

namespace xvip {

class InstanceRunner {
public:
    InstanceRunner(const InstanceConfig& config, Ports ports);

    void start(TimePoint now, bool resume_as_active = false);
    void stop(TimePoint now);
    // A decoded advert for this instance. Returns the filter's verdict (already counted) so the
    // caller can log a new address mismatch.
    ReceiveVerdict receive(const Advert& advert, const ReceiveMetadata& meta, TimePoint now);
    void set_priority(std::uint8_t priority, TimePoint now);
    void set_fault(bool fault, TimePoint now);
    // Fast failover: the data plane took over (a backup becomes master), or undid it (back to
    // backup).
    void fast_takeover(TimePoint now) { dispatch(FastTakeover{}, now); }
    void fast_reverted(TimePoint now) { dispatch(FastReverted{}, now); }
    // Fires every timer due at `now`, earliest first.
    void on_time(TimePoint now);

    std::optional<TimePoint> next_deadline() const;
    const Election& election() const { return election_; }
    const InstanceConfig& config() const { return config_; }
    const DiscardCounters& discards() const { return discards_; }

private:
    void dispatch(const Event& event, TimePoint now);
    void execute(const Action& action, TimePoint now);

    InstanceConfig config_;
    Ports ports_;
    Election election_;
    ReceiveFilter filter_;
    DiscardCounters discards_;
    std::array<std::optional<TimePoint>, timer_count> timers_{};
};

}  // namespace xvip
