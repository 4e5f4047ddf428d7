// A veth sends the frames its native XDP program bounces (XDP_TX) to its peer, which takes them
// only when it runs an XDP program too; otherwise they are dropped, or with GRO on there queued
// until other traffic wakes the peer (the kernel wakes it for them only when it runs a program),
// and counted nowhere the user looks: ARP replies that never arrive, or arrive a second late.
// Generic XDP has no such condition. This finds the case before an attach.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "dataplane/dataplane.hpp"

namespace xvip {

struct VethPeer {
    std::string name;
    bool in_other_namespace = false;
    bool xdp_attached = false;
};

// The peer of `ifname` when it is a veth; nullopt for any other kind of link. Throws
// std::system_error when a link cannot be looked up.
std::optional<VethPeer> veth_peer(const std::string& ifname);

// The mode to attach to `ifname` in when `asked`: auto on a veth whose peer runs no XDP program
// becomes generic, with a warning saying why and how to get native mode; native asked for there
// stays native, with a warning that the replies may never arrive. Anything else is left as asked.
// A peer that cannot be looked up changes nothing (said through `warn` too).
XdpMode xdp_mode_for(const std::string& ifname, XdpMode asked, const std::function<void(const std::string&)>& warn);

}  // namespace xvip
