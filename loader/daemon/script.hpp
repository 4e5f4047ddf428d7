// A hook or track script made ready to run once, at start-up: the command line split into argv
// (keepalived's quoting), a bare name found on PATH, the file checked by the script-security rule,
// and the user it runs as resolved. The event loop then only spawns.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/value_or_error.hpp"

namespace xvip {

// The PATH every script runs with (its whole environment is this one variable; see
// ChildProcesses), and the one a bare script name is looked up on when the daemon has no PATH.
inline constexpr const char* script_search_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct ScriptError {
    std::string message;
};

// keepalived's script_user / vrrp_script `user`: "USER [GROUP]". Without GROUP, the user's primary
// group; supplementary groups are the user's.
struct RunAs {
    std::string user;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

ValueOrError<RunAs, ScriptError> resolve_run_as(std::string_view spec);

// The user keepalived runs scripts as when neither the script's `user` nor `script_user` names one.
inline constexpr const char* default_script_user = "keepalived_script";

// Who a script runs as, keepalived's rule: the script's own `user`, else the global `script_user`,
// else `default_user` if that user exists, else the daemon's own user (unset: root, for xvipd run
// by systemd). A named user that does not exist is an error; a missing default is not.
ValueOrError<std::optional<RunAs>, ScriptError> script_run_as(std::string_view own_user, std::string_view global_user,
                                                              std::string_view default_user = default_script_user);

struct Script {
    std::string command;            // as configured, for messages
    std::vector<std::string> argv;  // argv[0] is an absolute path
    std::optional<RunAs> run_as;    // unset: the daemon's own user
};

struct ScriptPolicy {
    bool enforce_security = true;  // keepalived's enable_script_security; xvip's default is on
    uid_t daemon_uid = 0;          // the effective uid of the daemon: geteuid()
};

// Splits, resolves and checks `command_line`. The error names the command, the path and the fix.
ValueOrError<Script, ScriptError> prepare_script(std::string_view command_line, std::optional<RunAs> run_as,
                                                 const ScriptPolicy& policy);

}  // namespace xvip
