// The VRRP election of one virtual router instance (RFC 5798/9568 §6, RFC 3768 §6, keepalived's
// FAULT, nopreempt and preempt_delay) as a pure component: (state, event, now) -> (state,
// actions). No sockets, clocks or maps: time comes in with each event, effects go out as actions.
#pragma once

#include <array>
#include <optional>

#include "election/action.hpp"
#include "election/election_config.hpp"
#include "election/event.hpp"
#include "election/state.hpp"

namespace xvip {

struct ElectionOutput {
    State state;
    Actions actions;
};

class Election {
public:
    explicit Election(ElectionConfig config);

    ElectionOutput handle(const Event& event, TimePoint now);

    State state() const { return state_; }
    Role role() const { return role_of(state_); }
    // Effective priority: configured, then adjusted by tracking (clamped to 1..254 unless owner).
    std::uint8_t priority() const { return priority_; }
    // Learned from the master's adverts in Backup (v3); our own interval otherwise.
    Duration master_adver_interval() const { return master_adver_interval_; }
    Duration skew_time() const;
    Duration master_down_interval() const;
    std::optional<TimePoint> deadline(Timer timer) const { return deadlines_[index(timer)]; }
    const ElectionConfig& config() const { return config_; }

private:
    static std::size_t index(Timer timer) { return static_cast<std::size_t>(timer); }

    void on(const Startup& event, TimePoint now, Actions& out);
    void on(const Shutdown& event, TimePoint now, Actions& out);
    void on(const AdvertReceived& event, TimePoint now, Actions& out);
    void on(const TimerExpired& event, TimePoint now, Actions& out);
    void on(const PriorityChanged& event, TimePoint now, Actions& out);
    void on(const FaultRaised& event, TimePoint now, Actions& out);
    void on(const FaultCleared& event, TimePoint now, Actions& out);
    void on(const FastTakeover& event, TimePoint now, Actions& out);
    void on(const FastReverted& event, TimePoint now, Actions& out);

    void backup_receives(const AdvertReceived& advert, TimePoint now, Actions& out);
    void master_receives(const AdvertReceived& advert, TimePoint now, Actions& out);

    // RFC "Startup" / leaving FAULT: owner to Master, everyone else to Backup.
    void come_up(TimePoint now, Actions& out);
    void become_master(TimePoint now, Actions& out);
    void become_backup(TimePoint now, Actions& out);
    void go_quiet(State next, Actions& out);  // to Initialize or Fault
    void learn_interval(Duration interval);
    void arm(Timer timer, TimePoint deadline, Actions& out);
    void cancel(Timer timer, Actions& out);

    ElectionConfig config_;
    State state_ = State::initialize;
    std::uint8_t priority_;
    Duration master_adver_interval_;
    bool faulted_ = false;
    // keepalived's preempt_time: once the delay has run out, lower-priority adverts are ignored
    // again and the master-down timer preempts.
    bool preempt_delay_elapsed_ = false;
    std::array<std::optional<TimePoint>, timer_count> deadlines_{};
};

}  // namespace xvip
