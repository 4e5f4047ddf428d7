// Node 0 of a benchmark's network (a Topology's, or the ARP benchmark's veth pair), put in each
// configuration the measurements compare. Everything it runs, it runs in the node's namespace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dataplane/dataplane.hpp"
#include "topology/topology.hpp"

namespace xvip::bench {

class BenchNode {
public:
    // `node` and `client` belong to a network the caller owns and keeps for this object's lifetime.
    BenchNode(const topo::Endpoint& node, const topo::Endpoint& client);
    // Detaches whatever is still attached; deleting the namespaces would too, but in order.
    ~BenchNode();
    BenchNode(const BenchNode&) = delete;
    BenchNode& operator=(const BenchNode&) = delete;

    const topo::Endpoint& node() const { return node_; }
    const topo::Endpoint& client() const { return client_; }
    const std::string& vip() const { return vip_; }
    static constexpr std::uint8_t vrid = 51;

    // The kernel holds the VIP as xvipd has it (lo /32, arp_ignore=1, arp_announce=2): it never
    // answers ARP for it on eth0, so XDP (or, for the kernel's baseline, an address on eth0) must.
    void hold_vip_as_xvipd();

    // The kernel's own ARP: the VIP as a /32 on eth0 too, so that arp_ignore=1 lets it answer.
    void add_vip_to_eth0();
    void remove_vip_from_eth0();

    // xvip on eth0 in native mode, the VIP bound and active with a lease of a minute; with
    // `gateway`, its instance a gateway instance (`gateway = true`).
    Dataplane& attach_xvip(bool gateway = false);
    void renew_lease();
    void detach_xvip();
    Dataplane& xvip();

    // bpf/pass.bpf.c on eth0 in native mode.
    void attach_trivial();
    void detach_trivial();

private:
    void on_node(const std::vector<std::string>& argv);

    topo::Endpoint node_;
    topo::Endpoint client_;
    std::string vip_;
    std::optional<Dataplane> xvip_;
    bool trivial_attached_ = false;
    bool vip_on_eth0_ = false;
};

}  // namespace xvip::bench
