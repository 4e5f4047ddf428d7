#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"

namespace xvip::topo {

struct ExitStatus {
    // The exit code, or 128 + the signal number when a signal ended the process (as a shell does).
    int code = 0;
    int signal = 0;  // 0 unless a signal ended the process

    bool success() const noexcept { return signal == 0 && code == 0; }
    std::string describe() const;
};

// Where a child's stdout and stderr go (descriptors owned by the caller); stdin is /dev/null.
struct ChildOutput {
    int stdout_fd;
    int stderr_fd;
};

// A process we started, leader of a process group of its own, so that what it starts in turn
// (a shell's children, a daemon's workers) ends with it. It is killed with its group and reaped
// when this is destroyed, within a bounded wait.
//
// The leader is not reaped when it exits, only when this is destroyed: while it is an unreaped
// zombie its pid, and so its group id, cannot be recycled, which makes signalling the group safe
// until the very end. Descendants that leave the group (setsid, a daemon's double fork) escape.
class Child {
public:
    // Starts argv[0] from PATH. Throws CommandError (exit code -1) if it cannot be started.
    Child(const std::vector<std::string>& argv, const ChildOutput& output);
    ~Child();
    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const noexcept { return pid_; }
    const std::vector<std::string>& argv() const noexcept { return argv_; }

    // The leader's exit status once it has ended within `timeout`, else nullopt.
    std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
    // To the leader only; a no-op once it has ended.
    void send_signal(int signal_number);
    // To the leader and everything still in its group.
    void signal_group(int signal_number);
    // SIGKILL to the group, a bounded wait for the leader, then reap it. Every teardown path.
    void kill_and_reap() noexcept;

    const std::optional<ExitStatus>& exit_status() const noexcept { return status_; }

private:
    bool ended();

    std::vector<std::string> argv_;
    pid_t pid_ = -1;  // -1 once reaped (or moved from)
    UniqueFd pidfd_;
    std::optional<ExitStatus> status_;
};

}  // namespace xvip::topo
