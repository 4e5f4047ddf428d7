#include "daemon/child_processes.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>

namespace xvip {

namespace {

// A script's whole environment: a fixed PATH, nothing of the daemon's (whatever systemd or the
// shell that started xvipd exported: credentials, LD_PRELOAD, proxies, locale).
const std::string script_path_variable = std::string("PATH=") + script_search_path;
char* const script_environment[] = {const_cast<char*>(script_path_variable.c_str()), nullptr};

// Direct system calls: glibc 2.36's <sys/pidfd.h> declares these without C linkage.
int open_pidfd(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
}
int send_signal_to_pidfd(int pidfd, int signal_number) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0U));
}

// Runs in the forked child: async-signal-safe calls only, then exec. Any failure is reported to
// the parent as an errno through `error_fd` (close-on-exec, so a successful exec closes it).
[[noreturn]] void exec_child(char* const* argv, int devnull, int error_fd, ChildOutput output, const RunAs* run_as) {
    const auto fail = [error_fd](int error_number) {
        (void)!::write(error_fd, &error_number, sizeof error_number);
        ::_exit(127);
    };
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
        ::sigaction(signal_number, &default_action, nullptr);  // fails harmlessly for KILL, STOP
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::setpgid(0, 0);
    const int out = output == ChildOutput::discard ? devnull : STDERR_FILENO;
    if (::dup2(devnull, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 ||
        (output == ChildOutput::discard && ::dup2(devnull, STDERR_FILENO) < 0)) {
        fail(errno);
    }
    // Nothing of the daemon's but stdio crosses exec, even an fd opened without O_CLOEXEC.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (run_as != nullptr) {
        if (::setgroups(run_as->groups.size(), run_as->groups.data()) != 0) fail(errno);
        if (::setgid(run_as->gid) != 0) fail(errno);
        if (::setuid(run_as->uid) != 0) fail(errno);
    }
    ::execve(argv[0], argv, script_environment);
    fail(errno);
    ::_exit(127);  // not reached: fail() exits
}

bool is_resource_shortage(int error_number) {
    return error_number == EMFILE || error_number == ENFILE || error_number == ENOMEM || error_number == EAGAIN ||
           error_number == ENOBUFS;
}

SpawnError spawn_error(const std::string& what, int error_number) {
    return SpawnError{what + ": " + std::strerror(error_number), is_resource_shortage(error_number)};
}

std::string signal_text(int signal_number) {
    const char* name = ::strsignal(signal_number);
    return "signal " + std::to_string(signal_number) + (name != nullptr ? std::string(" (") + name + ")" : "");
}

}  // namespace

std::string describe(const ChildExit& exit) {
    switch (exit.kind) {
        case ChildExit::Kind::exited: return "exited with status " + std::to_string(exit.code);
        case ChildExit::Kind::killed: return "killed by " + signal_text(exit.code);
        case ChildExit::Kind::timed_out: return "timed out (ended by " + signal_text(exit.code) + ")";
        case ChildExit::Kind::not_started: return "not started (" + exit.not_started.message + ")";
    }
    return "ended";
}

ChildProcesses::ChildProcesses(EventLoop& loop, Duration kill_grace, LogSink log)
    : loop_(loop), kill_grace_(kill_grace), log_(std::move(log)) {}

ChildProcesses::~ChildProcesses() {
    for (auto& [id, child] : children_) {
        loop_.unwatch(child.pidfd.get());
        if (child.exec_error) loop_.unwatch(child.exec_error.get());
        if (child.timeout_timer) loop_.cancel(*child.timeout_timer);
        if (child.kill_timer) loop_.cancel(*child.kill_timer);
        signal_group(child, SIGKILL);
        siginfo_t info{};
        // SIGKILL cannot be ignored: this wait is short (a child in uninterruptible sleep aside).
        while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(child.pidfd.get()), &info, WEXITED) != 0 &&
               errno == EINTR) {
        }
    }
}

void ChildProcesses::signal_group(const Child& child, int signal_number) {
    // The leader is not reaped yet, so its pid and group id are still ours.
    if (::kill(-child.pid, signal_number) != 0) {
        send_signal_to_pidfd(child.pidfd.get(), signal_number);
    }
}

ValueOrError<ChildProcesses::Id, SpawnError> ChildProcesses::start(const std::vector<std::string>& argv,
                                                                   const ChildOptions& options, OnExit on_exit) {
    if (argv.empty() || argv[0].empty()) return SpawnError{"no program to run"};
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    // What the child could only find out after the fork, found out before it: the common mistakes
    // stay an error of start(), and the loop never waits for an exec.
    if (::access(args[0], X_OK) != 0) return spawn_error("cannot run " + argv[0], errno);
    UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!devnull) return spawn_error("cannot run " + argv[0] + ": open /dev/null", errno);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return spawn_error("cannot run " + argv[0] + ": pipe2", errno);
    UniqueFd error_read(pipe_fds[0]);
    UniqueFd error_write(pipe_fds[1]);

    const RunAs* run_as = options.run_as ? &*options.run_as : nullptr;
    const pid_t pid = ::fork();
    if (pid < 0) return spawn_error("cannot run " + argv[0] + ": fork", errno);
    if (pid == 0) exec_child(args.data(), devnull.get(), error_write.get(), options.output, run_as);

    error_write.reset();
    // Not reaped yet, so the pid is still this child's.
    UniqueFd pidfd(open_pidfd(pid));
    if (!pidfd) {
        const int pidfd_errno = errno;
        ::kill(pid, SIGKILL);  // unreaped: still our child
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return spawn_error("cannot run " + argv[0] + ": pidfd_open", pidfd_errno);
    }

    const Id id = next_id_++;
    Child child;
    child.pid = pid;
    child.program = argv[0];
    child.pidfd = std::move(pidfd);
    child.exec_error = std::move(error_read);
    child.on_exit = std::move(on_exit);
    child.timeout_timer = loop_.schedule(loop_.now() + options.timeout, [this, id] { on_timeout(id); });
    const int watched_fd = child.pidfd.get();
    const int exec_fd = child.exec_error.get();
    children_.emplace(id, std::move(child));
    loop_.watch(watched_fd, [this, id] { on_pidfd_readable(id); });
    loop_.watch(exec_fd, [this, id] {
        if (auto it = children_.find(id); it != children_.end()) read_exec_result(it->second);
    });
    return id;
}

void ChildProcesses::read_exec_result(Child& child) {
    if (!child.exec_error) return;
    int child_errno = 0;
    ssize_t got = 0;
    do {
        got = ::read(child.exec_error.get(), &child_errno, sizeof child_errno);
    } while (got < 0 && errno == EINTR);
    if (got < 0 && errno == EAGAIN) return;  // not yet: the loop calls again
    if (got == static_cast<ssize_t>(sizeof child_errno)) {
        child.not_started = spawn_error("cannot run " + child.program, child_errno);
    }
    loop_.unwatch(child.exec_error.get());
    child.exec_error.reset();
}

void ChildProcesses::abandon(Id id) {
    auto it = children_.find(id);
    if (it == children_.end()) return;
    Child& child = it->second;
    child.on_exit = nullptr;
    if (child.timeout_timer) loop_.cancel(*child.timeout_timer);
    child.timeout_timer.reset();
    signal_group(child, SIGKILL);
}

void ChildProcesses::on_timeout(Id id) {
    auto it = children_.find(id);
    if (it == children_.end()) return;
    Child& child = it->second;
    child.timeout_timer.reset();
    child.timed_out = true;
    signal_group(child, SIGTERM);
    child.kill_timer = loop_.schedule(loop_.now() + kill_grace_, [this, id] { on_kill_deadline(id); });
}

void ChildProcesses::on_kill_deadline(Id id) {
    auto it = children_.find(id);
    if (it == children_.end()) return;
    it->second.kill_timer.reset();
    log_line(log_, "child " + std::to_string(it->second.pid) + " ignored SIGTERM; sending SIGKILL");
    signal_group(it->second, SIGKILL);
}

void ChildProcesses::on_pidfd_readable(Id id) {
    auto it = children_.find(id);
    if (it == children_.end()) return;
    Child& child = it->second;
    // A timed-out script's helpers go with it (keepalived does the same).
    if (child.timed_out) signal_group(child, SIGKILL);
    siginfo_t info{};
    ChildExit exit;
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(child.pidfd.get()), &info, WEXITED | WNOHANG) != 0) {
        if (errno == EINTR) return;  // still readable: the loop calls again
        // ECHILD: someone reaped it behind our back (SIGCHLD ignored, or a waitpid(-1)).
        log_line(log_, "child " + std::to_string(child.pid) + ": waitid: " + std::strerror(errno));
        exit = {.kind = ChildExit::Kind::killed};
    } else if (info.si_pid == 0) {
        return;  // not ended yet
    } else if (info.si_code == CLD_EXITED) {
        exit = {.kind = ChildExit::Kind::exited, .code = info.si_status};
    } else {
        exit = {.kind = ChildExit::Kind::killed, .code = info.si_status};
    }
    if (child.timed_out) exit.kind = ChildExit::Kind::timed_out;
    read_exec_result(child);  // it ended: the pipe holds its errno or is at end of file
    if (child.not_started) {
        exit = {.kind = ChildExit::Kind::not_started, .code = 0, .not_started = *child.not_started};
    }

    loop_.unwatch(child.pidfd.get());
    if (child.timeout_timer) loop_.cancel(*child.timeout_timer);
    if (child.kill_timer) loop_.cancel(*child.kill_timer);
    OnExit on_exit = std::move(child.on_exit);
    children_.erase(it);  // before the callback, which may start the next run
    if (!on_exit) return;
    try {
        on_exit(exit);
    } catch (const std::exception& error) {
        log_line(log_, std::string("child exit handler failed: ") + error.what());
    } catch (...) {
        log_line(log_, "child exit handler failed");
    }
}

}  // namespace xvip
