#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace xvip::topo {

// A command that ran and failed. Carries enough to reproduce it by hand.
class CommandError : public std::runtime_error {
public:
    CommandError(std::vector<std::string> argv, int exit_code, std::string stderr_text);

    const std::vector<std::string>& argv() const noexcept { return argv_; }
    // 128 + signal number when the command was killed by a signal, -1 when it could not start.
    int exit_code() const noexcept { return exit_code_; }
    const std::string& stderr_text() const noexcept { return stderr_; }

private:
    std::vector<std::string> argv_;
    int exit_code_;
    std::string stderr_;
};

// A bounded wait that ran out. `what` names the thing that was waited for.
class TimeoutError : public std::runtime_error {
public:
    TimeoutError(const std::string& what, std::chrono::milliseconds waited);
};

// A system call failed; the message names the call, the object and errno.
class SystemError : public std::runtime_error {
public:
    SystemError(const std::string& doing, int error_number);

    int error_number() const noexcept { return errno_; }

private:
    int errno_;
};

// "ip -n x link add ..." with arguments quoted where needed, for messages.
std::string format_command(const std::vector<std::string>& argv);

}  // namespace xvip::topo
