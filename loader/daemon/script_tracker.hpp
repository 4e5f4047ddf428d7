// One keepalived vrrp_script: the script runs every interval (the first run at start()), a run
// that outlives its timeout is killed and counts as a failure, and the rise/fall verdict
// (rise_fall.hpp) is reported through the callback when it changes, the first verdict included.
// A run still going when the next is due is not doubled up: that tick is skipped, as in keepalived.
// A run the host could not start (no descriptor, memory or process left) is no result at all: the
// verdict stays as it was, and the shortage is logged once while it lasts and counted.
// What a verdict does to an instance (weight, fault) is the caller's: see effective_priority.hpp.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "daemon/child_processes.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/log_sink.hpp"
#include "daemon/rise_fall.hpp"
#include "daemon/script.hpp"

namespace xvip {

struct TrackScriptSettings {
    std::string name;
    Script script;  // from prepare_script
    Duration interval = std::chrono::seconds(1);
    std::optional<Duration> timeout;  // unset: the interval, as keepalived does
    int rise = 1;
    int fall = 1;
    bool initially_failed = false;  // keepalived init_fail
    ChildOutput output = ChildOutput::discard;
};

class ScriptTracker {
public:
    using OnChange = std::function<void(bool healthy)>;

    ScriptTracker(EventLoop& loop, ChildProcesses& children, TrackScriptSettings settings, OnChange on_change,
                  LogSink log = {});
    ScriptTracker(const ScriptTracker&) = delete;
    ScriptTracker& operator=(const ScriptTracker&) = delete;
    // Cancels the next run and kills a run in progress.
    ~ScriptTracker();

    void start();
    // Reload: takes over the verdict of the same script under the previous configuration (its
    // rise/fall state mapped onto this one's rise and fall), instead of starting unknown. Before
    // start(); reports nothing, since the verdict does not change.
    void carry(const RiseFall& previous) { verdict_ = previous.carried_into(settings_.rise, settings_.fall); }

    // Unset until the first verdict (unless initially_failed or carried).
    std::optional<bool> healthy() const { return verdict_.healthy(); }
    const RiseFall& verdict() const { return verdict_; }
    const Script& script() const { return settings_.script; }
    const std::string& name() const { return settings_.name; }
    std::uint64_t runs() const { return runs_; }
    // Runs that could not be started for want of descriptors, memory or processes.
    std::uint64_t spawn_failures() const { return spawn_failures_; }

private:
    void tick();
    void finished(const ChildExit& exit);
    // A run that never started: no resources keeps the last result; anything else is a failure.
    void not_started(const SpawnError& error);
    void record(bool success, const std::string& why);

    EventLoop& loop_;
    ChildProcesses& children_;
    TrackScriptSettings settings_;
    OnChange on_change_;
    LogSink log_;
    RiseFall verdict_;
    std::optional<EventLoop::TimerId> next_run_;
    std::optional<ChildProcesses::Id> running_;
    TimePoint next_due_{};
    std::uint64_t runs_ = 0;
    std::uint64_t spawn_failures_ = 0;
    bool starved_ = false;  // the latest run could not be started
};

}  // namespace xvip
