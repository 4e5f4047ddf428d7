#pragma once

// The VIP as a default gateway (issue 16): a server segment behind both nodes of a Topology.
//
//   client ── br0 ── node0 eth0 (VIP)   node0 eth1 198.51.100.1 ── br1 ── server
//                    node1 eth0         node1 eth1 198.51.100.2 ──┘   198.51.100.100, .101
//
// The client reaches kServerViaVip through the VIP (its ARP cache follows the active node) and
// kServerViaStaleMac through a permanent neighbour entry for kStaleGateway holding one node's MAC:
// a client with a stale cache for the gateway. The server answers through node0 (a static route),
// or with `direct_return` through a leg of its own on the client's segment (so that the return path
// does not depend on either node's forwarding): the return path is not what is measured. Shared by the
// gateway integration test and the failover benchmark's gateway scenario.

#include <cstddef>
#include <optional>
#include <string>

#include "common/unique_fd.hpp"
#include "topology/network_namespace.hpp"
#include "topology/topology.hpp"

namespace xvip::topo {

class GatewaySegment {
public:
    static constexpr const char* kServerViaVip = "198.51.100.100";
    static constexpr const char* kServerViaStaleMac = "198.51.100.101";
    static constexpr const char* kStaleGateway = "192.0.2.199";

    // Builds the server namespace and each node's eth1 (IPv6 off there: no ND, no MLD), sets every
    // node's net.ipv4.ip_forward to `ip_forward`, and routes the client's traffic to the server
    // through `vip`, to kServerViaStaleMac through node1's MAC (with two nodes or more). Destroy it
    // before the Topology.
    GatewaySegment(const Topology& topology, const std::string& client_netns, const std::string& vip,
                   const std::string& ip_forward = "1", bool direct_return = false);

    const std::string& server_netns() const { return server_->name(); }

    // The client's route to kServerViaStaleMac goes to node i's MAC, whoever is active.
    void hold_stale_mac_of(std::size_t node) const;
    // The kernel's count of datagrams node i forwarded (Ip: ForwDatagrams in its /proc/net/snmp).
    long forwarded(std::size_t node) const;
    // Frames node i's eth1 put on the server's segment: received by its bridge port there.
    long frames_to_server_from(std::size_t node) const;

    // A long-lived TCP connection from the client to kServerViaVip (port 7000) through the VIP;
    // receives wait up to 5 s (several retransmissions).
    struct TcpFlow {
        UniqueFd client, server;
        // One round trip: true when the connection still carries data both ways.
        bool alive(char tag) const;
    };
    TcpFlow open_flow() const;

private:
    const Topology& topology_;
    std::string client_netns_;
    std::optional<NetworkNamespace> server_;
};

}  // namespace xvip::topo
