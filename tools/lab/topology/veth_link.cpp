#include "topology/veth_link.hpp"

#include <sstream>
#include <stdexcept>

#include "topology/command.hpp"
#include "topology/network_namespace.hpp"

namespace xvip::topo {

void create_veth_link(const VethLink& link) {
    run_checked({"ip", "-n", link.endpoint_netns, "link", "add", link.endpoint_ifname, "address", link.endpoint_mac,
                 "mtu", std::to_string(link.mtu), "type", "veth", "peer", "name", link.bridge_port, "mtu",
                 std::to_string(link.mtu), "netns", link.bridge_netns});
    run_checked({"ip", "-n", link.bridge_netns, "link", "set", link.bridge_port, "master", link.bridge_name});
}

void bring_up(const VethLink& link) {
    run_checked({"ip", "-n", link.bridge_netns, "link", "set", link.bridge_port, "up"});
    run_checked({"ip", "-n", link.endpoint_netns, "link", "set", link.endpoint_ifname, "up"});
}

bool xdp_attached(const std::string& netns, const std::string& ifname) {
    const auto link = run_checked(in_netns(netns, {"ip", "-d", "-j", "link", "show", "dev", ifname}));
    // `ip -j` prints an "xdp" object for the device only while a program is attached.
    return link.out.find("\"xdp\":{") != std::string::npos;
}

std::vector<std::string> iproute2_obj_loader(const std::string& bpffs) {
    return {"env", "TC_BPF_MNT=" + bpffs, "ip"};
}

void attach_pass_program_to_bridge_port(const VethLink& link, const std::string& bpffs) {
    auto argv = iproute2_obj_loader(bpffs);
    argv.insert(argv.end(),
                {"link", "set", "dev", link.bridge_port, "xdpdrv", "obj", XVIP_PASS_BPF_OBJECT, "sec", "xdp"});
    run_checked(in_netns(link.bridge_netns, argv));
    if (!xdp_attached(link.bridge_netns, link.bridge_port)) {
        throw std::runtime_error("no XDP program reads back on " + link.bridge_port + " in " + link.bridge_netns +
                                 " (peer of " + link.endpoint_ifname + " in " + link.endpoint_netns +
                                 "): XDP_TX frames from " + link.endpoint_ifname + " would be dropped silently");
    }
}

}  // namespace xvip::topo
