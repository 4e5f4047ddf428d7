#include "election/instance_runner.hpp"

namespace xvip {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

InstanceRunner::InstanceRunner(const InstanceConfig& config, Ports ports)
    : config_(config), ports_(ports), election_(config.election()), filter_(config.receive()) {}

void InstanceRunner::start(TimePoint now, bool resume_as_active) {
    dispatch(Startup{resume_as_active}, now);
}

void InstanceRunner::stop(TimePoint now) {
    dispatch(Shutdown{}, now);
}

ReceiveVerdict InstanceRunner::receive(const Advert& advert, const ReceiveMetadata& meta, TimePoint now) {
    auto verdict = filter_.check(advert, meta);
    if (verdict.discard) {
        discards_.count(*verdict.discard);
    } else {
        dispatch(AdvertReceived::from(advert, meta.source), now);
    }
    return verdict;
}

void InstanceRunner::set_priority(std::uint8_t priority, TimePoint now) {
    dispatch(PriorityChanged{priority}, now);
}

void InstanceRunner::set_fault(bool fault, TimePoint now) {
    if (fault) {
        dispatch(FaultRaised{}, now);
    } else {
        dispatch(FaultCleared{}, now);
    }
}

void InstanceRunner::on_time(TimePoint now) {
    // Handling one timer may arm another that is already due; loop until none is.
    for (;;) {
        std::optional<std::size_t> due;
        for (std::size_t i = 0; i < timers_.size(); ++i) {
            if (timers_[i] && *timers_[i] <= now && (!due || *timers_[i] < *timers_[*due])) due = i;
        }
        if (!due) return;
        timers_[*due].reset();
        dispatch(TimerExpired{static_cast<Timer>(*due)}, now);
    }
}

std::optional<TimePoint> InstanceRunner::next_deadline() const {
    std::optional<TimePoint> next;
    for (const auto& t : timers_) {
        if (t && (!next || *t < *next)) next = t;
    }
    return next;
}

void InstanceRunner::dispatch(const Event& event, TimePoint now) {
    const auto before = election_.state();
    auto output = election_.handle(event, now);
    for (const auto& action : output.actions) execute(action, now);
    if (ports_.observer && output.state != before) {
        ports_.observer->state_changed(before, output.state, now);
    }
}

void InstanceRunner::execute(const Action& action, TimePoint now) {
    std::visit(Overloaded{
                   [&](const SendAdvert& a) { ports_.transport.send(config_.advert(a.priority), now); },
                   [&](const BecomeActive&) { ports_.dataplane.set_role(Role::active, now); },
                   [&](const BecomeStandby&) { ports_.dataplane.set_role(Role::standby, now); },
                   [&](const Announce&) { ports_.announcer.announce(now); },
                   [&](const ArmTimer& a) { timers_[static_cast<std::size_t>(a.timer)] = a.deadline; },
                   [&](const CancelTimer& a) { timers_[static_cast<std::size_t>(a.timer)].reset(); },
               },
               action);
}

}  // namespace xvip
