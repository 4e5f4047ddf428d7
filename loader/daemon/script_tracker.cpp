#include "daemon/script_tracker.hpp"

#include <exception>
#include <utility>

namespace xvip {

ScriptTracker::ScriptTracker(EventLoop& loop, ChildProcesses& children, TrackScriptSettings settings,
                             OnChange on_change, LogSink log)
    : loop_(loop),
      children_(children),
      settings_(std::move(settings)),
      on_change_(std::move(on_change)),
      log_(std::move(log)),
      verdict_(settings_.rise, settings_.fall, settings_.initially_failed) {
    if (settings_.interval <= Duration::zero()) settings_.interval = std::chrono::seconds(1);
}

ScriptTracker::~ScriptTracker() {
    if (next_run_) loop_.cancel(*next_run_);
    if (running_) children_.abandon(*running_);
}

void ScriptTracker::start() {
    if (next_run_ || running_) return;
    next_due_ = loop_.now();
    next_run_ = loop_.schedule(next_due_, [this] { tick(); });
}

void ScriptTracker::tick() {
    next_run_.reset();
    // Fixed cadence from the first run, not drifting by how long each run takes.
    next_due_ += settings_.interval;
    const TimePoint now = loop_.now();
    if (next_due_ <= now) next_due_ = now + settings_.interval;
    next_run_ = loop_.schedule(next_due_, [this] { tick(); });

    if (running_) {
        log_line(log_, "track script " + settings_.name + " is still running; skipping this run");
        return;
    }
    ++runs_;
    ChildOptions options{.timeout = settings_.timeout.value_or(settings_.interval),
                         .run_as = settings_.script.run_as,
                         .output = settings_.output};
    auto started = children_.start(settings_.script.argv, options, [this](const ChildExit& exit) { finished(exit); });
    if (!started) {
        not_started(started.error());
        return;
    }
    running_ = started.value();
}

void ScriptTracker::not_started(const SpawnError& error) {
    if (error.no_resources) {
        ++spawn_failures_;
        if (!std::exchange(starved_, true)) {
            log_line(log_, "track script " + settings_.name + " could not be started (" + error.message +
                               "); keeping its last result until it runs again");
        }
        return;
    }
    record(false, error.message);
}

void ScriptTracker::finished(const ChildExit& exit) {
    running_.reset();
    if (exit.kind == ChildExit::Kind::not_started) {
        not_started(exit.not_started);
        return;
    }
    if (std::exchange(starved_, false)) log_line(log_, "track script " + settings_.name + " runs again");
    record(exit.succeeded(), describe(exit));
}

void ScriptTracker::record(bool success, const std::string& why) {
    const auto change = verdict_.record(success);
    if (!change) return;
    log_line(log_, "track script " + settings_.name + (*change ? " succeeded" : " failed") +
                       (success ? std::string() : " (" + why + ")"));
    if (!on_change_) return;
    try {
        on_change_(*change);
    } catch (const std::exception& error) {
        log_line(log_, "track script " + settings_.name + ": change handler failed: " + error.what());
    } catch (...) {
        log_line(log_, "track script " + settings_.name + ": change handler failed");
    }
}

}  // namespace xvip
