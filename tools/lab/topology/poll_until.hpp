#pragma once

#include <chrono>
#include <concepts>
#include <string>
#include <thread>

#include "topology/errors.hpp"

namespace xvip::topo {

// Re-checks `condition` every `interval` until it holds; TimeoutError names `what` otherwise.
template <std::predicate Condition>
void poll_until(const std::string& what, std::chrono::milliseconds timeout, Condition condition,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) throw TimeoutError(what, timeout);
        std::this_thread::sleep_for(interval);
    }
}

}  // namespace xvip::topo
