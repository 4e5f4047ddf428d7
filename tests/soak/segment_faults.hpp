// Faults on the soak's segment, made in the run's own namespaces only: a node's link down and up,
// loss (and delay) on a node's link, and partitions of the bridge.
//
// Loss and delay use sch_netem where the kernel has it (on both directions of the node's link:
// its eth0 and its bridge port). Kernels built without it (the CI machine's among them) get the
// same fault from a user-space delay line on the bridge port (topology/delay_line.hpp), and the
// soak says which it used.
// A partition moves bridge ports from br0 to a second bridge, br1: the hosts keep their links up
// (carrier and all) and simply stop hearing the other side.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "topology/delay_line.hpp"
#include "topology/topology.hpp"

namespace xvip::soak {

class SegmentFaults {
public:
    // Creates br1 in the bridge namespace and finds out whether the kernel has sch_netem.
    explicit SegmentFaults(const topo::Topology& topo);

    std::string loss_method() const;

    void set_link(const topo::Endpoint& host, bool up) const;
    // Loss of `percent` % and `delay` in both directions of `host`'s link; one link at a time.
    void add_loss(const topo::Endpoint& host, int percent, std::chrono::milliseconds delay, std::uint64_t seed);
    // Undoes it; returns what the delay line did, if one was used: "relayed 812, dropped 203".
    std::string clear_loss(const topo::Endpoint& host);
    // `cut_off` on one side (br1), everyone else on the other (br0).
    void partition(const std::vector<const topo::Endpoint*>& cut_off);
    void heal();

private:
    // Every port in `ports` to `bridge`, in one `ip -batch`.
    void move_ports(const std::vector<std::string>& ports, const std::string& bridge) const;
    const topo::Topology& topo_;
    bool netem_ = false;
    std::vector<std::string> moved_;  // bridge ports now on br1
    std::optional<topo::DelayLine> delay_line_;
};

}  // namespace xvip::soak
