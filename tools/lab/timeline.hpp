// The lab's timeline: events from several threads (role watcher, log tailer, ARP watcher, the
// scenario itself), each stamped with CLOCK_MONOTONIC (TimePoint), printed in order relative to the
// start.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "common/monotonic_clock.hpp"

namespace xvip::lab {

struct Event {
    TimePoint at{};
    std::string source;  // "node0", "client", "lab"
    std::string text;
};

class Timeline {
public:
    TimePoint start() const { return start_; }
    // Times print relative to `start`; earlier events (the set-up) are not printed.
    void set_start(TimePoint start) { start_ = start; }
    void add(TimePoint at, std::string source, std::string text);
    // Every event so far, in time order (stable for equal stamps).
    std::vector<Event> events() const;
    // Events in time order (stable for equal stamps), as "  +512.345 ms  node0   text".
    void print(std::FILE* out) const;

private:
    TimePoint start_{};
    mutable std::mutex mutex_;
    std::vector<Event> events_;
};

// "412.345 ms": milliseconds with microsecond resolution.
std::string format_ms(std::chrono::nanoseconds d);

}  // namespace xvip::lab
