// keepalived-compatible notify scripts and notify FIFO, so that existing hook scripts run unchanged
// (keepalived vrrp_notify.c). On each transition of an instance, in keepalived's order:
//   1. the state's own script (notify_master / notify_backup / notify_fault / notify_stop), run
//      with exactly the words of its command line and nothing appended;
//   2. the generic `notify` script with four words appended:
//        INSTANCE <instance name> MASTER|BACKUP|FAULT|STOP <effective priority>
//      (for a sync group: GROUP <group name> <state> 0);
//   3. one FIFO line, `INSTANCE "name" MASTER 150`.
// The load balancer's scripts (keepalived check/ipwrapper.c) run with exactly their own words too:
// a virtual server's quorum_up / quorum_down when it gains or loses its quorum, a real server's
// notify_up / notify_down when its check passes again or fails. keepalived writes FIFO lines for
// them (`VS ...`, `RS ...`) only to its checker's FIFOs, which xvip does not have.
// Hooks run through ChildProcesses (no shell, own process group, output discarded unless asked),
// each bounded by a timeout; a failing hook is logged and changes nothing else.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "daemon/child_processes.hpp"
#include "daemon/log_sink.hpp"
#include "daemon/notify_fifo.hpp"
#include "daemon/script.hpp"
#include "election/state.hpp"
#include "lb/plan.hpp"

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

// The load balancer's scripts, each from prepare_script, run as global.script_user says.
struct UpDownScripts {
    std::optional<Script> up;    // quorum_up / notify_up
    std::optional<Script> down;  // quorum_down / notify_down
};
struct LbNotifyScripts {
    std::map<lb::ServiceKey, UpDownScripts> services;         // quorum_up / quorum_down
    std::map<lb::RealServerKey, UpDownScripts> real_servers;  // notify_up / notify_down
    // Some script runs as a named user.
    bool changes_user() const;
};

// Prepares the scripts of `servers` (those with a port in 1-65535: the others are never planned),
// touching nothing. The error names the place in the file (FILE:LINE:COLUMN), the server, the
// setting and what is wrong.
ValueOrError<LbNotifyScripts, ScriptError> prepare_lb_notify_scripts(std::span<const VirtualServer> servers,
                                                                     std::string_view script_user,
                                                                     const ScriptPolicy& policy);

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
    // A script of the load balancer, run with its own words; `label` names it in the log
    // ("quorum_down of tcp 192.0.2.100:80").
    void run_script(const Script& script, std::string label);

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
