// The VIP as a default gateway (issue 16), in network namespaces: a client on the nodes' segment
// routes a server subnet through the VIP; both nodes forward (ip_forward=1) and reach the server
// through a second segment. The standby must forward nothing — not even for a client that still
// holds its MAC, the case the forwarding guard is for — and flows resume through the new active
// after a crash, a restart that preempts and a planned stop; a node stopped cleanly keeps its
// forwarding guard; a long-lived TCP connection through the gateway survives them all.
//
//   client 192.0.2.50 ── br0 ── node0 eth0 (VIP 192.0.2.100)  node0 eth1 198.51.100.1 ── br1 ── server
//                               node1 eth0                    node1 eth1 198.51.100.2 ──┘   198.51.100.100, .101
//
// The client reaches 198.51.100.100 through the VIP (its ARP cache follows the active node) and
// 198.51.100.101 through a permanent neighbour entry holding node1's MAC: a client with a stale
// cache for the gateway. The server answers through node0 (a static route): the return path is not
// on a served interface and is not what is measured; what the standby forwarded is read from its
// kernel (Ip ForwDatagrams), from its XDP counters and, on the server's side, from the frames its
// eth1 put on the server's segment.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "topology/gateway_segment.hpp"
#include "xvipd_cluster.hpp"

namespace xvip::test {
namespace {

const std::string server_via_vip = topo::GatewaySegment::kServerViaVip;
const std::string server_via_stale_mac = topo::GatewaySegment::kServerViaStaleMac;

class GatewayLab {
public:
    GatewayLab()
        : cluster_({.nodes = 2}, {{.priority = 150}, {.priority = 100}}),
          segment_(cluster_.topology(), cluster_.client().netns, cluster_.vip()) {}

    void hold_stale_mac_of(std::size_t i) { segment_.hold_stale_mac_of(i); }
    long forwarded(std::size_t i) { return segment_.forwarded(i); }
    long frames_to_server_from(std::size_t i) { return segment_.frames_to_server_from(i); }

    // A client holding node i's MAC, node i not active: none of its probes is forwarded.
    void expect_stale_client_not_forwarded_by(std::size_t i) {
        hold_stale_mac_of(i);
        constexpr int probes = 100;
        const long forwarded_before = forwarded(i);
        const long to_server_before = frames_to_server_from(i);
        const long dropped_before = counter(i, "fwd4_drop_standby");
        EXPECT_EQ(ping(server_via_stale_mac, probes, 2), 0) << "node" << i << " forwarded for a stale client";
        EXPECT_GE(counter(i, "fwd4_drop_standby") - dropped_before, probes) << "dropped by its XDP program";
        EXPECT_EQ(forwarded(i) - forwarded_before, 0) << "node" << i << "'s kernel forwarded";
        EXPECT_EQ(frames_to_server_from(i) - to_server_before, 0) << "frames from node" << i << " at the server";
    }

    const topo::Endpoint& node(std::size_t i) const { return cluster_.node(i); }
    XvipdCluster& cluster() { return cluster_; }

    topo::Process& start(std::size_t i) {
        static const std::array<int, 2> priorities{150, 100};
        auto& t = cluster_.topology();
        const auto path = t.run_dir() / (node(i).name + "-gateway.toml");
        std::ofstream(path) << "[[instance]]\nname = \"gw\"\ninterface = \"eth0\"\nvrid = 51\npriority = "
                            << priorities[i] << "\nadvert_interval = \"100ms\"\nvips = [\"" << cluster_.vip()
                            << "/24\"]\ngateway = true\n";
        daemons_[i] = &t.spawn(node(i).netns, {XVIPD, "--config", path.string(), "--pin-dir", node(i).pin_dir.string(),
                                               "--state-dir", (t.run_dir() / (node(i).name + "-state")).string()});
        return *daemons_[i];
    }
    topo::Process& daemon(std::size_t i) { return *daemons_.at(i); }

    // A counter of node i's data plane, read from its pins (whether or not its xvipd runs).
    long counter(std::size_t i, const char* name) {
        const auto out = cluster_.topology()
                             .run_checked(node(i).netns, {XVIPCTL, "counters", "--dev", "eth0", "--pin-root",
                                                          node(i).pin_dir.string(), "--json"})
                             .out;
        return nlohmann::json::parse(out)["dataplane"][name].get<long>();
    }

    // `count` echo requests from the client to `to`, `interval_ms` apart; the replies received.
    int ping(const std::string& to, int count, int interval_ms = 5) {
        const auto r = cluster_.topology().run(cluster_.client().netns,
                                               {"ping", "-q", "-n", "-c", std::to_string(count), "-i",
                                                std::to_string(interval_ms / 1000.0), "-W", "1", to},
                                               30s);
        std::smatch m;
        if (!std::regex_search(r.out, m, std::regex(R"((\d+) received)"))) {
            ADD_FAILURE() << "ping printed no summary:\n" << r.out << r.err;
            return -1;
        }
        return std::stoi(m[1]);
    }

    // A fault-free window with `standby` standby: the client pings the server through the VIP and
    // through the standby's MAC. Through the VIP every probe is answered; through the standby none,
    // and the standby forwards nothing: its kernel, its XDP counters and the server's side agree.
    void expect_standby_forwards_nothing(std::size_t active, std::size_t standby) {
        SCOPED_TRACE("active node" + std::to_string(active) + ", standby node" + std::to_string(standby));
        constexpr int probes = 100;
        const long forwarded_before = forwarded(standby);
        const long to_server_before = frames_to_server_from(standby);
        const long active_forwarded_before = forwarded(active);
        EXPECT_EQ(ping(server_via_vip, probes, 2), probes) << "through the VIP, 1 probe per 2 ms";
        EXPECT_EQ(forwarded(standby) - forwarded_before, 0) << "the standby's kernel forwarded";
        EXPECT_EQ(frames_to_server_from(standby) - to_server_before, 0) << "frames from the standby at the server";
        EXPECT_GE(forwarded(active) - active_forwarded_before, probes) << "the active node forwarded the flow";
        expect_stale_client_not_forwarded_by(standby);
    }

    // Probes the server through the VIP (1 per 2 ms) while `fault` runs; then the flow must go
    // through `new_active`. Prints the outage.
    void expect_flow_resumes_on(std::size_t new_active, const char* what, const std::function<void()>& fault) {
        SCOPED_TRACE(what);
        constexpr int probes = 1500;  // 3 s
        auto probing = std::async(std::launch::async, [&] { return ping(server_via_vip, probes, 2); });
        std::this_thread::sleep_for(500ms);
        fault();
        const int received = probing.get();
        std::printf("gateway %s: %d of %d probes answered, about %d ms without (1 probe per 2 ms)\n", what, received,
                    probes, (probes - received) * 2);
        EXPECT_GT(received, 0);
        ASSERT_TRUE(cluster_.wait_for_sole_active(new_active, 3s)) << what;
        const long before = forwarded(new_active);
        EXPECT_EQ(ping(server_via_vip, 50, 2), 50) << "the flow goes through node" << new_active;
        EXPECT_GE(forwarded(new_active) - before, 50);
    }

    // A long-lived TCP connection from the client to the server through the VIP, opened once.
    void open_flow() { flow_ = segment_.open_flow(); }
    bool flow_alive(char tag) { return flow_.alive(tag); }

private:
    XvipdCluster cluster_;
    topo::GatewaySegment segment_;  // destroyed before the cluster's namespaces
    std::array<topo::Process*, 2> daemons_{};
    topo::GatewaySegment::TcpFlow flow_;
};

TEST(Gateway, TheStandbyForwardsNothingAndFlowsFollowTheActiveNode) {
    ASSERT_EQ(geteuid(), 0u) << "xvipd's integration tests need root";
    GatewayLab lab;
    lab.start(0);
    lab.start(1);
    ASSERT_TRUE(lab.cluster().wait_for_sole_active(0, 5s)) << lab.daemon(0).read_stderr();
    lab.open_flow();
    ASSERT_TRUE(lab.flow_alive('a'));
    lab.expect_standby_forwards_nothing(0, 1);

    // Crash: the active node's daemon dies (its kernel goes on forwarding the return path).
    lab.expect_flow_resumes_on(1, "crash", [&] {
        lab.daemon(0).send_signal(SIGKILL);
        std::this_thread::sleep_for(1500ms);
    });
    // node0's daemon is dead and its lease ran out: its XDP program alone keeps a client that still
    // holds its MAC from being forwarded.
    lab.expect_stale_client_not_forwarded_by(0);
    EXPECT_TRUE(lab.flow_alive('b')) << "the TCP connection survived the crash";

    // Restart: node0 comes back with the higher priority and preempts; node1 is standby again.
    lab.start(0);
    ASSERT_TRUE(lab.cluster().wait_for_sole_active(0, 5s)) << lab.daemon(0).read_stderr();
    EXPECT_TRUE(lab.flow_alive('c')) << "the TCP connection survived the preemption";
    lab.expect_standby_forwards_nothing(0, 1);

    // Planned stop of the active node: make-before-break, then node1 forwards.
    lab.expect_flow_resumes_on(1, "planned stop", [&] {
        lab.daemon(0).send_signal(SIGTERM);
        EXPECT_TRUE(lab.daemon(0).wait(10s).success());
    });
    EXPECT_TRUE(lab.flow_alive('d')) << "the TCP connection survived the planned stop";
    // The stopped node keeps its forwarding guard: a client that still holds its MAC is not
    // forwarded, though no xvipd runs there and its kernel forwards (ip_forward=1).
    lab.expect_stale_client_not_forwarded_by(0);

    // Started again, node0 adopts the guard it left and preempts.
    lab.start(0);
    ASSERT_TRUE(lab.cluster().wait_for_sole_active(0, 5s)) << lab.daemon(0).read_stderr();
    EXPECT_NE(lab.daemon(0).read_stderr().find("adopted the data plane"), std::string::npos);
    lab.expect_standby_forwards_nothing(0, 1);
    EXPECT_TRUE(lab.flow_alive('e')) << "the TCP connection survived the second preemption";
}

}  // namespace
}  // namespace xvip::test
