#include "soak/segment_faults.hpp"

#include <fstream>
#include <sstream>

namespace xvip::soak {

namespace {

constexpr const char* kSecondBridge = "br1";

}  // namespace

SegmentFaults::SegmentFaults(const topo::Topology& topo) : topo_(topo) {
    const auto& ns = topo_.bridge_netns();
    topo_.run_checked(ns, {"ip", "link", "add", kSecondBridge, "type", "bridge", "stp_state", "0", "forward_delay", "0",
                           "mcast_snooping", "0"});
    topo_.run_checked(ns, {"ip", "link", "set", kSecondBridge, "up"});
    // netem, if the kernel has it: tried on a bridge port, removed again at once.
    const auto port = topo_.node(0).bridge_port;
    netem_ = topo_.run(ns, {"tc", "qdisc", "add", "dev", port, "root", "netem", "delay", "1ms"}).success();
    if (netem_) topo_.run_checked(ns, {"tc", "qdisc", "del", "dev", port, "root"});
}

std::string SegmentFaults::loss_method() const {
    return netem_ ? "tc netem" : "a user-space delay line on the bridge port (this kernel has no sch_netem)";
}

void SegmentFaults::set_link(const topo::Endpoint& host, bool up) const {
    topo_.run_checked(host.netns, {"ip", "link", "set", host.ifname, up ? "up" : "down"});
}

void SegmentFaults::add_loss(const topo::Endpoint& host, int percent, std::chrono::milliseconds delay,
                             std::uint64_t seed) {
    const auto loss = std::to_string(percent) + "%";
    if (netem_) {
        const auto d = std::to_string(delay.count()) + "ms";
        topo_.run_checked(host.netns,
                          {"tc", "qdisc", "replace", "dev", host.ifname, "root", "netem", "loss", loss, "delay", d});
        topo_.run_checked(topo_.bridge_netns(), {"tc", "qdisc", "replace", "dev", host.bridge_port, "root", "netem",
                                                 "loss", loss, "delay", d});
        return;
    }
    delay_line_.emplace(topo::BridgePort{topo_.bridge_netns(), topo::Topology::bridge_name(), host.bridge_port},
                        percent, delay, seed);
}

std::string SegmentFaults::clear_loss(const topo::Endpoint& host) {
    if (netem_) {
        topo_.run_checked(host.netns, {"tc", "qdisc", "del", "dev", host.ifname, "root"});
        topo_.run_checked(topo_.bridge_netns(), {"tc", "qdisc", "del", "dev", host.bridge_port, "root"});
        return {};
    }
    if (!delay_line_) return {};
    const auto counts = delay_line_->counts();
    delay_line_.reset();
    return "relayed " + std::to_string(counts.relayed) + ", dropped " + std::to_string(counts.dropped);
}

void SegmentFaults::move_ports(const std::vector<std::string>& ports, const std::string& bridge) const {
    // One `ip -batch`, so the ports move microseconds apart: one `ip` a port left the first moved
    // alone for milliseconds, long enough for a fast-failover successor to take over and a client
    // about to be cut off with the active node to learn its GARP (then held for the neighbour
    // table's locktime, 1 s, against the active node's replies).
    std::ostringstream batch;
    for (const auto& port : ports) batch << "link set dev " << port << " master " << bridge << "\n";
    const auto file = topo_.run_dir() / "partition.batch";
    std::ofstream(file) << batch.str();
    topo_.run_checked(topo_.bridge_netns(), {"ip", "-batch", file.string()});
}

void SegmentFaults::partition(const std::vector<const topo::Endpoint*>& cut_off) {
    for (const auto* host : cut_off) moved_.push_back(host->bridge_port);
    move_ports(moved_, kSecondBridge);
}

void SegmentFaults::heal() {
    move_ports(moved_, topo::Topology::bridge_name());
    moved_.clear();
}

}  // namespace xvip::soak
