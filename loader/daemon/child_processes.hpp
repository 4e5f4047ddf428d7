// Every program xvipd runs (notify hooks, track scripts) starts and ends here, driven by the event
// loop. A child gets its own process group, an empty signal mask and default signal dispositions
// (the loop blocks the signals it handles), stdin from /dev/null, and stdout/stderr either
// discarded (the default, as keepalived does) or shared with the daemon's stderr. Its environment
// is fixed: PATH=script_search_path and nothing else, never the daemon's own.
//
// Its end is seen through a pidfd the loop watches and reaped with waitid(P_PIDFD): never a
// waitpid(-1), so another component's children are never taken, and no zombie is left. A child
// still running at its timeout gets SIGTERM (its whole group), and SIGKILL after a grace period; a
// signal only ever goes to a child that has not been reaped yet, so its pid (and process group id)
// cannot have been recycled for someone else's process.
//
// The daemon must leave SIGCHLD at its default disposition (SIG_IGN would make the kernel reap
// children before we see their status) and must not call wait()/waitpid(-1) anywhere.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/value_or_error.hpp"
#include "common/unique_fd.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/log_sink.hpp"
#include "daemon/script.hpp"

namespace xvip {

enum class ChildOutput { discard, daemon_stderr };

struct ChildOptions {
    Duration timeout = std::chrono::seconds(10);
    std::optional<RunAs> run_as;  // unset: the daemon's own user
    ChildOutput output = ChildOutput::discard;
};

struct SpawnError {
    std::string message;
    // The host could not start it (no descriptor, memory or process left: EMFILE, ENFILE, ENOMEM,
    // EAGAIN), as opposed to the program itself not running (ENOENT, EACCES, ENOEXEC): the program
    // never ran, so it neither failed nor succeeded.
    bool no_resources = false;
};

struct ChildExit {
    // not_started: the child could not exec the program (it never ran: neither failed nor
    // succeeded); `not_started` says why, as start() says it of what it finds out itself.
    enum class Kind { exited, killed, timed_out, not_started };
    Kind kind = Kind::exited;
    int code = 0;  // exited: the exit status; killed and timed_out: the signal that ended it
    SpawnError not_started;

    bool succeeded() const { return kind == Kind::exited && code == 0; }
};

// "exited with status 1", "killed by signal 9 (Killed)", "timed out (ended by signal 15 ...)",
// "not started (cannot run ...)".
std::string describe(const ChildExit& exit);

class ChildProcesses {
public:
    using Id = std::uint64_t;
    using OnExit = std::function<void(const ChildExit&)>;

    // `kill_grace`: how long a timed-out child has between SIGTERM and SIGKILL.
    explicit ChildProcesses(EventLoop& loop, Duration kill_grace = std::chrono::seconds(2), LogSink log = {});
    ChildProcesses(const ChildProcesses&) = delete;
    ChildProcesses& operator=(const ChildProcesses&) = delete;
    // Kills (SIGKILL, whole group) and reaps every child still running, without calling their
    // callbacks. Must run before the EventLoop is destroyed.
    ~ChildProcesses();

    // argv[0] is the path of the program (no PATH search, no shell). Returns as soon as the child
    // is forked, never waiting for it: a program that is missing or not executable is an error
    // here (nothing is left running); one the child then fails to exec ends with
    // ChildExit::Kind::not_started. `on_exit` runs later, from the loop, exactly once, unless the
    // child is abandoned. (Waiting for the exec took up to 700 ms on a loaded host, during which
    // adverts and lease renewals waited.)
    ValueOrError<Id, SpawnError> start(const std::vector<std::string>& argv, const ChildOptions& options,
                                       OnExit on_exit);

    // Ends a child early (SIGKILL to its group) and drops its callback; the loop still reaps it.
    void abandon(Id id);

    std::size_t running() const { return children_.size(); }

private:
    struct Child {
        pid_t pid = -1;
        std::string program;  // argv[0], for messages
        UniqueFd pidfd;
        std::optional<EventLoop::TimerId> timeout_timer;
        std::optional<EventLoop::TimerId> kill_timer;
        bool timed_out = false;
        UniqueFd exec_error;  // the child's errno pipe, open until it exec'd or failed to
        std::optional<SpawnError> not_started;
        OnExit on_exit;
    };
    // Reads what the child said through its errno pipe (end of file: it exec'd) and closes it.
    void read_exec_result(Child& child);

    void on_timeout(Id id);
    void on_kill_deadline(Id id);
    void on_pidfd_readable(Id id);
    void signal_group(const Child& child, int signal_number);

    EventLoop& loop_;
    Duration kill_grace_;
    LogSink log_;
    Id next_id_ = 1;
    std::unordered_map<Id, Child> children_;
};

}  // namespace xvip
