// keepalived-compatible notify scripts and notify FIFO, so that existing hook scripts run unchanged
// (keepalived vrrp_notify.c). On each transition of an instance, in keepalived's order:
//   1. the state's own script (notify_master / notify_backup / notify_fault / notify_stop), run
//      with exactly the words of its command line and nothing appended;
//   2. the generic `notify` script with four words appended:
//        INSTANCE <instance name> MASTER|BACKUP|FAULT|STOP <effective priority>
//      (for a sync group: GROUP <group name> <state> 0);
//   3. one FIFO line, `INSTANCE "name" MASTER 150`.
// Hooks run through ChildProcesses (no shell, own process group, output discarded unless asked),
// each bounded by a timeout; a failing hook is logged and changes nothing else.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/child_processes.hpp"
#include "daemon/log_sink.hpp"
#include "daemon/notify_fifo.hpp"
#include "daemon/script.hpp"
#include "election/state.hpp"

namespace xvip {

// The hooks of one instance or sync group, each from prepare_script (config: NotifyHooks).
struct NotifyScripts {
    std::optional<Script> any;     // notify
    std::optional<Script> master;  // notify_master
    std::optional<Script> backup;  // notify_backup
    std::optional<Script> fault;   // notify_fault
    std::optional<Script> stop;    // notify_stop
};

// The keepalived state a transition into `state` reports; none for initialize (keepalived
// notifies nothing on entering INIT).
std::optional<NotifyState> notify_state_of(State state);

// argv of the generic notify script: its own words, then TYPE NAME STATE PRIORITY.
std::vector<std::string> generic_notify_argv(const Script& script, std::string_view type, std::string_view name,
                                             NotifyState state, int priority);

struct NotifierSettings {
    Duration hook_timeout = std::chrono::seconds(60);  // MASTER/BACKUP/FAULT hooks
    Duration stop_timeout = std::chrono::seconds(5);   // STOP hooks hold up shutdown: kept short
    ChildOutput output = ChildOutput::discard;
};

class TransitionNotifier {
public:
    // `fifo` may be null (no notify_fifo configured); it must outlive the notifier.
    TransitionNotifier(ChildProcesses& children, NotifyFifo* fifo, NotifierSettings settings = {}, LogSink log = {});

    void instance_changed(std::string_view instance, const NotifyScripts& scripts, NotifyState state, int priority);
    void group_changed(std::string_view group, const NotifyScripts& scripts, NotifyState state);
    // keepalived's notify_priority_changes: FIFO only.
    void priority_changed(std::string_view instance, bool master, int priority);

    std::uint64_t hooks_started() const { return counts_->started; }
    std::uint64_t hooks_failed() const { return counts_->failed; }

private:
    void run(const Script& script, std::vector<std::string> argv, NotifyState state, std::string label);
    void changed(std::string_view type, std::string_view name, const NotifyScripts& scripts, NotifyState state,
                 int priority);

    ChildProcesses& children_;
    NotifyFifo* fifo_;
    NotifierSettings settings_;
    LogSink log_;
    // Shared with the exit callbacks of hooks still running, which may outlive the notifier.
    struct Counts {
        std::uint64_t started = 0;
        std::uint64_t failed = 0;
    };
    std::shared_ptr<Counts> counts_ = std::make_shared<Counts>();
};

}  // namespace xvip
