#include "topology/gateway_segment.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <sstream>
#include <stdexcept>

namespace xvip::topo {

GatewaySegment::GatewaySegment(const Topology& topology, const std::string& client_netns, const std::string& vip,
                               const std::string& ip_forward, bool direct_return)
    : topology_(topology), client_netns_(client_netns) {
    server_.emplace(topology.netns_prefix() + "server");
    const std::string& s = server_->name();
    run_checked({"ip", "-n", s, "link", "set", "lo", "up"});
    run_checked({"ip", "-n", s, "link", "add", "br1", "type", "bridge"});
    set_sysctl(s, "net.ipv6.conf.all.disable_ipv6", "1");
    set_sysctl(s, "net.ipv6.conf.default.disable_ipv6", "1");
    for (std::size_t i = 0; i < topology.nodes().size(); ++i) {
        const std::string& n = topology.node(i).netns;
        const std::string port = "n" + std::to_string(i);
        set_sysctl(n, "net.ipv6.conf.default.disable_ipv6", "1");
        run_checked({"ip", "-n", n, "link", "add", "eth1", "type", "veth", "peer", "name", port, "netns", s});
        run_checked({"ip", "-n", n, "addr", "add", "198.51.100." + std::to_string(i + 1) + "/24", "dev", "eth1"});
        run_checked({"ip", "-n", n, "link", "set", "eth1", "up"});
        run_checked({"ip", "-n", s, "link", "set", port, "master", "br1", "up"});
        set_sysctl(n, "net.ipv4.ip_forward", ip_forward);
    }
    run_checked({"ip", "-n", s, "link", "set", "br1", "up"});
    for (const auto* a : {kServerViaVip, kServerViaStaleMac}) {
        run_checked({"ip", "-n", s, "addr", "add", std::string(a) + "/24", "dev", "br1"});
    }
    if (direct_return) {  // 192.0.2.250 on the client's segment, through the topology's bridge
        const std::string& b = topology.bridge_netns();
        run_checked({"ip", "-n", s, "link", "add", "eth0", "type", "veth", "peer", "name", "server", "netns", b});
        run_checked({"ip", "-n", b, "link", "set", "server", "master", Topology::bridge_name(), "up"});
        run_checked({"ip", "-n", s, "addr", "add", "192.0.2.250/24", "dev", "eth0"});
        run_checked({"ip", "-n", s, "link", "set", "eth0", "up"});
    } else {
        run_checked({"ip", "-n", s, "route", "add", "192.0.2.0/24", "via", "198.51.100.1"});
    }
    run_checked({"ip", "-n", client_netns_, "route", "add", "198.51.100.0/24", "via", vip});
    if (topology.nodes().size() > 1) {  // one node (the data-plane benchmark): no stale gateway to hold
        hold_stale_mac_of(1);
        run_checked(
            {"ip", "-n", client_netns_, "route", "add", std::string(kServerViaStaleMac) + "/32", "via", kStaleGateway});
    }
}

void GatewaySegment::hold_stale_mac_of(std::size_t node) const {
    run_checked({"ip", "-n", client_netns_, "neigh", "replace", kStaleGateway, "lladdr", topology_.node(node).mac,
                 "dev", "eth0", "nud", "permanent"});
}

long GatewaySegment::forwarded(std::size_t node) const {
    const auto snmp = topology_.run_checked(topology_.node(node).netns, {"cat", "/proc/net/snmp"}).out;
    std::istringstream lines(snmp);
    std::string names, values;
    while (std::getline(lines, names) && std::getline(lines, values)) {
        if (names.rfind("Ip: ", 0) != 0) continue;
        std::istringstream n(names), v(values);
        std::string name, value;
        while (n >> name && v >> value) {
            if (name == "ForwDatagrams") return std::stol(value);
        }
    }
    throw std::runtime_error("no Ip ForwDatagrams in " + topology_.node(node).name + "'s /proc/net/snmp");
}

long GatewaySegment::frames_to_server_from(std::size_t node) const {
    const auto out =
        topology_
            .run_checked(server_->name(), {"cat", "/sys/class/net/n" + std::to_string(node) + "/statistics/rx_packets"})
            .out;
    return std::stol(out);
}

namespace {

sockaddr_in server_address() {
    sockaddr_in at{.sin_family = AF_INET, .sin_port = htons(7000), .sin_addr = {}, .sin_zero = {}};
    inet_pton(AF_INET, GatewaySegment::kServerViaVip, &at.sin_addr);
    return at;
}

}  // namespace

GatewaySegment::TcpFlow GatewaySegment::open_flow() const {
    const UniqueFd listener = topology_.run_in(server_->name(), [] {
        UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        const auto at = server_address();
        if (!fd || bind(fd.get(), reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 || listen(fd.get(), 1) != 0) {
            throw std::runtime_error("listening on the server");
        }
        return fd;
    });
    TcpFlow flow;
    flow.client = topology_.run_in(client_netns_, [] {
        UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        const auto to = server_address();
        if (!fd || connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
            throw std::runtime_error("connecting to the server through the VIP");
        }
        return fd;
    });
    pollfd ready{.fd = listener.get(), .events = POLLIN, .revents = 0};
    if (poll(&ready, 1, 5000) != 1) throw std::runtime_error("the server saw no connection");
    flow.server = UniqueFd(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!flow.server) throw std::runtime_error("accepting the connection on the server");
    const timeval patience{.tv_sec = 5, .tv_usec = 0};
    for (int fd : {flow.client.get(), flow.server.get()}) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    }
    return flow;
}

bool GatewaySegment::TcpFlow::alive(char tag) const {
    char byte = tag;
    if (send(client.get(), &byte, 1, MSG_NOSIGNAL) != 1) return false;
    if (recv(server.get(), &byte, 1, 0) != 1 || byte != tag) return false;
    if (send(server.get(), &byte, 1, MSG_NOSIGNAL) != 1) return false;
    return recv(client.get(), &byte, 1, 0) == 1 && byte == tag;
}

}  // namespace xvip::topo
