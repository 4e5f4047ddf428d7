// Simulated time for xvipd's core: timers are a queue, time jumps from one deadline to the next,
// and a stall (SIGSTOP, a hung host) is time that passes with nothing run. No real time passes.
#pragma once

#include <algorithm>
#include <map>
#include <unordered_map>

#include "daemon/timers.hpp"

namespace xvip::sim {

class SimTimers final : public Timers {
public:
    // Far from zero, so that no deadline computed in a test lands on the clock's origin.
    explicit SimTimers(TimePoint start = TimePoint{} + std::chrono::hours(1)) : now_(start) {}

    TimePoint now() const override { return now_; }

    TimerId schedule(TimePoint when, Callback callback) override {
        const TimerId id = next_id_++;
        index_[id] = queue_.emplace(when, std::make_pair(id, std::move(callback)));
        return id;
    }

    void cancel(TimerId id) override {
        if (auto it = index_.find(id); it != index_.end()) {
            queue_.erase(it->second);
            index_.erase(it);
        }
    }

    // Runs every timer due by `end`, earliest first (same deadline: in the order scheduled), each
    // at its own deadline, or at once when that deadline is already past (after a stall).
    void run_until(TimePoint end) {
        while (!queue_.empty() && queue_.begin()->first <= end) {
            auto node = queue_.extract(queue_.begin());
            index_.erase(node.mapped().first);
            now_ = std::max(now_, node.key());
            node.mapped().second();
        }
        now_ = std::max(now_, end);
    }
    void run_for(Duration d) { run_until(now_ + d); }

    // The process did not run for `d`: the clock moves on, no timer fires until the next run.
    void stall(Duration d) { now_ += d; }
    // The system slept for `d` (suspend): CLOCK_MONOTONIC stands still, CLOCK_BOOTTIME moves on.
    void suspend(Duration d) { suspended_ += d; }
    Duration suspended() const override { return suspended_; }

    std::size_t pending() const { return queue_.size(); }

private:
    TimePoint now_;
    Duration suspended_{0};
    TimerId next_id_ = 1;
    std::multimap<TimePoint, std::pair<TimerId, Callback>> queue_;
    std::unordered_map<TimerId, decltype(queue_)::iterator> index_;
};

}  // namespace xvip::sim
