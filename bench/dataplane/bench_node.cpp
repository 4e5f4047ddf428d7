#include "bench/dataplane/bench_node.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

namespace xvip::bench {

using namespace std::chrono_literals;

BenchNode::BenchNode(const topo::Endpoint& node, const topo::Endpoint& client)
    : node_(node), client_(client), vip_(topo::address_plan::vip_ipv4(0)) {}

BenchNode::~BenchNode() {
    try {
        if (xvip_) detach_xvip();
        if (trivial_attached_) detach_trivial();
        if (vip_on_eth0_) remove_vip_from_eth0();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "xvip-bench-dataplane: cleaning up node0 (its namespace goes anyway): %s\n", error.what());
    }
}

void BenchNode::on_node(const std::vector<std::string>& argv) {
    topo::run_checked(topo::in_netns(node_.netns, argv));
}

void BenchNode::hold_vip_as_xvipd() {
    for (const char* sysctl :
         {"net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
          "net.ipv4.conf.eth0.arp_announce=2", "net.ipv4.conf.eth0.arp_notify=0"}) {
        on_node({"sysctl", "-qw", sysctl});
    }
    on_node({"ip", "addr", "add", vip_ + "/32", "dev", "lo"});
}

void BenchNode::add_vip_to_eth0() {
    on_node({"ip", "addr", "add", vip_ + "/32", "dev", "eth0"});
    vip_on_eth0_ = true;
}

void BenchNode::remove_vip_from_eth0() {
    vip_on_eth0_ = false;
    on_node({"ip", "addr", "del", vip_ + "/32", "dev", "eth0"});
}

Dataplane& BenchNode::attach_xvip(bool gateway) {
    if (xvip_) return *xvip_;
    const auto pin_root = node().pin_dir;
    // Attach reads the interface and its MAC in the calling thread's namespace: the node's.
    xvip_.emplace(topo::run_in_netns(node_.netns, 10s, [pin_root] {
        return Dataplane::attach({.ifname = "eth0", .mode = XdpMode::native, .pin_root = pin_root});
    }));
    const InstanceKey instance{AddressFamily::ipv4, vrid};
    xvip_->add_vip(*IpAddress::parse(vip_), instance);
    if (gateway) {
        const std::array gateways{instance};
        xvip_->set_gateways(gateways);
    }
    renew_lease();
    return *xvip_;
}

void BenchNode::renew_lease() {
    // Bounded like xvipd's: a minute outlasts any one measurement, and the node falls silent by
    // itself a minute after a crash of the benchmark.
    xvip().write_state({AddressFamily::ipv4, vrid}, StateWord::active_until(monotonic_now() + 60s));
}

void BenchNode::detach_xvip() {
    if (!xvip_) return;
    std::optional<Dataplane> leaving = std::move(xvip_);
    xvip_.reset();
    leaving->detach();
}

Dataplane& BenchNode::xvip() {
    if (!xvip_) throw std::logic_error("xvip is not attached to node0");
    return *xvip_;
}

void BenchNode::attach_trivial() {
    on_node({"ip", "link", "set", "dev", "eth0", "xdpdrv", "obj", XVIP_PASS_BPF_OBJECT, "sec", "xdp"});
    trivial_attached_ = true;
}

void BenchNode::detach_trivial() {
    trivial_attached_ = false;
    on_node({"ip", "link", "set", "dev", "eth0", "xdpdrv", "off"});
}

}  // namespace xvip::bench
