// A gateway instance (the instance option `gateway`) needs the kernel to forward: on the active
// node the XDP program lets forwarded frames through, and the kernel forwards them only when its
// forwarding sysctls are on. They are the operator's: xvipd never changes them, on a transition or
// otherwise, and warns at start-up (and on a reload) when one is off.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace xvip {

// Reads one sysctl by key (below /proc/sys, with slashes); nullopt when it cannot be read.
using SysctlReader = std::function<std::optional<std::string>(const std::string& key)>;

// One warning per gateway instance of `instances` (all on `ifname`) whose family's forwarding is
// off, naming the sysctl and its value: IPv4 net.ipv4.ip_forward and the interface's
// net.ipv4.conf.IF.forwarding (the kernel checks the receiving interface's); IPv6
// net.ipv6.conf.all.forwarding and net.ipv6.conf.IF.forwarding. A sysctl that cannot be read is
// said so too. Empty when every gateway instance's family forwards.
std::vector<std::string> forwarding_warnings(const std::string& ifname, const std::vector<Instance>& instances,
                                             const SysctlReader& read);

// The reader of the running system (read_sysctl, on the calling thread's network namespace).
SysctlReader system_sysctl_reader();

}  // namespace xvip
