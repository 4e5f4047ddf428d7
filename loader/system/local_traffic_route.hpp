// The option local_traffic_follows_active (docs/architecture.md): the VIP is local on every node,
// so a process on a standby that connects to it would reach its own host. With the option, the
// VIP's route in the local table is swapped, at each transition, between the kernel's own local
// route (we are active: deliver here) and a route via the active router's address (we are standby:
// locally originated traffic goes to the active node, as with keepalived). Only traffic this host
// originates is affected: the XDP program already decides what arrives from the wire. IPv4 only
// for now.
#pragma once

#include <optional>
#include <string>

#include "common/ip_address.hpp"
#include "system/netlink_socket.hpp"

namespace xvip {

class LocalTrafficRoute {
public:
    // Throws std::system_error naming the interface when it does not exist.
    LocalTrafficRoute(const std::string& ifname, IpAddress vip);

    // Returns 0 or the errno the kernel answered with; never throws (called at transitions).
    int follow(const IpAddress& active_router);
    int deliver_locally();

    const IpAddress& vip() const { return vip_; }
    const std::optional<IpAddress>& following() const { return following_; }

private:
    IpAddress vip_;
    int ifindex_ = 0;
    int loopback_index_ = 0;
    NetlinkSocket socket_;
    std::optional<IpAddress> following_;
};

}  // namespace xvip
