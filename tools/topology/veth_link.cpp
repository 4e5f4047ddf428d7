#include "topology/veth_link.hpp"

#include "topology/command.hpp"
#include "topology/network_namespace.hpp"

#include <sstream>
#include <stdexcept>

namespace xvip::topo {

void create_veth_link(const VethLink& link) {
    run_checked({"ip", "-n", link.endpoint_netns, "link", "add", link.endpoint_ifname, "address",
                 link.endpoint_mac, "mtu", std::to_string(link.mtu), "type", "veth", "peer",
                 "name", link.bridge_port, "mtu", std::to_string(link.mtu), "netns",
                 link.bridge_netns});
    run_checked({"ip", "-n", link.bridge_netns, "link", "set", link.bridge_port, "master",
                 link.bridge_name});
}

void bring_up(const VethLink& link) {
    run_checked({"ip", "-n", link.bridge_netns, "link", "set", link.bridge_port, "up"});
    run_checked({"ip", "-n", link.endpoint_netns, "link", "set", link.endpoint_ifname, "up"});
}

bool gro_enabled(const std::string& netns, const std::string& ifname) {
    const auto features = run_checked(in_netns(netns, {"ethtool", "-k", ifname}));
    std::istringstream lines(features.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("generic-receive-offload:", 0) == 0) {
            return line.find(": on") != std::string::npos;
        }
    }
    return false;
}

void enable_gro_on_bridge_port(const VethLink& link) {
    run_checked(in_netns(link.bridge_netns, {"ethtool", "-K", link.bridge_port, "gro", "on"}));
    if (!gro_enabled(link.bridge_netns, link.bridge_port)) {
        throw std::runtime_error(
            "GRO does not read back on for " + link.bridge_port + " in " + link.bridge_netns +
            " (peer of " + link.endpoint_ifname + " in " + link.endpoint_netns +
            "): XDP_TX frames from " + link.endpoint_ifname + " would be dropped silently");
    }
}

}  // namespace xvip::topo
