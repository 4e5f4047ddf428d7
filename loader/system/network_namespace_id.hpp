// Which network namespace the calling thread is in, as the (device, inode) of its nsfs file:
// stable while the namespace lives, and what `ip netns identify` compares. Used to refuse acting
// on per-namespace kernel state (sysctls) from a thread in another namespace, and to tell whose a
// state file is.
#pragma once

#include <cstdint>
#include <string>

namespace xvip {

struct NetworkNamespaceId {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;

    friend bool operator==(const NetworkNamespaceId&, const NetworkNamespaceId&) = default;
    std::string to_string() const;  // "net:[4026531840]" as /proc shows it
};

// Throws std::system_error when /proc/thread-self/ns/net cannot be read.
NetworkNamespaceId current_network_namespace();

}  // namespace xvip
