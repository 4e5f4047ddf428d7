// xvipd's one event loop: file descriptors (epoll, level-triggered), timers (one timerfd on
// CLOCK_MONOTONIC, absolute deadlines) and signals (one signalfd). Single-threaded; callbacks may
// watch, schedule and cancel freely. Nothing in it busy-waits: idle, the daemon sleeps in epoll.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>

#include "common/unique_fd.hpp"
#include "daemon/timers.hpp"

namespace xvip {

class EventLoop final : public Timers {
public:
    // Throws std::system_error when the kernel refuses epoll, timerfd or signalfd.
    EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Calls on_readable whenever fd has data (or an error) until unwatch(fd).
    void watch(int fd, Callback on_readable);
    // Calls on_writable whenever fd has room to write (or an error) until unwatch(fd): how a
    // non-blocking connect() is seen to finish, either way. A descriptor is watched for one of the
    // two at a time; to switch, unwatch it first.
    void watch_writable(int fd, Callback on_writable);
    void unwatch(int fd);

    // Timers: due timers run earliest first, each at or after its deadline.
    TimePoint now() const override { return monotonic_now(); }
    TimerId schedule(TimePoint when, Callback callback) override;
    void cancel(TimerId id) override;
    Duration suspended() const override;

    // Blocks the signal for the process and delivers it here, in the loop, as an event.
    void on_signal(int signal_number, Callback callback);

    // What kept the loop from its timers, said as it happens: a callback that ran longer than
    // `threshold`, and a timer that ran more than `threshold` after its deadline (with no long
    // callback before it, the process was not scheduled: other work on the host, a VM stall).
    void report_stalls(Duration threshold, std::function<void(const std::string&)> report);

    // Runs until stop(); returns after the callback that called stop() finishes.
    void run();
    void stop() { running_ = false; }

private:
    void arm_timerfd();
    void run_due_timers();
    void read_signals();
    // Runs a callback, timing it when stalls are reported.
    void timed(const Callback& callback, const char* what, int number);

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
    Duration stall_threshold_ = Duration::max();
    std::function<void(const std::string&)> report_stall_;
};

}  // namespace xvip
