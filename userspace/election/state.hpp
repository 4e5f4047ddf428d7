// Where one instance is in the RFC 5798 §6.4 state machine, plus keepalived's FAULT, and the
// data-plane role each state implies ("active"/"standby" at the edges, as RFC 9568 renames Master).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xvip {

enum class State : std::uint8_t { initialize, backup, master, fault };
enum class Role : std::uint8_t { standby, active };

constexpr Role role_of(State state) {
    return state == State::master ? Role::active : Role::standby;
}

constexpr std::string_view to_string(State state) {
    switch (state) {
        case State::initialize: return "initialize";
        case State::backup: return "backup";
        case State::master: return "master";
        case State::fault: return "fault";
    }
    return "unknown";
}

constexpr std::string_view to_string(Role role) {
    return role == Role::active ? "active" : "standby";
}

// The three timers of one instance; each has at most one pending deadline.
enum class Timer : std::uint8_t { advert, master_down, preempt_delay };
inline constexpr std::size_t timer_count = 3;

constexpr std::string_view to_string(Timer timer) {
    switch (timer) {
        case Timer::advert: return "advert";
        case Timer::master_down: return "master_down";
        case Timer::preempt_delay: return "preempt_delay";
    }
    return "unknown";
}

}  // namespace xvip
