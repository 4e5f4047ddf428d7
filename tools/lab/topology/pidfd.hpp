#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

// Debian 12's glibc 2.36 declares pidfd_open and pidfd_send_signal in <sys/pidfd.h> without
// extern "C", so C++ cannot link them; call the system calls directly.
namespace xvip::topo {

inline int pidfd_open_process(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

inline int pidfd_signal(int pidfd, int signal_number) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0));
}

}  // namespace xvip::topo
