// Which processes hold a BPF link open, found through /proc: each fd's fdinfo names the link's id.
// An xvipd serving an interface holds that interface's XDP link for as long as it serves it (the
// Dataplane object), so this finds the daemon whatever its control socket or configuration.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace xvip::ctl {

struct LinkHolder {
    pid_t pid = 0;
    std::string name;  // /proc/PID/comm
};

// Every process but this one that has the link with this id open. Processes that vanish or whose
// fds cannot be read (not root) are passed over.
std::vector<LinkHolder> link_holders(std::uint32_t link_id);

}  // namespace xvip::ctl
