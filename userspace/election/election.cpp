#include "election/election.hpp"

#include <algorithm>

namespace xvip {

Election::Election(ElectionConfig config)
    : config_(config), priority_(config.priority), master_adver_interval_(config.advert_interval) {}

Duration Election::skew_time() const {
    return xvip::skew_time(config_.version, priority_, master_adver_interval_);
}

Duration Election::master_down_interval() const {
    return xvip::master_down_interval(config_.version, priority_, master_adver_interval_);
}

ElectionOutput Election::handle(const Event& event, TimePoint now) {
    Actions out;
    std::visit([&](const auto& e) { on(e, now, out); }, event);
    return {state_, std::move(out)};
}

void Election::on(const Startup& event, TimePoint now, Actions& out) {
    if (state_ != State::initialize) return;
    if (event.resume_as_active && !faulted_) {
        state_ = State::master;
        out.push_back(SendAdvert{priority_});
        out.push_back(BecomeActive{});  // idempotent: the adopted data plane is already active
        arm(Timer::advert, now + config_.advert_interval, out);
        return;
    }
    come_up(now, out);
}

void Election::on(const Shutdown&, TimePoint, Actions& out) {
    if (state_ == State::initialize) return;
    go_quiet(State::initialize, out);
}

void Election::on(const AdvertReceived& advert, TimePoint now, Actions& out) {
    if (state_ == State::backup) {
        backup_receives(advert, now, out);
    } else if (state_ == State::master) {
        master_receives(advert, now, out);
    }
    // Initialize and Fault ignore adverts.
}

void Election::on(const TimerExpired& event, TimePoint now, Actions& out) {
    auto& deadline = deadlines_[index(event.timer)];
    // A cancelled or re-armed timer may still fire in the caller's loop: only its current
    // deadline counts.
    if (!deadline || now < *deadline) return;
    deadline.reset();
    switch (event.timer) {
        case Timer::advert:
            if (state_ != State::master) return;
            out.push_back(SendAdvert{priority_});
            arm(Timer::advert, now + config_.advert_interval, out);
            return;
        case Timer::master_down:
            if (state_ == State::backup) become_master(now, out);
            return;
        case Timer::preempt_delay:
            if (state_ == State::backup) preempt_delay_elapsed_ = true;
            return;
    }
}

void Election::on(const PriorityChanged& event, TimePoint, Actions& out) {
    // keepalived: the owner keeps 255, anyone else stays a backup-capable 1..254.
    if (config_.priority == priority_owner) return;
    const auto next = std::clamp<std::uint8_t>(event.priority, 1, priority_owner - 1);
    if (next == priority_) return;
    const auto old_skew = skew_time();
    priority_ = next;
    // A running down timer keeps its start and takes the new skew (keepalived does the same), so
    // a backup that became more important takes over sooner.
    if (state_ == State::backup && deadlines_[index(Timer::master_down)]) {
        arm(Timer::master_down, *deadlines_[index(Timer::master_down)] - old_skew + skew_time(), out);
    }
    // A master just advertises the new priority with its next advert, as keepalived does.
}

void Election::on(const FaultRaised&, TimePoint, Actions& out) {
    faulted_ = true;
    if (state_ == State::backup || state_ == State::master) go_quiet(State::fault, out);
}

void Election::on(const FaultCleared&, TimePoint now, Actions& out) {
    faulted_ = false;
    if (state_ != State::fault) return;
    state_ = State::initialize;
    come_up(now, out);
}

void Election::backup_receives(const AdvertReceived& advert, TimePoint now, Actions& out) {
    if (advert.priority == priority_release) {
        arm(Timer::master_down, now + skew_time(), out);
        return;
    }
    const bool from_better_or_equal = advert.priority >= priority_;
    const bool delaying_preemption = config_.preempt_delay > Duration::zero() && !preempt_delay_elapsed_;
    if (config_.preempt && !from_better_or_equal && !delaying_preemption) {
        // Preempting: ignore the lower-priority master and let the down timer run out.
        return;
    }
    learn_interval(advert.interval);
    arm(Timer::master_down, now + master_down_interval(), out);
    if (!config_.preempt || config_.preempt_delay == Duration::zero()) return;
    if (from_better_or_equal) {
        cancel(Timer::preempt_delay, out);
        preempt_delay_elapsed_ = false;
    } else if (!deadlines_[index(Timer::preempt_delay)]) {
        arm(Timer::preempt_delay, now + config_.preempt_delay, out);
    }
}

void Election::master_receives(const AdvertReceived& advert, TimePoint now, Actions& out) {
    if (advert.priority == priority_release) {
        out.push_back(SendAdvert{priority_});
        arm(Timer::advert, now + config_.advert_interval, out);
        return;
    }
    const bool they_win =
        advert.priority > priority_ || (advert.priority == priority_ && advert.source > config_.primary_address);
    if (they_win) {
        learn_interval(advert.interval);
        cancel(Timer::advert, out);
        out.push_back(BecomeStandby{});
        become_backup(now, out);
        return;
    }
    if (advert.priority == priority_ && advert.source == config_.primary_address) return;
    if (config_.answer_lower_priority) {
        out.push_back(SendAdvert{priority_});
        arm(Timer::advert, now + config_.advert_interval, out);
    }
    if (config_.announce_on_lower_priority) out.push_back(Announce{});
}

void Election::come_up(TimePoint now, Actions& out) {
    master_adver_interval_ = config_.advert_interval;
    if (faulted_) {
        state_ = State::fault;
        out.push_back(BecomeStandby{});
        return;
    }
    if (priority_ == priority_owner) {
        become_master(now, out);
        return;
    }
    out.push_back(BecomeStandby{});
    become_backup(now, out);
}

void Election::on(const FastTakeover&, TimePoint now, Actions& out) {
    if (state_ == State::backup) become_master(now, out);
}

void Election::on(const FastReverted&, TimePoint now, Actions& out) {
    if (state_ != State::master) return;
    cancel(Timer::advert, out);
    out.push_back(BecomeStandby{});
    become_backup(now, out);
}

void Election::become_master(TimePoint now, Actions& out) {
    state_ = State::master;
    cancel(Timer::master_down, out);
    cancel(Timer::preempt_delay, out);
    preempt_delay_elapsed_ = false;
    // Make before break: serve and announce first, then advertise. When this takes over from a
    // live lower-priority master (preemption), that master steps down on our advert; by then the
    // clients have our gratuitous ARP. (RFC 5798 lists the advert first; the three leave within
    // microseconds, and only the order the old master sees them in matters.)
    out.push_back(BecomeActive{});
    out.push_back(Announce{});
    out.push_back(SendAdvert{priority_});
    arm(Timer::advert, now + config_.advert_interval, out);
}

void Election::become_backup(TimePoint now, Actions& out) {
    state_ = State::backup;
    preempt_delay_elapsed_ = false;
    arm(Timer::master_down, now + master_down_interval(), out);
}

void Election::go_quiet(State next, Actions& out) {
    if (state_ == State::master) {
        // Release (RFC §6.4.3 Shutdown; keepalived sends it on entering FAULT too), so a backup
        // takes over after Skew_Time instead of Master_Down_Interval.
        cancel(Timer::advert, out);
        out.push_back(SendAdvert{priority_release});
        out.push_back(BecomeStandby{});
    }
    cancel(Timer::master_down, out);
    cancel(Timer::preempt_delay, out);
    preempt_delay_elapsed_ = false;
    state_ = next;
}

void Election::learn_interval(Duration interval) {
    // v2 intervals must equal ours (the receive filter drops the others); v3 adopts the master's.
    if (config_.version == VrrpVersion::v3 && interval > Duration::zero()) {
        master_adver_interval_ = interval;
    }
}

void Election::arm(Timer timer, TimePoint deadline, Actions& out) {
    deadlines_[index(timer)] = deadline;
    out.push_back(ArmTimer{timer, deadline});
}

void Election::cancel(Timer timer, Actions& out) {
    if (!deadlines_[index(timer)]) return;
    deadlines_[index(timer)].reset();
    out.push_back(CancelTimer{timer});
}

}  // namespace xvip
