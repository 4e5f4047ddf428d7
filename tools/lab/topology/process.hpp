#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "topology/child.hpp"

namespace xvip::topo {

using namespace std::chrono_literals;

// A long-running process (a daemon, a traffic generator) whose output goes to two files, so that
// it never blocks on a full pipe and its log outlives it for the test's failure message. It and
// whatever it starts are ended together (see Child).
class Process {
public:
    Process(const std::vector<std::string>& argv, std::filesystem::path stdout_path, std::filesystem::path stderr_path);

    pid_t pid() const noexcept { return pid_; }
    const std::vector<std::string>& argv() const noexcept { return child_.argv(); }
    bool running();

    // nullopt if it is still running after `timeout`.
    std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
    // Throws TimeoutError naming the command if it has not ended after `timeout`.
    ExitStatus wait(std::chrono::milliseconds timeout);
    // To the process only (a daemon's SIGHUP, say); a no-op once it has ended.
    void send_signal(int signal_number);
    // To the process and whatever it started that is still in its process group.
    void signal_group(int signal_number);
    // SIGTERM to its process group, up to `grace` for the process to end, then SIGKILL to what is
    // left of the group. Returns how the process ended.
    ExitStatus stop(std::chrono::milliseconds grace = 2000ms);

    const std::filesystem::path& stdout_path() const noexcept { return stdout_path_; }
    const std::filesystem::path& stderr_path() const noexcept { return stderr_path_; }
    std::string read_stdout() const;
    std::string read_stderr() const;

private:
    std::filesystem::path stdout_path_;
    std::filesystem::path stderr_path_;
    Child child_;
    pid_t pid_;
};

std::string read_text_file(const std::filesystem::path& path);

}  // namespace xvip::topo
