// xvipd's one event loop: file descriptors (epoll, level-triggered), timers (one timerfd on
// CLOCK_MONOTONIC, absolute deadlines) and signals (one signalfd). Single-threaded; callbacks may
// watch, schedule and cancel freely. Nothing in it busy-waits: idle, the daemon sleeps in epoll.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

#include "common/unique_fd.hpp"
#include "election/timing.hpp"

namespace xvip {

class EventLoop {
public:
    using Callback = std::function<void()>;
    using TimerId = std::uint64_t;

    // Throws std::system_error when the kernel refuses epoll, timerfd or signalfd.
    EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Calls on_readable whenever fd has data (or an error) until unwatch(fd).
    void watch(int fd, Callback on_readable);
    void unwatch(int fd);

    // Calls callback once at or after `when`; timers due together run earliest first.
    TimerId schedule(TimePoint when, Callback callback);
    void cancel(TimerId id);  // a no-op for a timer that ran or was cancelled

    // Blocks the signal for the process and delivers it here, in the loop, as an event.
    void on_signal(int signal_number, Callback callback);

    // Runs until stop(); returns after the callback that called stop() finishes.
    void run();
    void stop() { running_ = false; }

    static TimePoint now();

private:
    void arm_timerfd();
    void run_due_timers();
    void read_signals();

    UniqueFd epoll_;
    UniqueFd timerfd_;
    UniqueFd signalfd_;
    sigset_t signals_{};
    bool running_ = false;
    TimerId next_id_ = 1;
    std::unordered_map<int, Callback> watches_;
    std::multimap<TimePoint, std::pair<TimerId, Callback>> timers_;
    std::unordered_map<TimerId, decltype(timers_)::iterator> timer_index_;
    std::unordered_map<int, Callback> signal_handlers_;
    TimePoint armed_for_ = TimePoint::max();
};

}  // namespace xvip
