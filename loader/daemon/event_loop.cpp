#include "daemon/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

namespace xvip {

namespace {

long long whole_ms(Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

void epoll_add(int epoll_fd, int fd, std::uint32_t events = EPOLLIN) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl(ADD)");
}

}  // namespace

EventLoop::EventLoop()
    : epoll_(epoll_create1(EPOLL_CLOEXEC)), timerfd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
    if (!epoll_) fail("epoll_create1");
    if (!timerfd_) fail("timerfd_create");
    sigemptyset(&signals_);
    signalfd_.reset(signalfd(-1, &signals_, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!signalfd_) fail("signalfd");
    epoll_add(epoll_.get(), timerfd_.get());
    epoll_add(epoll_.get(), signalfd_.get());
}

Duration EventLoop::suspended() const {
    timespec boot{}, monotonic{};
    // Read around the monotonic clock and take the smaller difference: two reads are not one
    // instant, and the error must not look like a sleep.
    clock_gettime(CLOCK_BOOTTIME, &boot);
    clock_gettime(CLOCK_MONOTONIC, &monotonic);
    const auto ns = [](const timespec& t) { return Duration(std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec); };
    return std::max(Duration(0), ns(boot) - ns(monotonic));
}

void EventLoop::watch(int fd, Callback on_readable) {
    epoll_add(epoll_.get(), fd);
    watches_[fd] = std::move(on_readable);
}

void EventLoop::watch_writable(int fd, Callback on_writable) {
    epoll_add(epoll_.get(), fd, EPOLLOUT);
    watches_[fd] = std::move(on_writable);
}

void EventLoop::unwatch(int fd) {
    if (watches_.erase(fd) != 0) epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::schedule(TimePoint when, Callback callback) {
    const TimerId id = next_id_++;
    timer_index_[id] = timers_.emplace(when, std::make_pair(id, std::move(callback)));
    return id;
}

void EventLoop::cancel(TimerId id) {
    auto it = timer_index_.find(id);
    if (it == timer_index_.end()) return;
    timers_.erase(it->second);
    timer_index_.erase(it);
}

void EventLoop::on_signal(int signal_number, Callback callback) {
    sigaddset(&signals_, signal_number);
    if (sigprocmask(SIG_BLOCK, &signals_, nullptr) != 0) fail("sigprocmask");
    if (signalfd(signalfd_.get(), &signals_, 0) < 0) fail("signalfd");
    signal_handlers_[signal_number] = std::move(callback);
}

void EventLoop::arm_timerfd() {
    const TimePoint next = timers_.empty() ? TimePoint::max() : timers_.begin()->first;
    if (next == armed_for_) return;
    itimerspec spec{};  // all zero disarms
    if (next != TimePoint::max()) {
        const auto ns = to_ns(next);
        // A deadline of exactly zero would disarm the timer: use 1 ns, which is long past.
        spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        spec.it_value.tv_nsec = std::max<long>(static_cast<long>(ns % 1'000'000'000), ns > 0 ? 0 : 1);
    }
    if (timerfd_settime(timerfd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) fail("timerfd_settime");
    armed_for_ = next;
}

void EventLoop::run_due_timers() {
    std::uint64_t expirations = 0;
    (void)!read(timerfd_.get(), &expirations, sizeof expirations);
    armed_for_ = TimePoint::max();
    const TimePoint at = now();
    while (!timers_.empty() && timers_.begin()->first <= at && running_) {
        auto node = timers_.extract(timers_.begin());
        timer_index_.erase(node.mapped().first);
        if (report_stall_ && at - node.key() > stall_threshold_) {
            report_stall_("a timer ran " + std::to_string(whole_ms(at - node.key())) + " ms after its deadline");
        }
        timed(node.mapped().second, "a timer", -1);
    }
}

void EventLoop::report_stalls(Duration threshold, std::function<void(const std::string&)> report) {
    stall_threshold_ = threshold;
    report_stall_ = std::move(report);
}

void EventLoop::timed(const Callback& callback, const char* what, int number) {
    if (!report_stall_) {
        callback();
        return;
    }
    const TimePoint began = now();
    callback();
    const Duration took = now() - began;
    if (took > stall_threshold_) {
        report_stall_(std::string(what) + (number >= 0 ? " " + std::to_string(number) : std::string()) + " ran for " +
                      std::to_string(whole_ms(took)) + " ms");
    }
}

void EventLoop::read_signals() {
    signalfd_siginfo info{};
    while (read(signalfd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        auto it = signal_handlers_.find(static_cast<int>(info.ssi_signo));
        if (it != signal_handlers_.end()) it->second();
    }
}

void EventLoop::run() {
    running_ = true;
    std::array<epoll_event, 16> events{};
    while (running_) {
        arm_timerfd();
        const int n = epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("epoll_wait");
        }
        for (int i = 0; i < n && running_; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == timerfd_.get()) {
                run_due_timers();
            } else if (fd == signalfd_.get()) {
                read_signals();
            } else if (auto it = watches_.find(fd); it != watches_.end()) {
                auto callback = it->second;  // a copy: the callback may unwatch itself
                timed(callback, "the callback of descriptor", fd);
            }
        }
    }
}

}  // namespace xvip
