#include "topology/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "topology/errors.hpp"
#include "topology/pidfd.hpp"
#include "topology/signal_cleanup.hpp"

extern char** environ;

namespace xvip::topo {
namespace {

constexpr std::chrono::milliseconds kKillWait{5000};

class SpawnActions {
public:
    SpawnActions() { posix_spawn_file_actions_init(&actions_); }
    ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
    posix_spawn_file_actions_t* get() { return &actions_; }

private:
    posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
public:
    SpawnAttributes() { posix_spawnattr_init(&attributes_); }
    ~SpawnAttributes() { posix_spawnattr_destroy(&attributes_); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    posix_spawnattr_t* get() { return &attributes_; }

private:
    posix_spawnattr_t attributes_;
};

ExitStatus decode(const siginfo_t& info) {
    if (info.si_code == CLD_EXITED) return {.code = info.si_status, .signal = 0};
    return {.code = 128 + info.si_status, .signal = info.si_status};
}

}  // namespace

std::string ExitStatus::describe() const {
    if (signal != 0) return "killed by signal " + std::to_string(signal);
    return "exited " + std::to_string(code);
}

Child::Child(const std::vector<std::string>& argv, const ChildOutput& output) : argv_(argv) {
    signal_cleanup::install_handlers();
    SpawnActions actions;
    posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(actions.get(), output.stdout_fd, 1);
    posix_spawn_file_actions_adddup2(actions.get(), output.stderr_fd, 2);

    // Whatever the spawning thread blocks or handles, the child starts with defaults.
    SpawnAttributes attributes;
    sigset_t no_signals;
    sigemptyset(&no_signals);
    sigset_t handled;
    sigemptyset(&handled);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaddset(&handled, s);
    posix_spawnattr_setsigmask(attributes.get(), &no_signals);
    posix_spawnattr_setsigdefault(attributes.get(), &handled);
    posix_spawnattr_setpgroup(attributes.get(), 0);
    posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    std::vector<char*> args;
    for (const auto& arg : argv_) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    const int error = posix_spawnp(&pid_, args[0], actions.get(), attributes.get(), args.data(), environ);
    if (error != 0) {
        pid_ = -1;
        throw CommandError(argv_, -1, std::string("posix_spawnp: ") + std::strerror(error));
    }
    pidfd_.reset(pidfd_open_process(pid_));
    const int pidfd_errno = errno;
    if (!pidfd_ || !signal_cleanup::track_child(pid_)) {
        ::kill(-pid_, SIGKILL);
        int ignored = 0;
        waitpid(pid_, &ignored, 0);  // bounded: SIGKILL cannot be caught
        pid_ = -1;
        if (!pidfd_) throw SystemError("pidfd_open for `" + format_command(argv_) + "`", pidfd_errno);
        throw std::length_error("too many live child processes to track");
    }
}

Child::~Child() {
    kill_and_reap();
}

Child::Child(Child&& other) noexcept
    : argv_(std::move(other.argv_)),
      pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      status_(std::move(other.status_)) {}

Child& Child::operator=(Child&& other) noexcept {
    if (this != &other) {
        kill_and_reap();
        argv_ = std::move(other.argv_);
        pid_ = std::exchange(other.pid_, -1);
        pidfd_ = std::move(other.pidfd_);
        status_ = std::move(other.status_);
    }
    return *this;
}

bool Child::ended() {
    if (status_) return true;
    siginfo_t info{};
    // WNOWAIT: learn the status but leave the zombie, which keeps the pid and group id ours.
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
        throw SystemError("waitid for `" + format_command(argv_) + "`", errno);
    }
    if (info.si_pid == 0) return false;
    status_ = decode(info);
    return true;
}

std::optional<ExitStatus> Child::wait_for(std::chrono::milliseconds timeout) {
    if (status_ || pid_ < 0) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (ended()) return status_;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd ready{.fd = pidfd_.get(), .events = POLLIN, .revents = 0};
        if (poll(&ready, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
            throw SystemError("poll on the pidfd of `" + format_command(argv_) + "`", errno);
        }
    }
}

void Child::send_signal(int signal_number) {
    if (pid_ < 0 || status_) return;
    if (pidfd_signal(pidfd_.get(), signal_number) != 0 && errno != ESRCH) {
        throw SystemError("signal " + std::to_string(signal_number) + " to pid " + std::to_string(pid_) + " (`" +
                              format_command(argv_) + "`)",
                          errno);
    }
}

void Child::signal_group(int signal_number) {
    if (pid_ < 0) return;
    if (::kill(-pid_, signal_number) != 0 && errno != ESRCH) {
        throw SystemError("signal " + std::to_string(signal_number) + " to process group " + std::to_string(pid_) +
                              " (`" + format_command(argv_) + "`)",
                          errno);
    }
}

void Child::kill_and_reap() noexcept {
    if (pid_ < 0) return;
    try {
        signal_group(SIGKILL);
        if (!wait_for(kKillWait)) {
            std::fprintf(stderr, "xvip topology: pid %d (%s) survived SIGKILL for %lld ms\n", pid_,
                         format_command(argv_).c_str(), static_cast<long long>(kKillWait.count()));
            return;
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "xvip topology: ending pid %d: %s\n", pid_, error.what());
    }
    // Untrack before reaping: once reaped the pid is no longer ours (see signal_cleanup.hpp).
    signal_cleanup::untrack_child(pid_);
    int ignored = 0;
    waitpid(pid_, &ignored, WNOHANG);
    pidfd_.reset();
    pid_ = -1;
}

}  // namespace xvip::topo
