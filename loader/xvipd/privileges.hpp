// Least privilege at run time: once xvipd has attached, pinned, held the VIPs and opened its
// sockets, it keeps only the capabilities it still uses (docs in README, "Privileges"):
//   CAP_NET_ADMIN  netlink (addresses at stop, local-traffic routes), net sysctls, XDP links
//   CAP_NET_RAW    raw VRRP and AF_PACKET sockets opened again by a reload
//   CAP_BPF        the pinned maps and the program, opened again by a reload
//   CAP_SETUID, CAP_SETGID  running hooks and track scripts as a named user (script_user, a
//                           script's user, keepalived_script); dropped too when no script does
//   CAP_KILL       ending a script that runs as another user when it times out
// Everything else (CAP_SYS_ADMIN first of all) leaves the effective and permitted sets. The
// bounding set stays, so that hooks that run as root, as keepalived's do without a script user,
// keep what an operator's script expects (su, runuser).
#pragma once

#include <string>

namespace xvip {

// Throws std::system_error when the kernel refuses. Returns the kept set as text, for the log.
std::string drop_unneeded_capabilities(bool scripts_change_user);

}  // namespace xvip
