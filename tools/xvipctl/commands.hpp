// The commands of xvipctl, grouped by what they talk to.
#pragma once

#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xvip::ctl {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

// Bad options or arguments: reported with exit code 2, nothing changed.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Command {
    std::string_view name;
    std::function<int(const std::vector<std::string>& args)> run;
};

// attach, detach, vip, state, debug, show, counters: the data plane, straight through its pins.
std::span<const Command> dataplane_commands();
// status: a running xvipd, through its control socket.
std::span<const Command> daemon_commands();
// import-keepalived: configuration files, no daemon needed.
std::span<const Command> config_commands();

}  // namespace xvip::ctl
