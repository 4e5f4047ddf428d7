#include "daemon/notify_hooks.hpp"

#include <algorithm>

namespace xvip {

std::optional<NotifyState> notify_state_of(State state) {
    switch (state) {
        case State::master: return NotifyState::master;
        case State::backup: return NotifyState::backup;
        case State::fault: return NotifyState::fault;
        case State::initialize: return std::nullopt;
    }
    return std::nullopt;
}

std::vector<std::string> generic_notify_argv(const Script& script, std::string_view type, std::string_view name,
                                             NotifyState state, int priority) {
    std::vector<std::string> argv = script.argv;
    argv.emplace_back(type);
    argv.emplace_back(name);
    argv.emplace_back(keepalived_word(state));
    argv.push_back(std::to_string(priority));
    return argv;
}

bool LbNotifyScripts::changes_user() const {
    const auto named = [](const auto& entry) {
        const UpDownScripts& s = entry.second;
        return (s.up && s.up->run_as) || (s.down && s.down->run_as);
    };
    return std::any_of(services.begin(), services.end(), named) ||
           std::any_of(real_servers.begin(), real_servers.end(), named);
}

ValueOrError<LbNotifyScripts, ScriptError> prepare_lb_notify_scripts(std::span<const VirtualServer> servers,
                                                                     std::string_view script_user,
                                                                     const ScriptPolicy& policy) {
    auto run_as = script_run_as({}, script_user);
    if (!run_as) return ScriptError{"script_user: " + run_as.error().message};
    LbNotifyScripts out;
    // One script: prepared into `slot`, or the error that names it.
    const auto prepare = [&](const std::string& command, std::optional<Script>& slot, const SourceLocation& at,
                             const std::string& who, std::string_view setting) -> std::optional<ScriptError> {
        if (command.empty()) return std::nullopt;
        auto script = prepare_script(command, *run_as, policy);
        if (!script)
            return ScriptError{to_string(at) + ": " + who + ": " + std::string(setting) + ": " +
                               script.error().message};
        slot = std::move(*script);
        return std::nullopt;
    };
    for (const VirtualServer& vs : servers) {
        if (vs.port < 1 || vs.port > 65535) continue;
        const lb::ServiceKey key = lb::key_of(vs);
        const std::string who = "virtual server " + lb::to_string(key);
        UpDownScripts service;
        if (auto e = prepare(vs.quorum_up, service.up, vs.origins.of(Field::vs_quorum_up), who, "quorum_up")) return *e;
        if (auto e = prepare(vs.quorum_down, service.down, vs.origins.of(Field::vs_quorum_down), who, "quorum_down"))
            return *e;
        if (service.up || service.down) out.services.emplace(key, std::move(service));
        for (const RealServer& rs : vs.real_servers) {
            const std::string rs_who = "real server " + rs.address.to_string() + " of " + lb::to_string(key);
            UpDownScripts real;
            if (auto e = prepare(rs.notify_up, real.up, rs.origins.of(Field::rs_notify_up), rs_who, "notify_up"))
                return *e;
            if (auto e =
                    prepare(rs.notify_down, real.down, rs.origins.of(Field::rs_notify_down), rs_who, "notify_down"))
                return *e;
            if (real.up || real.down) out.real_servers.emplace(lb::RealServerKey{key, rs.address}, std::move(real));
        }
    }
    return out;
}

TransitionNotifier::TransitionNotifier(ChildProcesses& children, NotifyFifo* fifo, NotifierSettings settings,
                                       LogSink log)
    : children_(children), fifo_(fifo), settings_(settings), log_(std::move(log)) {}

void TransitionNotifier::run(const Script& script, std::vector<std::string> argv, NotifyState state,
                             std::string label) {
    ChildOptions options{
        .timeout = state == NotifyState::stop ? settings_.stop_timeout : settings_.hook_timeout,
        .run_as = script.run_as,
        .output = settings_.output,
    };
    ++counts_->started;
    auto started = children_.start(argv, options, [counts = counts_, log = log_, label](const ChildExit& exit) {
        if (exit.succeeded()) return;
        ++counts->failed;
        log_line(log, label + " " + describe(exit));
    });
    if (!started) {
        ++counts_->failed;
        log_line(log_, label + ": " + started.error().message);
    }
}

void TransitionNotifier::run_script(const Script& script, std::string label) {
    run(script, script.argv, NotifyState::master, std::move(label));  // a state's own hook: its timeout
}

void TransitionNotifier::changed(std::string_view type, std::string_view name, const NotifyScripts& scripts,
                                 NotifyState state, int priority) {
    const std::optional<Script>* own = nullptr;
    switch (state) {
        case NotifyState::master: own = &scripts.master; break;
        case NotifyState::backup: own = &scripts.backup; break;
        case NotifyState::fault: own = &scripts.fault; break;
        case NotifyState::stop: own = &scripts.stop; break;
    }
    const std::string word(keepalived_word(state));
    std::string lowered = word;
    for (char& c : lowered) c = static_cast<char>(c - 'A' + 'a');
    if (own != nullptr && *own) {
        run(**own, (*own)->argv, state, "notify_" + lowered + " of " + std::string(name));
    }
    if (scripts.any) {
        run(*scripts.any, generic_notify_argv(*scripts.any, type, name, state, priority), state,
            "notify of " + std::string(name) + " (" + word + ")");
    }
    if (fifo_ != nullptr) {
        fifo_->write_line(type == "GROUP" ? fifo_group_line(name, state) : fifo_instance_line(name, state, priority));
    }
}

void TransitionNotifier::instance_changed(std::string_view instance, const NotifyScripts& scripts, NotifyState state,
                                          int priority) {
    changed("INSTANCE", instance, scripts, state, priority);
}

void TransitionNotifier::group_changed(std::string_view group, const NotifyScripts& scripts, NotifyState state) {
    changed("GROUP", group, scripts, state, 0);
}

void TransitionNotifier::priority_changed(std::string_view instance, bool master, int priority) {
    if (fifo_ != nullptr) fifo_->write_line(fifo_priority_line(instance, master, priority));
}

}  // namespace xvip
