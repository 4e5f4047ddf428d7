// xvipd's load balancer (loader/xvipd/load_balancer.hpp) writing its plans into a loaded data
// plane, checked by what the program then does with frames (BPF_PROG_TEST_RUN): forwarding to the
// MACs the neighbour table gave, health changes that keep established flows, a restart or reload
// that reads the data plane back, and two balancers that agree on every flow.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "xdp_scenario.hpp"
#include "xvipd/load_balancer.hpp"

namespace xvip::test {
namespace {

const LbCapacity with_services{.services = true, .flows = 4096};

struct Server {
    const char* address;
    Mac mac;
};
const Server servers[] = {
    {"192.0.2.21", {0x02, 0, 0, 0, 0x01, 0x21}},
    {"192.0.2.22", {0x02, 0, 0, 0, 0x01, 0x22}},
    {"192.0.2.23", {0x02, 0, 0, 0, 0x01, 0x23}},
    {"192.0.2.24", {0x02, 0, 0, 0, 0x01, 0x24}},
};

// TCP port 80 on vip4, with the real servers named (by index into `servers`), weight 1, checked.
VirtualServer web(const std::vector<std::size_t>& members) {
    VirtualServer vs;
    vs.address = vip4;
    vs.port = 80;
    for (const std::size_t m : members) {
        RealServer rs;
        rs.address = ip(servers[m].address);
        rs.port = 80;
        rs.check = HealthCheck{};
        vs.real_servers.push_back(rs);
    }
    return vs;
}

Bytes syn_from(std::uint16_t sport, std::uint8_t flags = 0x02) {
    const Bytes tcp{static_cast<std::uint8_t>(sport >> 8),
                    static_cast<std::uint8_t>(sport),
                    0,
                    80,
                    0,
                    0,
                    0,
                    1,
                    0,
                    0,
                    0,
                    0,
                    0x50,
                    flags,
                    0xff,
                    0xff,
                    0,
                    0,
                    0,
                    0};
    return ethernet(node_mac, client_mac, ethertype_ipv4, ipv4({.src = client4, .dst = vip4, .protocol = 6}, tcp));
}

xvip_lb_flow_key flow_of(std::uint16_t sport) {
    xvip_lb_flow_key k{};
    std::memcpy(&k.saddr, client4.bytes().data(), 4);
    std::memcpy(&k.daddr, vip4.bytes().data(), 4);
    k.sport = htons(sport);
    k.dport = htons(80);
    k.protocol = 6;
    return k;
}

// One balancer: a loaded program with the scenario's VIPs active, and the load balancer writing it.
struct Balancer {
    explicit Balancer(const LbCapacity& capacity = with_services) : xdp(capacity) { set_up(xdp, Situation::active); }

    void apply(const std::vector<VirtualServer>& config) {
        lb.apply(config, {.dataplanes = {{"eth0", &xdp.dataplane()}}, .interface_of_vip = {{vip4, "eth0"}}});
    }
    void learn_macs() {
        for (const Server& s : servers) lb.mac_changed("eth0", ip(s.address), MacAddress(s.mac));
    }
    // The real server (index into `servers`) the frame went to; none when it was not forwarded.
    std::optional<std::size_t> forwarded_to(const Bytes& frame) {
        const RunResult r = xdp.run(frame);
        EXPECT_EQ(r.error, 0);
        if (r.verdict != XDP_TX) return std::nullopt;
        for (std::size_t i = 0; i < std::size(servers); ++i) {
            if (std::equal(servers[i].mac.begin(), servers[i].mac.end(), r.output.begin())) return i;
        }
        ADD_FAILURE() << "forwarded to an unknown MAC";
        return std::nullopt;
    }
    void set_health(std::size_t server, bool up) {
        lb.health_changed({.service = {vip4, ServiceProtocol::tcp, 80}, .address = ip(servers[server].address)},
                          {.up = up, .dynamic_weight = std::nullopt});
    }

    XdpHarness xdp;
    // What the load balancer told: "quorum up", "quorum down", "192.0.2.21 down", ...
    std::vector<std::string> events;
    LoadBalancer lb{LoadBalancer::Events{
        .quorum_changed = [this](const lb::ServiceKey&,
                                 const lb::Quorum& q) { events.push_back(q.up ? "quorum up" : "quorum down"); },
        .real_server_changed = [this](
                                   const lb::RealServerKey& server,
                                   bool up) { events.push_back(server.address.to_string() + (up ? " up" : " down")); },
    }};
};

TEST(LoadBalancer, ForwardsOnlyOnceTheNeighbourTableGaveTheMacs) {
    Balancer b;
    b.apply({web({0, 1, 2})});
    EXPECT_EQ(b.forwarded_to(syn_from(1000)), std::nullopt) << "no MAC known: nothing is forwarded";
    EXPECT_EQ(b.xdp.counters().lb_no_backend, 1u);
    b.learn_macs();
    std::set<std::size_t> reached;
    for (std::uint16_t port = 2000; port < 2060; ++port) {
        const auto to = b.forwarded_to(syn_from(port));
        ASSERT_TRUE(to) << "port " << port;
        reached.insert(*to);
    }
    EXPECT_EQ(reached, (std::set<std::size_t>{0, 1, 2})) << "60 flows over three servers of weight 1";
    // A MAC the neighbour table loses: nothing more goes to that server.
    b.lb.mac_changed("eth0", ip(servers[1].address), std::nullopt);
    for (std::uint16_t port = 2000; port < 2060; ++port) EXPECT_NE(b.forwarded_to(syn_from(port)), 1u);
}

TEST(LoadBalancer, TwoBalancersSendEveryFlowToTheSameRealServer) {
    // The same configuration written in another order, the MACs learnt in another order, and a
    // server up on one only after a failure: the rings and therefore the choices are the same.
    Balancer one, two;
    one.apply({web({0, 1, 2})});
    two.apply({web({2, 0, 1})});
    one.learn_macs();
    for (auto it = std::rbegin(servers); it != std::rend(servers); ++it) {
        two.lb.mac_changed("eth0", ip(it->address), MacAddress(it->mac));
    }
    two.set_health(1, false);
    two.set_health(1, true);
    for (std::uint16_t port = 3000; port < 3100; ++port) {
        // A non-SYN segment of a flow neither knows: after a failover it must land where it was.
        EXPECT_EQ(one.forwarded_to(syn_from(port, 0x10)), two.forwarded_to(syn_from(port, 0x10))) << "port " << port;
    }
}

TEST(LoadBalancer, AFailedServerTakesNoNewFlowsAndKeepsItsEstablishedOnes) {
    Balancer b;
    b.apply({web({0, 1, 2})});
    b.learn_macs();
    std::map<std::uint16_t, std::size_t> established;
    for (std::uint16_t port = 4000; port < 4060; ++port) established[port] = *b.forwarded_to(syn_from(port));
    b.set_health(0, false);
    for (const auto& [port, server] : established) {
        EXPECT_EQ(b.forwarded_to(syn_from(port, 0x10)), server) << "established flow from port " << port;
    }
    for (std::uint16_t port = 5000; port < 5100; ++port) {
        const auto to = b.forwarded_to(syn_from(port));
        ASSERT_TRUE(to);
        EXPECT_NE(*to, 0u) << "a new flow reached the failed server (port " << port << ")";
    }
    EXPECT_EQ(b.lb.status().at(0).at("real_servers").at(0).at("health"), "down");
    EXPECT_EQ(b.lb.status().at(0).at("real_servers").at(0).at("takes_new_flows"), false);
    b.set_health(0, true);
    std::set<std::size_t> reached;
    for (std::uint16_t port = 6000; port < 6060; ++port) reached.insert(*b.forwarded_to(syn_from(port)));
    EXPECT_TRUE(reached.contains(0)) << "back up: it takes new flows again";
}

TEST(LoadBalancer, ALostQuorumSendsNewFlowsToTheSorryServerAndKeepsEstablishedOnes) {
    VirtualServer vs = web({0, 1, 2});
    vs.quorum = 2;
    vs.sorry_server = SorryServer{ip(servers[3].address), 80, {}};
    Balancer b;
    b.apply({vs});
    b.learn_macs();
    // A flow established on the server that stays up.
    std::optional<std::uint16_t> on_2;
    for (std::uint16_t port = 7000; port < 7100 && !on_2; ++port) {
        if (b.forwarded_to(syn_from(port)) == 2u) on_2 = port;
    }
    ASSERT_TRUE(on_2);
    b.set_health(0, false);  // 2 live: quorum kept
    EXPECT_EQ(b.events, (std::vector<std::string>{"192.0.2.21 down"}));
    b.set_health(1, false);  // 1 live: lost
    EXPECT_EQ(b.events, (std::vector<std::string>{"192.0.2.21 down", "192.0.2.22 down", "quorum down"}));
    EXPECT_EQ(b.lb.status().at(0).at("ring"), "sorry server");
    EXPECT_EQ(b.lb.status().at(0).at("quorum"),
              (nlohmann::json{{"up", false}, {"live_weight", 1}, {"quorum", 2}, {"hysteresis", 0}}));
    for (std::uint16_t port = 8000; port < 8040; ++port) {
        EXPECT_EQ(b.forwarded_to(syn_from(port)), 3u) << "a new flow without quorum: the sorry server";
    }
    EXPECT_EQ(b.forwarded_to(syn_from(*on_2, 0x10)), 2u) << "the established flow stays where it was";
    b.set_health(0, true);  // 2 live: regained
    EXPECT_EQ(b.events.size(), 5u);
    EXPECT_EQ(std::vector(b.events.begin() + 3, b.events.end()),
              (std::vector<std::string>{"192.0.2.21 up", "quorum up"}));
    std::set<std::size_t> reached;
    for (std::uint16_t port = 9000; port < 9060; ++port) reached.insert(*b.forwarded_to(syn_from(port)));
    EXPECT_EQ(reached, (std::set<std::size_t>{0, 2}));
}

TEST(LoadBalancer, AReloadKeepsTheQuorumItsHysteresisDependsOn) {
    VirtualServer vs = web({0, 1, 2, 3});
    vs.quorum = 3;
    vs.hysteresis = 1;  // gained at 4 live, lost below 2
    Balancer b;
    b.apply({vs});
    b.learn_macs();
    b.set_health(0, false);  // 3 live: kept (a first plan would not have it: 3 < 4)
    ASSERT_EQ(b.lb.status().at(0).at("quorum").at("up"), true);
    b.apply({vs});
    EXPECT_EQ(b.lb.status().at(0).at("quorum").at("up"), true) << "carried across the reload";
    EXPECT_EQ(b.events, (std::vector<std::string>{"192.0.2.21 down"})) << "no quorum event";
    // A first verdict of up is no event: a server without one counts as up.
    b.set_health(1, true);
    EXPECT_EQ(b.events.size(), 1u);
}

TEST(LoadBalancer, ARestartReadsTheDataPlaneBackAndKeepsEveryFlowWhereItWas) {
    Balancer b;
    b.apply({web({0, 1, 2})});
    b.learn_macs();
    b.set_health(2, false);
    std::map<std::uint16_t, std::size_t> established;
    for (std::uint16_t port = 7000; port < 7060; ++port) established[port] = *b.forwarded_to(syn_from(port));

    // The next xvipd, with server 3 added at the front of the list: ids and indices read back.
    LoadBalancer next;
    const std::vector<VirtualServer> grown{web({3, 0, 1, 2})};
    next.apply(grown, {.dataplanes = {{"eth0", &b.xdp.dataplane()}}, .interface_of_vip = {{vip4, "eth0"}}});
    EXPECT_EQ(next.adopted_without_new_flows(), (std::set<IpAddress>{ip(servers[2].address)}))
        << "server 2 was down: its check starts down";
    for (const auto& [port, server] : established) {
        EXPECT_EQ(b.forwarded_to(syn_from(port, 0x10)), server) << "established flow from port " << port;
    }
    const auto status = next.status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].at("id"), 0);
    EXPECT_EQ(status[0].at("real_servers").at(1).at("mac"), "02:00:00:00:01:21") << "MACs read back too";
}

TEST(LoadBalancer, AnIndexGivenToAnotherServerForgetsTheFlowsOfTheOldOne) {
    Balancer b;
    b.apply({web({0, 1})});
    b.learn_macs();
    std::vector<std::uint16_t> to_server1;
    for (std::uint16_t port = 8000; port < 8040; ++port) {
        if (b.forwarded_to(syn_from(port)) == 1u) to_server1.push_back(port);
    }
    ASSERT_FALSE(to_server1.empty());
    // Server 1 leaves and server 3 arrives in one reload: 3 takes the index 1 had.
    b.apply({web({0, 3})});
    b.learn_macs();
    for (const std::uint16_t port : to_server1) {
        EXPECT_FALSE(b.xdp.dataplane().lb_flow_backend(flow_of(port))) << "flow from port " << port << " forgotten";
        EXPECT_NE(b.forwarded_to(syn_from(port, 0x10)), 1u);
    }
}

TEST(LoadBalancer, ADataPlaneWithoutRoomForServicesIsRefusedWithTheWayOut) {
    Balancer b(LbCapacity{});
    try {
        b.apply({web({0})});
        FAIL() << "no room, yet applied";
    } catch (const LoadBalancerError& e) {
        EXPECT_NE(std::string(e.what()).find("xvipctl detach eth0"), std::string::npos) << e.what();
    }
}

TEST(LoadBalancer, AServiceLeftOutOfTheConfigurationIsRemoved) {
    Balancer b;
    VirtualServer dns = web({0});
    dns.protocol = ServiceProtocol::udp;
    dns.port = 53;
    dns.real_servers[0].port = 53;
    b.apply({web({0, 1}), dns});
    EXPECT_EQ(b.xdp.dataplane().lb_services().size(), 2u);
    b.apply({web({0, 1})});
    const auto left = b.xdp.dataplane().lb_services();
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].key.port, 80);
    b.learn_macs();
    EXPECT_TRUE(b.forwarded_to(syn_from(9000)));
}

// The typed metrics: per real server its health, weight and whether it takes new flows, as written;
// its flows as the flow table holds them, counted again only once a second has passed.
TEST(LoadBalancer, MetricsCountTheFlowsOfEachRealServerAtMostOnceASecond) {
    using namespace std::chrono_literals;
    Balancer b;
    b.apply({web({0, 1, 2})});
    b.learn_macs();
    std::map<std::string, std::uint64_t> sent;  // by address
    const auto send = [&](std::uint16_t port) {
        const auto to = b.forwarded_to(syn_from(port));
        ASSERT_TRUE(to) << "port " << port;
        ++sent[servers[*to].address];
    };
    for (std::uint16_t port = 10000; port < 10060; ++port) send(port);
    b.set_health(1, false);
    const TimePoint t0{std::chrono::hours(1)};
    auto metrics = b.lb.metrics(t0);
    ASSERT_EQ(metrics.size(), 1u);
    EXPECT_EQ(metrics[0].service, "tcp " + vip4.to_string() + ":80");
    EXPECT_EQ(metrics[0].interface, "eth0");
    EXPECT_EQ(metrics[0].ring, lb::RingHolds::real_servers);
    ASSERT_EQ(metrics[0].real_servers.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        const RealServerMetrics& r = metrics[0].real_servers[i];
        EXPECT_EQ(r.backend.address, servers[i].address);
        EXPECT_EQ(r.backend.flows, sent[servers[i].address]) << r.backend.address;
        EXPECT_EQ(r.weight, 1);
        EXPECT_EQ(r.health, i == 1 ? LbHealth::down : LbHealth::unknown) << r.backend.address;
        EXPECT_EQ(r.backend.takes_new_flows, i != 1) << r.backend.address;
    }
    for (std::uint16_t port = 11000; port < 11030; ++port) send(port);
    std::uint64_t counted = 0;
    metrics = b.lb.metrics(t0 + 999ms);
    for (const auto& r : metrics[0].real_servers) counted += r.backend.flows;
    EXPECT_EQ(counted, 60u) << "within the second: the flows counted at t0";
    counted = 0;
    metrics = b.lb.metrics(t0 + 1s);
    for (const auto& r : metrics[0].real_servers) {
        EXPECT_EQ(r.backend.flows, sent[r.backend.address]) << r.backend.address;
        counted += r.backend.flows;
    }
    EXPECT_EQ(counted, 90u) << "a second later: counted again";
}

}  // namespace
}  // namespace xvip::test
