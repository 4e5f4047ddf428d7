// Progress lines on stdout, each stamped with the time since the run began, so that a slow phase
// shows where it is slow.
#pragma once

#include <chrono>
#include <string>

namespace xvip::bench {

class Progress {
public:
    Progress();
    void say(const std::string& line) const;  // "[  12.3 s] line", flushed at once
    double elapsed_seconds() const;

private:
    std::chrono::steady_clock::time_point start_;
};

}  // namespace xvip::bench
