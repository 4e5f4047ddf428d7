#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "topology/child.hpp"

namespace xvip::topo {

using namespace std::chrono_literals;

struct CommandResult {
    std::vector<std::string> argv;
    ExitStatus status;
    std::string out;
    std::string err;

    bool success() const noexcept { return status.success(); }
};

// Runs argv to completion. The child is killed and TimeoutError thrown (naming the command and
// what it printed so far) if it takes longer than `timeout`. A non-zero exit is returned, not
// thrown: see run_checked.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 10s);

// As run_command, but a non-zero exit throws CommandError with the command line, code and stderr.
CommandResult run_checked(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 10s);

}  // namespace xvip::topo
