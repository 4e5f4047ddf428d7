#include "topology/signal_cleanup.hpp"

#include <fcntl.h>
#include <linux/limits.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>

#include "topology/errors.hpp"

namespace xvip::topo::signal_cleanup {
namespace {

constexpr std::size_t kMaxChildren = 512;
constexpr std::size_t kMaxRuns = 32;
constexpr std::size_t kMaxNamespacesPerRun = 32;
constexpr std::size_t kPathSize = 256;
constexpr int kRemoveDepth = 6;

struct RunRecord {
    std::atomic<bool> claimed{false};
    std::atomic<bool> live{false};
    std::size_t namespace_count = 0;
    char namespace_paths[kMaxNamespacesPerRun][kPathSize] = {};
    char bpffs_dir[kPathSize] = {};
    char run_dir[kPathSize] = {};
};

std::array<std::atomic<pid_t>, kMaxChildren> g_children{};
std::array<RunRecord, kMaxRuns> g_runs{};
constexpr std::array kHandledSignals{SIGINT, SIGTERM, SIGHUP};
struct sigaction g_previous[NSIG] = {};

void copy_path(char (&to)[kPathSize], const std::string& from) {
    if (from.size() >= kPathSize) throw std::length_error("path too long for cleanup: " + from);
    std::memcpy(to, from.c_str(), from.size() + 1);
}

// Signal-safe recursive removal: getdents64 via syscall, no allocation. Rewinds after each batch
// because removing entries while reading a directory may skip some.
void remove_tree_at(int parent_fd, const char* name, int depth) {
    if (unlinkat(parent_fd, name, 0) == 0 || errno == ENOENT || depth == 0) return;
    const int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    alignas(8) char buffer[4096];
    for (int pass = 0; pass < 64; ++pass) {
        const long n = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        if (n <= 0) break;
        bool removed_any = false;
        for (long offset = 0; offset < n;) {
            // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
            unsigned short reclen;
            std::memcpy(&reclen, buffer + offset + 16, sizeof reclen);
            const char* entry = buffer + offset + 19;
            if (std::strcmp(entry, ".") != 0 && std::strcmp(entry, "..") != 0) {
                remove_tree_at(fd, entry, depth - 1);
                removed_any = true;
            }
            offset += reclen;
        }
        if (!removed_any) break;
        lseek(fd, 0, SEEK_SET);
    }
    close(fd);
    unlinkat(parent_fd, name, AT_REMOVEDIR);
}

void undo_everything() {
    for (auto& child : g_children) {
        const pid_t pid = child.exchange(0);
        if (pid <= 0) continue;
        kill(-pid, SIGKILL);  // each child leads a process group of its own (see child.hpp)
        kill(pid, SIGKILL);
    }
    for (auto& run : g_runs) {
        if (!run.live.load(std::memory_order_acquire)) continue;
        // What `ip netns del` does: the namespace dies with its last reference, and its veths
        // with it (the killed children release theirs as they exit).
        for (std::size_t i = 0; i < run.namespace_count; ++i) {
            umount2(run.namespace_paths[i], MNT_DETACH);
            unlink(run.namespace_paths[i]);
        }
        umount2(run.bpffs_dir, MNT_DETACH);
        remove_tree_at(AT_FDCWD, run.run_dir, kRemoveDepth);
    }
}

void on_fatal_signal(int signal_number) {
    const int saved_errno = errno;
    undo_everything();
    // The signal is blocked while we run; it is delivered again, under the previous disposition,
    // as soon as this handler returns.
    sigaction(signal_number, &g_previous[signal_number], nullptr);
    raise(signal_number);
    errno = saved_errno;
}

void install_once() {
    for (int signal_number : kHandledSignals) {
        struct sigaction previous {};
        sigaction(signal_number, nullptr, &previous);
        if (previous.sa_handler == SIG_IGN) continue;
        g_previous[signal_number] = previous;
        struct sigaction action {};
        action.sa_handler = on_fatal_signal;
        sigfillset(&action.sa_mask);
        if (sigaction(signal_number, &action, nullptr) != 0) {
            throw SystemError("sigaction(" + std::to_string(signal_number) + ")", errno);
        }
    }
}

}  // namespace

void install_handlers() {
    static std::once_flag once;
    std::call_once(once, install_once);
}

bool track_child(pid_t pid) {
    for (auto& child : g_children) {
        pid_t expected = 0;
        if (child.compare_exchange_strong(expected, pid)) return true;
    }
    return false;
}

void untrack_child(pid_t pid) {
    for (auto& child : g_children) {
        pid_t expected = pid;
        if (child.compare_exchange_strong(expected, 0)) return;
    }
}

RegisteredRun::RegisteredRun(const std::vector<std::string>& namespaces, const std::string& bpffs_dir,
                             const std::string& run_dir)
    : slot_(-1) {
    if (namespaces.size() > kMaxNamespacesPerRun) {
        throw std::length_error("too many namespaces for one topology");
    }
    for (std::size_t i = 0; i < g_runs.size(); ++i) {
        bool expected = false;
        if (g_runs[i].claimed.compare_exchange_strong(expected, true)) {
            slot_ = static_cast<int>(i);
            break;
        }
    }
    if (slot_ < 0) throw std::length_error("too many live topologies in one process");
    RunRecord& run = g_runs[static_cast<std::size_t>(slot_)];
    try {
        for (std::size_t i = 0; i < namespaces.size(); ++i) {
            copy_path(run.namespace_paths[i], "/run/netns/" + namespaces[i]);
        }
        run.namespace_count = namespaces.size();
        copy_path(run.bpffs_dir, bpffs_dir);
        copy_path(run.run_dir, run_dir);
    } catch (...) {
        run.claimed.store(false);
        throw;
    }
    run.live.store(true, std::memory_order_release);
}

RegisteredRun::~RegisteredRun() {
    RunRecord& run = g_runs[static_cast<std::size_t>(slot_)];
    run.live.store(false, std::memory_order_release);
    run.claimed.store(false, std::memory_order_release);
}

}  // namespace xvip::topo::signal_cleanup
