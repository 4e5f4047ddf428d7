// Faults on the soak's segment, made in the run's own namespaces only: a node's link down and up,
// loss (and delay) on a node's link, and partitions of the bridge.
//
// Loss and delay use sch_netem where the kernel has it (on both directions of the node's link:
// its eth0 and its bridge port). Kernels built without it (the CI machine's among them) get the
// loss alone, from an nftables rule on the bridge (`numgen random`), and the soak says so.
// A partition moves bridge ports from br0 to a second bridge, br1: the hosts keep their links up
// (carrier and all) and simply stop hearing the other side.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "topology/topology.hpp"

namespace xvip::soak {

class SegmentFaults {
public:
    // Creates br1 in the bridge namespace and finds out whether the kernel has sch_netem.
    explicit SegmentFaults(const topo::Topology& topo);

    bool has_netem() const noexcept { return netem_; }
    // "sch_netem (loss and delay)" or "nftables numgen (loss only: this kernel has no sch_netem)".
    std::string loss_method() const;

    void set_link(const topo::Endpoint& host, bool up) const;
    // Loss of `percent` % in both directions of `host`'s link, and with netem `delay` each way.
    void add_loss(const topo::Endpoint& host, int percent, std::chrono::milliseconds delay) const;
    void clear_loss(const topo::Endpoint& host) const;
    // `cut_off` on one side (br1), everyone else on the other (br0).
    void partition(const std::vector<const topo::Endpoint*>& cut_off);
    void heal();

private:
    const topo::Topology& topo_;
    bool netem_ = false;
    std::vector<std::string> moved_;  // bridge ports now on br1
};

}  // namespace xvip::soak
