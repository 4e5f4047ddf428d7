#include "system/veth_peer.hpp"

#include <system_error>

#include "system/netlink_socket.hpp"
#include "system/rtnetlink_queries.hpp"

namespace xvip {

std::optional<VethPeer> veth_peer(const std::string& ifname) {
    NetlinkSocket socket;
    const LinkMessage link = query_link(socket, ifname);
    if (link.kind != "veth" || link.peer_index <= 0) return std::nullopt;
    const LinkMessage peer = query_link(socket, link.peer_index, link.peer_netnsid);
    return VethPeer{
        .name = peer.name, .in_other_namespace = link.peer_netnsid.has_value(), .xdp_attached = peer.xdp_attached};
}

XdpMode xdp_mode_for(const std::string& ifname, XdpMode asked, const std::function<void(const std::string&)>& warn) {
    if (asked == XdpMode::generic) return asked;
    std::optional<VethPeer> peer;
    try {
        peer = veth_peer(ifname);
    } catch (const std::system_error& e) {
        if (warn) warn("could not tell whether " + ifname + " is a veth whose peer can take XDP replies: " + e.what());
        return asked;
    }
    if (!peer || peer->xdp_attached) return asked;
    const std::string peer_name =
        "its peer " + peer->name + (peer->in_other_namespace ? " (in another network namespace)" : "");
    // GRO on the peer gives it NAPI, but the kernel wakes that NAPI for bounced frames only when
    // the peer runs an XDP program (veth_xdp_flush): otherwise they wait for other traffic to wake
    // it (seen on 6.1 and 6.18), and are dropped once its ring is full. So an XDP program there is
    // the one fix.
    const std::string fix =
        "attach an XDP program to " + peer->name + " (any, e.g. one returning XDP_PASS; GRO on there is not enough)";
    if (asked == XdpMode::auto_select) {
        if (warn) {
            warn(ifname + " is a veth and " + peer_name +
                 " runs no XDP program, so it would not take the ARP and NA replies native XDP sends: attached in "
                 "generic mode instead. For native mode, " +
                 fix + ", then attach again");
        }
        return XdpMode::generic;
    }
    if (warn) {
        warn(ifname + " is a veth and " + peer_name +
             " runs no XDP program: in native mode the ARP and NA replies do not reach it (dropped, or held until "
             "other traffic wakes it). To fix: " +
             fix + ", or attach in generic mode");
    }
    return asked;
}

}  // namespace xvip
