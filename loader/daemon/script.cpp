#include "daemon/script.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "daemon/command_words.hpp"
#include "daemon/script_security.hpp"

namespace xvip {

namespace {

std::optional<std::string> find_on_path(const std::string& name) {
    const char* env = std::getenv("PATH");
    const std::string path = env != nullptr && *env != '\0' ? env : script_search_path;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t end = path.find(':', start);
        std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!dir.empty() && dir[0] == '/') {
            const std::string candidate = dir + "/" + name;
            struct stat st {};
            if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
                return candidate;
            }
        }
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return std::nullopt;
}

}  // namespace

ValueOrError<RunAs, ScriptError> resolve_run_as(std::string_view spec) {
    auto words = split_command_words(spec);
    if (!words || words.value().size() > 2) {
        return ScriptError{"script user '" + std::string(spec) + "': expected USER [GROUP]"};
    }
    const std::string& user = words.value()[0];
    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    const int rc = ::getpwnam_r(user.c_str(), &pw, buffer.data(), buffer.size(), &found);
    if (rc != 0 || found == nullptr) {
        return ScriptError{"script user '" + user + "' does not exist" +
                           (rc != 0 ? std::string(": ") + std::strerror(rc) : std::string())};
    }
    RunAs run_as{.user = user, .uid = pw.pw_uid, .gid = pw.pw_gid, .groups = {}};
    if (words.value().size() == 2) {
        const std::string& group_name = words.value()[1];
        group gr{};
        group* found_group = nullptr;
        const int grc = ::getgrnam_r(group_name.c_str(), &gr, buffer.data(), buffer.size(), &found_group);
        if (grc != 0 || found_group == nullptr) {
            return ScriptError{"script group '" + group_name + "' does not exist"};
        }
        run_as.gid = gr.gr_gid;
        run_as.groups = {gr.gr_gid};
    } else {
        int count = 64;
        std::vector<gid_t> groups(static_cast<std::size_t>(count));
        if (::getgrouplist(user.c_str(), run_as.gid, groups.data(), &count) < 0) {
            groups.resize(static_cast<std::size_t>(count));
            if (::getgrouplist(user.c_str(), run_as.gid, groups.data(), &count) < 0) count = 0;
        }
        groups.resize(static_cast<std::size_t>(count));
        run_as.groups = groups.empty() ? std::vector<gid_t>{run_as.gid} : std::move(groups);
    }
    return run_as;
}

ValueOrError<std::optional<RunAs>, ScriptError> script_run_as(std::string_view own_user, std::string_view global_user,
                                                              std::string_view default_user) {
    const std::string_view named = !own_user.empty() ? own_user : global_user;
    if (named.empty()) {
        // keepalived_script if the host has it (a lookup that fails for another reason counts as
        // absent, as in keepalived).
        auto fallback = resolve_run_as(default_user);
        if (!fallback) return std::optional<RunAs>{};
        return std::optional<RunAs>{std::move(fallback).value()};
    }
    auto resolved = resolve_run_as(named);
    if (!resolved) return resolved.error();
    return std::optional<RunAs>{std::move(resolved).value()};
}

ValueOrError<Script, ScriptError> prepare_script(std::string_view command_line, std::optional<RunAs> run_as,
                                                 const ScriptPolicy& policy) {
    auto words = split_command_words(command_line);
    if (!words) return ScriptError{words.error().message};
    Script script{.command = std::string(command_line), .argv = std::move(words).value(), .run_as = std::move(run_as)};
    std::string& program = script.argv[0];
    if (program.find('/') == std::string::npos) {
        auto found = find_on_path(program);
        if (!found) {
            return ScriptError{"script '" + script.command + "': " + program +
                               " is not an executable file on PATH; fix: give its absolute path"};
        }
        program = *found;
    } else if (program[0] != '/') {
        return ScriptError{"script '" + script.command + "': " + program +
                           " is a relative path; fix: give its absolute path"};
    }
    if (policy.enforce_security) {
        if (auto problem = check_script_security(program, policy.daemon_uid)) return ScriptError{*problem};
    } else if (::access(program.c_str(), X_OK) != 0) {
        return ScriptError{"script '" + script.command + "': " + program + ": " + std::strerror(errno)};
    }
    return script;
}

}  // namespace xvip
