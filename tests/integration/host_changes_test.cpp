// The host changes under xvipd (docs/guarantees.md, "What operators and hosts do"): the served
// interface is deleted and re-created (a VLAN, a bond, a VF reset) or given another MAC. xvipd
// leaves through the restart path with a non-zero code, so that systemd starts it again, and the
// new start serves the new interface: it attaches afresh to a re-created one (never looping on
// pins that serve nobody) and announces the new MAC.
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "xvipd_cluster.hpp"

namespace xvip::test {
namespace {

constexpr int exit_for_a_new_start = 75;  // EX_TEMPFAIL

class HostChanges : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(geteuid(), 0u) << "xvipd's integration tests need root";
        c = std::make_unique<XvipdCluster>(ClusterSpec{.nodes = 2},
                                           std::vector<NodeSettings>{{.priority = 200}, {.priority = 100}});
        c->start(0);
        c->start(1);
        ASSERT_TRUE(c->wait_for_sole_active(0, 10s)) << c->log(0) << c->log(1);
    }

    std::string on(std::size_t i, const std::vector<std::string>& argv) {
        return c->topology().run_checked(c->node(i).netns, argv).out;
    }

    // The client's view: what arping prints when it asks who has the VIP, twice (a reply line
    // names the MAC that answered).
    std::string arping_vip() {
        return c->topology().run(c->client().netns, {"arping", "-c", "2", "-w", "3", "-I", "eth0", c->vip()}).out;
    }

    std::unique_ptr<XvipdCluster> c;
};

TEST_F(HostChanges, ARecreatedInterfaceEndsTheDaemonForANewStartThatAttachesAfresh) {
    const auto& n = c->node(0);
    c->topology().recreate_link(0);

    const auto ended = c->daemon(0)->wait_for(5s);
    ASSERT_TRUE(ended) << "xvipd kept running on the old interface\n" << c->log(0);
    EXPECT_EQ(ended->code, exit_for_a_new_start) << c->log(0);
    EXPECT_NE(c->log(0).find("re-created"), std::string::npos) << c->log(0);
    EXPECT_TRUE(c->wait_for_sole_active(1, 5s)) << "the backup takes over meanwhile";

    c->start(0);
    ASSERT_TRUE(c->wait_for_sole_active(0, 10s)) << "the new start serves the new interface\n" << c->log(0);
    EXPECT_NE(c->log(0).find("removed the pins"), std::string::npos) << c->log(0);
    EXPECT_NE(arping_vip().find(n.mac), std::string::npos) << "XDP on the new eth0 answers";
    EXPECT_TRUE(c->daemon(0)->running()) << c->log(0);
}

TEST_F(HostChanges, AMacChangeEndsTheDaemonAndTheNextStartAnswersAndAnnouncesFromTheNewMac) {
    ASSERT_NE(arping_vip().find(c->node(0).mac), std::string::npos);
    // The client's kernel learns the VIP at node0's MAC, as any client that talks to it does.
    c->topology().run_checked(c->client().netns, {"ping", "-c", "1", "-W", "1", c->vip()});
    const std::string new_mac = "02:00:00:00:99:01";
    on(0, {"ip", "link", "set", "eth0", "address", new_mac});

    const auto ended = c->daemon(0)->wait_for(5s);
    ASSERT_TRUE(ended) << "xvipd kept running with the old MAC\n" << c->log(0);
    EXPECT_EQ(ended->code, exit_for_a_new_start) << c->log(0);
    EXPECT_NE(c->log(0).find("another MAC"), std::string::npos) << c->log(0);

    c->start(0);  // at once, as systemd does: the lease is still live, the data plane is adopted
    ASSERT_TRUE(c->wait_for_sole_active(0, 10s)) << c->log(0);
    const auto replies = arping_vip();
    EXPECT_NE(replies.find(new_mac), std::string::npos) << "XDP replies from the new MAC: " << replies;
    EXPECT_EQ(replies.find(c->node(0).mac), std::string::npos) << "and never from the old one: " << replies;
    // The announcement moves the client's entry (Linux updates an entry it has from a gratuitous
    // ARP); without it the client would keep sending to the old MAC.
    std::string neighbour;
    for (int i = 0; i < 20 && neighbour.find(new_mac) == std::string::npos; ++i) {
        neighbour = c->topology().run_checked(c->client().netns, {"ip", "neigh", "show", c->vip()}).out;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_NE(neighbour.find(new_mac), std::string::npos) << "the client's cache holds the new MAC: " << neighbour;
}

// A sender outside every subnet of the interface would not find the VIP on-link; answering would
// teach it (a router, a host of another subnet sharing the segment) the VIP at our MAC.
TEST_F(HostChanges, AnArpRequestFromASenderOutsideTheInterfacesSubnetsIsNotAnswered) {
    const std::string foreign = "203.0.113.9";  // a TEST-NET-3 address, never on the nodes' subnets
    c->topology().run_checked(c->client().netns, {"ip", "addr", "add", foreign + "/32", "dev", "eth0"});
    const auto asked = [&](const std::vector<std::string>& source) {
        std::vector<std::string> argv{"arping", "-c", "2", "-w", "3", "-I", "eth0"};
        argv.insert(argv.end(), source.begin(), source.end());
        argv.push_back(c->vip());
        return c->topology().run(c->client().netns, argv).out;
    };
    const auto from_foreign = asked({"-S", foreign});
    ASSERT_NE(from_foreign.find("2 packets transmitted"), std::string::npos)
        << "arping asked as " << foreign << ": " << from_foreign;
    EXPECT_NE(from_foreign.find(" 0 packets received"), std::string::npos) << from_foreign;
    EXPECT_EQ(from_foreign.find(c->node(0).mac), std::string::npos) << "answered a foreign sender: " << from_foreign;
    EXPECT_NE(asked({}).find(c->node(0).mac), std::string::npos) << "the subnet's own sender is answered";
}

// A down flushes the interface's IPv6 addresses; global VIPs live on `lo` and stay, a link-local
// VIP lives on the interface and is added back when it comes up.
TEST(HostChangesIpv6, ALinkLocalVipFlushedByADownAndUpIsAddedBack) {
    ASSERT_EQ(geteuid(), 0u) << "xvipd's integration tests need root";
    XvipdCluster c({.nodes = 2, .ipv6 = true, .extra_vips = {"fe80::1:51/64"}}, {{.priority = 200}, {.priority = 100}});
    c.start(0);
    c.start(1);
    ASSERT_TRUE(c.wait_for_sole_active(0, 10s)) << c.log(0) << c.log(1);
    const auto holds = [&](const char* dev, const std::string& vip) {
        return c.topology()
                   .run_checked(c.node(1).netns, {"ip", "-6", "-o", "addr", "show", "dev", dev})
                   .out.find(" " + vip + "/128 ") != std::string::npos;
    };
    ASSERT_TRUE(holds("eth0", "fe80::1:51"));
    ASSERT_TRUE(holds("lo", c.vip()));

    c.topology().run_checked(c.node(1).netns, {"ip", "link", "set", "eth0", "down"});
    c.topology().run_checked(c.node(1).netns, {"ip", "link", "set", "eth0", "up"});
    bool back = false;
    for (int i = 0; i < 30 && !back; ++i) {
        std::this_thread::sleep_for(100ms);
        back = holds("eth0", "fe80::1:51");
    }
    EXPECT_TRUE(back) << "the link-local VIP is back on eth0\n" << c.log(1);
    EXPECT_TRUE(holds("lo", c.vip())) << "the global VIP never left lo";
    EXPECT_TRUE(c.daemon(1)->running()) << c.log(1);
}

// An address flush (`ip addr flush dev eth0`, an operator's or a network manager's) takes the
// link-local VIP off the interface with no link event at all: xvipd hears the address go and adds
// it back (issue 14: found by the operations soak's addr-flush fault).
TEST(HostChangesIpv6, ALinkLocalVipFlushedFromTheInterfaceIsAddedBack) {
    ASSERT_EQ(geteuid(), 0u) << "xvipd's integration tests need root";
    XvipdCluster c({.nodes = 2, .ipv6 = true, .extra_vips = {"fe80::1:51/64"}}, {{.priority = 200}, {.priority = 100}});
    c.start(0);
    c.start(1);
    ASSERT_TRUE(c.wait_for_sole_active(0, 10s)) << c.log(0) << c.log(1);
    const auto holds = [&](std::size_t node, const std::string& vip) {
        return c.topology()
                   .run_checked(c.node(node).netns, {"ip", "-6", "-o", "addr", "show", "dev", "eth0"})
                   .out.find(" " + vip + "/128 ") != std::string::npos;
    };
    ASSERT_TRUE(holds(0, "fe80::1:51"));

    // iproute2 flushes in rounds until nothing is left; xvipd can add the VIP back between two
    // rounds, and after ten `ip` gives up ("Flush remains incomplete") - xvipd was quicker.
    const auto flush = c.topology().run(c.node(0).netns, {"ip", "-6", "addr", "flush", "dev", "eth0"});
    if (!flush.success()) {
        ASSERT_NE(flush.err.find("Flush remains incomplete"), std::string::npos) << flush.err;
    }
    bool back = false;
    for (int i = 0; i < 30 && !back; ++i) {
        std::this_thread::sleep_for(100ms);
        back = holds(0, "fe80::1:51");
    }
    EXPECT_TRUE(back) << "the link-local VIP is back on eth0\n" << c.log(0);
    EXPECT_NE(c.log(0).find("VIP fe80::1:51 was taken off it"), std::string::npos) << c.log(0);
    EXPECT_TRUE(c.daemon(0)->running()) << c.log(0);
}

}  // namespace
}  // namespace xvip::test
