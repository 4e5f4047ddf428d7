#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

// What must be undone when SIGINT/SIGTERM/SIGHUP ends the process while topologies are alive.
// A signal handler may only make async-signal-safe calls, so everything it needs (pids, paths) is
// recorded here beforehand in fixed storage, and the handler undoes it with plain system calls:
// kill, umount2, unlink, rmdir. Then it restores the previous disposition and re-raises.
namespace xvip::topo::signal_cleanup {

// Installs the handlers once per process. A signal that is ignored stays ignored.
void install_handlers();

// Children we started and have not reaped. A pid stays ours until waitpid, so untrack BEFORE
// reaping: a handler that ran after the reap could otherwise kill an unrelated reused pid.
[[nodiscard]] bool track_child(pid_t pid);
void untrack_child(pid_t pid);

// The kernel objects of one topology: namespace names (/run/netns/<name>), the bpffs mount point
// and the run directory (removed recursively). Registered before any of them is created.
class RegisteredRun {
public:
    RegisteredRun(const std::vector<std::string>& namespaces, const std::string& bpffs_dir, const std::string& run_dir);
    ~RegisteredRun();
    RegisteredRun(const RegisteredRun&) = delete;
    RegisteredRun& operator=(const RegisteredRun&) = delete;

private:
    int slot_;
};

}  // namespace xvip::topo::signal_cleanup
