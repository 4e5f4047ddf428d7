#include "bench/dataplane/progress.hpp"

#include <cstdio>

namespace xvip::bench {

Progress::Progress() : start_(std::chrono::steady_clock::now()) {}

double Progress::elapsed_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::say(const std::string& line) const {
    std::printf("[%6.1f s] %s\n", elapsed_seconds(), line.c_str());
    std::fflush(stdout);
}

}  // namespace xvip::bench
