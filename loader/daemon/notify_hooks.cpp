#include "daemon/notify_hooks.hpp"

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
