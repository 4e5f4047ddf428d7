#pragma once

#include <chrono>
#include <concepts>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>

#include "topology/errors.hpp"

namespace xvip::topo {

// Moves the calling thread into the named network namespace. Only the thread moves: the network
// namespace is per thread, which is why callers give it a thread of its own.
void enter_netns(const std::string& netns);

// Runs `task` on a new thread that has entered `netns` and returns its result or rethrows its
// exception. Sockets the task opens belong to that namespace (and stay there when returned).
// If the task is still running after `timeout`, TimeoutError is thrown and the thread is left
// to finish on its own, since a thread cannot be killed: bound the task's own blocking calls
// (SO_RCVTIMEO, poll timeouts) well inside `timeout`, and capture by value what it needs.
template <std::invocable Task>
std::invoke_result_t<Task> run_in_netns(const std::string& netns, std::chrono::milliseconds timeout, Task&& task) {
    using Result = std::invoke_result_t<Task>;
    auto job =
        std::make_shared<std::packaged_task<Result()>>([netns, work = std::forward<Task>(task)]() mutable -> Result {
            enter_netns(netns);
            return work();
        });
    std::future<Result> result = job->get_future();
    std::thread worker([job] { (*job)(); });
    if (result.wait_for(timeout) != std::future_status::ready) {
        worker.detach();
        throw TimeoutError("a task running in network namespace " + netns, timeout);
    }
    worker.join();
    return result.get();
}

}  // namespace xvip::topo
