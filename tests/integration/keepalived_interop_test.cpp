// xvipd and real keepalived as VRRP peers on one segment, reading the same keepalived.conf (only
// router_id, priority and, for unicast, the own address and the peer differ). node0 runs xvipd,
// node1 keepalived. Who is active: node0's pinned state map; node1's `ip addr` (keepalived adds and
// removes the VIP itself). Every wire form keepalived speaks: v2 and v3, multicast and unicast, v2
// with auth PASS, and v3 unicast over IPv6 (keepalived sends IPv6 unicast adverts with the
// kernel's hop limit, 64, not 255: xvipd must not check it, as keepalived does not).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

#include "common/duration.hpp"
#include "xvipd_cluster.hpp"

namespace xvip::test {
namespace {

void require_root() {
    ASSERT_EQ(geteuid(), 0u) << "the keepalived interop tests need root";
    ASSERT_TRUE(std::filesystem::exists(KEEPALIVED)) << KEEPALIVED << " is missing: run tools/install-deps";
}

constexpr std::size_t xvip_node = 0;
constexpr std::size_t keepalived_node = 1;
constexpr int high = 150;
constexpr int low = 100;

struct Wire {
    std::string name;
    int version;
    bool unicast;
    bool auth = false;
    bool ipv6 = false;

    std::chrono::milliseconds advert() const { return version == 2 ? 1000ms : 100ms; }
    ClusterSpec spec() const {
        return {
            .nodes = 2, .version = version, .advert_int = version == 2 ? "1" : "0.1", .unicast = unicast, .ipv6 = ipv6};
    }
    std::string extra() const {
        return auth ? "    authentication {\n        auth_type PASS\n        auth_pass s3cr3t\n    }\n" : "";
    }
    // Skew_Time and Master_Down_Interval (RFC 5798 §6.1) of a backup with `priority`.
    std::chrono::milliseconds skew(int priority) const {
        return std::chrono::ceil<std::chrono::milliseconds>(std::chrono::microseconds(advert()) * (256 - priority) /
                                                            256);
    }
    std::chrono::milliseconds master_down(int priority) const { return 3 * advert() + skew(priority); }
    // Long enough for both daemons to have spoken, and for several samples.
    std::chrono::milliseconds stable_window() const {
        return std::max<std::chrono::milliseconds>(advert() + 200ms, 500ms);
    }
    // After the first election: longer than the backup's Master_Down_Interval, so that a backup
    // deaf to its master's adverts would have taken over within it.
    std::chrono::milliseconds settle_window() const { return std::max(stable_window(), master_down(low) + advert()); }
    // Enough for an election from cold: a daemon's start-up, then the backup's down timer, twice over.
    std::chrono::milliseconds election_timeout() const { return 2 * advert() * 4 + 2s; }
};

void PrintTo(const Wire& w, std::ostream* os) {
    *os << w.name;
}

// Node i's address in the wire's family: its unicast advert source, and its peers' peer.
std::string address(XvipdCluster& c, const Wire& wire, std::size_t i) {
    return wire.ipv6 ? c.node(i).ipv6 : c.node(i).ipv4;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The two daemons read the same text: any line that differs is a router_id, a priority or, for
// unicast, the own address and the peer list.
void expect_same_config_but_identity(XvipdCluster& c, const Wire& wire) {
    const auto a = lines_of(topo::read_text_file(c.config_path(xvip_node)));
    const auto b = lines_of(topo::read_text_file(c.config_path(keepalived_node)));
    ASSERT_EQ(a.size(), b.size());
    std::size_t differing = 0;
    for (std::size_t n = 0; n < a.size(); ++n) {
        if (a[n] == b[n]) continue;
        ++differing;
        const bool identity = a[n].find("router_id") != std::string::npos ||
                              a[n].find("priority") != std::string::npos ||
                              (wire.unicast && (a[n].find("unicast_src_ip") != std::string::npos ||
                                                (a[n] == "        " + address(c, wire, keepalived_node) &&
                                                 b[n] == "        " + address(c, wire, xvip_node))));
        EXPECT_TRUE(identity) << "line " << n + 1 << " differs: `" << a[n] << "` vs `" << b[n] << "`";
    }
    EXPECT_EQ(differing, wire.unicast ? 4u : 2u);
    if (wire.auth) {
        EXPECT_NE(topo::read_text_file(c.config_path(keepalived_node)).find("auth_pass s3cr3t"), std::string::npos);
    }
}

// Exactly `index` is active, sampled for `window`: xvip node by its pinned state map, keepalived
// node by the VIP on its eth0.
void expect_sole_active_throughout(XvipdCluster& c, std::size_t index, std::chrono::milliseconds window) {
    const auto end = std::chrono::steady_clock::now() + window;
    std::size_t samples = 0;
    while (std::chrono::steady_clock::now() < end) {
        const auto active = c.active_nodes();
        EXPECT_EQ(active, std::vector<std::size_t>{index}) << "sample " << samples;
        if (active != std::vector<std::size_t>{index}) return;
        ++samples;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_GE(samples, 5u);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

// Settled: exactly `index` is active for the window, and neither daemon changes state meanwhile
// (a split brain shows as both active, or as keepalived's "forcing new election" and re-entering
// MASTER for ever).
void expect_settled(XvipdCluster& c, std::size_t index, std::chrono::milliseconds window) {
    const auto transitions = c.status(xvip_node)["instances"][0]["transitions"];
    const auto before = c.keepalived_log(keepalived_node);
    expect_sole_active_throughout(c, index, window);
    EXPECT_EQ(c.status(xvip_node)["instances"][0]["transitions"], transitions) << c.log(xvip_node);
    const auto after = c.keepalived_log(keepalived_node);
    for (const char* event : {"Entering MASTER STATE", "Entering BACKUP STATE", "forcing new election"}) {
        EXPECT_EQ(occurrences(after, event), occurrences(before, event)) << "keepalived: `" << event << "`\n" << after;
    }
}

// The client reaches the VIP, and its neighbour entry for the VIP is `index`'s MAC.
void expect_client_reaches_vip_through(XvipdCluster& c, std::size_t index) {
    const auto ping = c.topology().run(c.client().netns, {"ping", "-c", "3", "-i", "0.2", "-W", "1", c.vip()});
    EXPECT_TRUE(ping.success()) << ping.out << ping.err;
    const auto neigh = c.topology().run_checked(c.client().netns, {"ip", "neigh", "show", c.vip(), "dev", "eth0"});
    EXPECT_NE(neigh.out.find(c.node(index).mac), std::string::npos)
        << "the client sends VIP traffic to " << c.node(index).name << " (" << c.node(index).mac << "): " << neigh.out;
}

// xvipd understood every advert keepalived sent: no checksum, auth or interval discards.
void expect_no_wire_discards(XvipdCluster& c, bool expect_heard) {
    const auto status = c.status(xvip_node);
    ASSERT_FALSE(status.contains("error")) << status.dump();
    std::vector<nlohmann::json> discard_sets{status["instances"][0]["discards"]};
    for (const auto& i : status["interfaces"]) discard_sets.push_back(i["discards"]);
    for (const auto& discards : discard_sets) {
        for (const char* kind : {"bad_checksum", "auth_mismatch", "interval_mismatch", "bad_ttl", "not_a_peer"}) {
            EXPECT_FALSE(discards.contains(kind)) << kind << ": " << status.dump(2);
        }
    }
    if (expect_heard) {
        EXPECT_GT(status["instances"][0]["counters"]["adverts_received"].get<int>(), 0) << status.dump(2);
    }
}

// keepalived understood every advert xvipd sent: none of its receive-side complaints in its log,
// and each line of `heard` (what keepalived logs on acting on an advert) is there.
void expect_keepalived_content(XvipdCluster& c, const std::vector<std::string>& heard) {
    const auto log = c.keepalived_log(keepalived_node);
    ASSERT_NE(log.find("(VI_1) Entering"), std::string::npos) << "keepalived's log is captured:\n" << log;
    for (const auto& line : heard) {
        EXPECT_NE(log.find(line), std::string::npos) << "keepalived: `" << line << "`\n" << log;
    }
    for (const char* complaint : {"invalid TTL", "TTL/HL", "wrong version", "auth, expecting", "invalid passwd",
                                  "interval mismatch", "unexpected ip number count", "expected", "Expected",
                                  "ip_tot_len", "AH header", "checksum", "vrrp packet too", "Invalid packet type"}) {
        EXPECT_EQ(log.find(complaint), std::string::npos) << "keepalived: `" << complaint << "`\n" << log;
    }
}

// One change of the active router: what the client saw, and how long after the trigger the
// new router was the sole active one (polled every ~20 ms through xvipctl and `ip addr`).
struct Takeover {
    std::string what;
    probe::EchoProbeResult client;
    std::optional<std::chrono::milliseconds> after;
};

// Runs the client probe for `window`; `trigger` starts the change at 200 ms, then the sole active
// router is awaited (bounded by the wire's election timeout).
Takeover measure(XvipdCluster& c, const Wire& wire, std::string what, std::size_t next,
                 std::chrono::milliseconds window, const std::function<void()>& trigger) {
    Takeover t{std::move(what), {}, std::nullopt};
    t.client = c.probe_while(window, [&] {
        std::this_thread::sleep_for(200ms);
        const auto start = std::chrono::steady_clock::now();
        trigger();
        if (c.wait_for_sole_active(next, wire.election_timeout())) {
            t.after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        }
    });
    std::printf("[%s] %s: sole active after %s; client: %s\n", wire.name.c_str(), t.what.c_str(),
                t.after ? format_duration(*t.after).c_str() : "never", t.client.summary().c_str());
    return t;
}

class KeepalivedInterop : public ::testing::TestWithParam<Wire> {};

// (a) xvipd outranks keepalived: it is elected, hands over to keepalived on a planned stop, and
// takes the VIP back when it returns.
TEST_P(KeepalivedInterop, XvipdOutranksKeepalived) {
    require_root();
    const Wire wire = GetParam();
    XvipdCluster c(wire.spec(), {{.priority = high, .extra = wire.extra()}, {.priority = low, .extra = wire.extra()}});
    expect_same_config_but_identity(c, wire);
    c.start(xvip_node);
    // xvipd serving before keepalived starts: a keepalived that takes over at once must not find
    // an xvipd whose pins and control socket are not there yet.
    ASSERT_TRUE(c.wait_serving(xvip_node, 10s)) << c.log(xvip_node);
    c.start_keepalived(keepalived_node);

    ASSERT_TRUE(c.wait_for_sole_active(xvip_node, wire.election_timeout()))
        << c.log(xvip_node) << c.keepalived_log(keepalived_node);
    EXPECT_EQ(c.role(xvip_node), "active");
    EXPECT_FALSE(c.holds_vip_on_interface(keepalived_node));
    expect_settled(c, xvip_node, wire.settle_window());
    expect_client_reaches_vip_through(c, xvip_node);
    expect_no_wire_discards(c, false);

    // Planned stop: xvipd sends priority 0 and answers until keepalived, after its Skew_Time, speaks.
    const auto stop =
        measure(c, wire, "xvipd stops (SIGTERM), keepalived takes over", keepalived_node,
                wire.skew(low) + wire.advert() + 500ms, [&] { c.daemon(xvip_node)->send_signal(SIGTERM); });
    EXPECT_EQ(c.daemon(xvip_node)->wait(10s).code, 0) << c.log(xvip_node);
    ASSERT_TRUE(stop.after) << c.log(xvip_node) << c.keepalived_log(keepalived_node);
    EXPECT_LT(*stop.after, wire.skew(low) + wire.advert()) << "keepalived acted on xvipd's priority 0";
    EXPECT_EQ(stop.client.lost(), 0u) << "make-before-break towards keepalived: " << stop.client.summary();
    EXPECT_FALSE(c.role(xvip_node)) << "the stopped xvipd left nothing pinned";
    expect_sole_active_throughout(c, keepalived_node, wire.stable_window());
    expect_client_reaches_vip_through(c, keepalived_node);

    // xvipd comes back as a backup, preempts when its down timer fires; keepalived yields.
    const auto back = measure(c, wire, "xvipd returns and preempts keepalived", xvip_node,
                              wire.master_down(high) + wire.advert() + 700ms, [&] { c.start(xvip_node); });
    ASSERT_TRUE(back.after) << c.log(xvip_node) << c.keepalived_log(keepalived_node);
    EXPECT_EQ(back.client.lost(), 0u) << back.client.summary();
    EXPECT_FALSE(c.holds_vip_on_interface(keepalived_node));
    expect_sole_active_throughout(c, xvip_node, wire.stable_window());
    expect_client_reaches_vip_through(c, xvip_node);
    expect_no_wire_discards(c, true);
    expect_keepalived_content(c, {"(VI_1) Backup received priority 0 advertisement",
                                  "(VI_1) Master received advert from " + address(c, wire, xvip_node) +
                                      " with higher priority " + std::to_string(high)});
}

// (b) keepalived outranks xvipd: xvipd stays standby, and takes over when keepalived stops.
TEST_P(KeepalivedInterop, KeepalivedOutranksXvipd) {
    require_root();
    const Wire wire = GetParam();
    XvipdCluster c(wire.spec(), {{.priority = low, .extra = wire.extra()}, {.priority = high, .extra = wire.extra()}});
    expect_same_config_but_identity(c, wire);
    c.start(xvip_node);
    // xvipd serving before keepalived starts: a keepalived that takes over at once must not find
    // an xvipd whose pins and control socket are not there yet.
    ASSERT_TRUE(c.wait_serving(xvip_node, 10s)) << c.log(xvip_node);
    c.start_keepalived(keepalived_node);

    ASSERT_TRUE(c.wait_for_sole_active(keepalived_node, wire.election_timeout()))
        << c.log(xvip_node) << c.keepalived_log(keepalived_node);
    EXPECT_EQ(c.role(xvip_node), "standby");
    expect_settled(c, keepalived_node, wire.settle_window());
    expect_client_reaches_vip_through(c, keepalived_node);
    expect_no_wire_discards(c, true);
    const auto backup = c.status(xvip_node)["instances"][0];
    EXPECT_EQ(backup["state"], "BACKUP");
    EXPECT_EQ(backup["active_router"], address(c, wire, keepalived_node));

    // keepalived stops (SIGTERM: priority 0, VIP removed at once); xvipd takes over after its
    // Skew_Time, so the client waits about that long.
    const auto stop =
        measure(c, wire, "keepalived stops (SIGTERM), xvipd takes over", xvip_node,
                wire.skew(low) + wire.advert() + 500ms, [&] { c.keepalived(keepalived_node)->send_signal(SIGTERM); });
    EXPECT_EQ(c.keepalived(keepalived_node)->wait(10s).code, 0) << c.keepalived_log(keepalived_node);
    ASSERT_TRUE(stop.after) << c.log(xvip_node);
    EXPECT_LT(*stop.after, wire.skew(low) + wire.advert()) << "xvipd acted on keepalived's priority 0";
    EXPECT_LT(stop.client.longest_gap(), wire.skew(low) + wire.advert()) << stop.client.summary();
    expect_sole_active_throughout(c, xvip_node, wire.stable_window());
    expect_client_reaches_vip_through(c, xvip_node);
    expect_no_wire_discards(c, true);
    expect_keepalived_content(c, {"(VI_1) sent 0 priority"});
}

INSTANTIATE_TEST_SUITE_P(Wires, KeepalivedInterop,
                         ::testing::Values(Wire{"v2_multicast", 2, false}, Wire{"v2_unicast", 2, true},
                                           Wire{"v3_multicast", 3, false}, Wire{"v3_unicast", 3, true},
                                           Wire{"v2_multicast_auth_pass", 2, false, true},
                                           Wire{"v3_unicast_ipv6", 3, true, false, true}),
                         [](const ::testing::TestParamInfo<Wire>& p) { return p.param.name; });

// keepalived killed with SIGKILL leaves its VIP on the interface, still answering ARP: xvipd takes
// over after Master_Down_Interval and its GARP burst moves the client, but the dead node's kernel
// keeps answering for the VIP until someone removes the address (keepalived #2361, #159). This is
// the behaviour xvip's lease exists to avoid; here it is recorded, not endorsed.
TEST(KeepalivedInteropKill, KilledKeepalivedLeavesItsVipBehind) {
    require_root();
    const Wire wire{"v3_multicast", 3, false};
    XvipdCluster c(wire.spec(), {{.priority = low}, {.priority = high}});
    c.start(xvip_node);
    // xvipd serving before keepalived starts: a keepalived that takes over at once must not find
    // an xvipd whose pins and control socket are not there yet.
    ASSERT_TRUE(c.wait_serving(xvip_node, 10s)) << c.log(xvip_node);
    c.start_keepalived(keepalived_node);
    ASSERT_TRUE(c.wait_for_sole_active(keepalived_node, wire.election_timeout())) << c.keepalived_log(keepalived_node);
    expect_client_reaches_vip_through(c, keepalived_node);

    // No priority 0: xvipd takes over when its Master_Down_Interval runs out.
    std::optional<std::chrono::milliseconds> takeover;
    const auto client = c.probe_while(wire.master_down(low) + 700ms, [&] {
        std::this_thread::sleep_for(200ms);
        const auto killed = std::chrono::steady_clock::now();
        c.keepalived(keepalived_node)->signal_group(SIGKILL);  // the parent and its VRRP child
        const auto deadline = killed + wire.election_timeout();
        while (std::chrono::steady_clock::now() < deadline && c.role(xvip_node) != "active") {
            std::this_thread::sleep_for(5ms);
        }
        if (c.role(xvip_node) == "active") {
            takeover = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
        }
    });
    std::printf("[%s] keepalived killed (SIGKILL), xvipd active after %s (Master_Down_Interval %s); client: %s\n",
                wire.name.c_str(), takeover ? format_duration(*takeover).c_str() : "never",
                format_duration(wire.master_down(low)).c_str(), client.summary().c_str());
    EXPECT_EQ(c.keepalived(keepalived_node)->wait(5s).signal, SIGKILL);
    ASSERT_TRUE(takeover) << c.log(xvip_node);
    // Master_Down_Interval runs from keepalived's last advert, up to one interval before the kill.
    EXPECT_GE(*takeover, wire.master_down(low) - wire.advert()) << "nothing told xvipd earlier";
    EXPECT_LT(*takeover, wire.master_down(low) + wire.advert() + 100ms);
    EXPECT_EQ(client.lost(), 0u) << "the dead node's kernel still answered, until xvipd's GARP: " << client.summary();
    EXPECT_TRUE(c.holds_vip_on_interface(keepalived_node)) << "keepalived leaves its VIP behind on kill -9";
    EXPECT_EQ(c.active_nodes(), (std::vector<std::size_t>{xvip_node, keepalived_node})) << "two hosts answer";
    expect_client_reaches_vip_through(c, xvip_node);  // xvipd's GARP burst moved the client
    // A client that has to ask gets two answers: the stale address still answers ARP.
    c.topology().run_checked(c.client().netns, {"ip", "neigh", "flush", "dev", "eth0"});
    const auto arping = c.topology().run(c.client().netns, {"arping", "-c", "2", "-w", "3", "-I", "eth0", c.vip()});
    EXPECT_NE(arping.out.find(c.node(xvip_node).mac), std::string::npos) << arping.out;
    EXPECT_NE(arping.out.find(c.node(keepalived_node).mac), std::string::npos) << arping.out;
}

// Fast failover is xvip's own, between xvip peers; keepalived on the same segment keeps electing by
// VRRP as before. node0 and node1 run xvipd with fast_failover (priorities 255 and 150, adverts at
// keepalived's default 1 s), node2 keepalived (100). node0's link goes down: node1's data plane takes
// over in milliseconds, and keepalived, hearing node1's adverts outrank it, stays backup past its
// own Master_Down_Interval; it never holds the VIP.
TEST(KeepalivedInteropFast, XvipPeersFailOverFastAndKeepalivedKeepsFollowingVrrp) {
    require_root();
    constexpr std::size_t active = 0, successor = 1, keepalived = 2;
    XvipdCluster c({.nodes = 3, .version = 3, .advert_int = "1"},
                   {{.priority = 255}, {.priority = 150}, {.priority = 100}});
    const auto toml = [&](int priority) {
        return "[[instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = 51\npriority = " +
               std::to_string(priority) + "\nadvert_interval = \"1s\"\nvips = [\"" + c.vip() +
               "/24\"]\nfast_failover = true\n";
    };
    c.start_toml(active, toml(255));
    ASSERT_TRUE(c.wait_for_sole_active(active, 10s)) << c.log(active);
    c.start_toml(successor, toml(150));
    c.start_keepalived(keepalived);
    const auto armed_by = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < armed_by &&
           c.status(successor)["instances"][0]["fast_failover"]["armed"] != true) {
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(c.status(successor)["instances"][0]["fast_failover"]["armed"], true) << c.log(successor);
    std::this_thread::sleep_for(1500ms);  // keepalived has heard node0 and settled as backup
    ASSERT_FALSE(c.holds_vip_on_interface(keepalived)) << c.keepalived_log(keepalived);
    ASSERT_GE(occurrences(c.keepalived_log(keepalived), "Entering BACKUP STATE"), 1u) << c.keepalived_log(keepalived);
    ASSERT_EQ(occurrences(c.keepalived_log(keepalived), "Entering MASTER STATE"), 0u) << c.keepalived_log(keepalived);

    // keepalived's Master_Down_Interval at 1 s adverts and priority 100: 3 s + 156/256 s.
    constexpr auto keepalived_master_down = 3609ms;
    const auto client = c.probe_while(200ms + keepalived_master_down + 1s, [&] {
        std::this_thread::sleep_for(200ms);
        c.topology().run_checked(c.node(active).netns, {"ip", "link", "set", "eth0", "down"});
    });
    std::printf("[fast failover beside keepalived] node0's link down; client: %s\n", client.summary().c_str());
    const auto s = c.status(successor)["instances"][0];
    EXPECT_EQ(s["state"], "MASTER") << s.dump(2);
    EXPECT_EQ(s["fast_failover"]["takeovers"], 1) << "node1 took over by its detector, not by VRRP\n" << s.dump(2);
    EXPECT_LT(client.longest_gap(), 100ms) << "VRRP alone would have taken node1's 3.4 s: " << client.summary();
    EXPECT_FALSE(c.holds_vip_on_interface(keepalived)) << c.keepalived_log(keepalived);
    EXPECT_EQ(occurrences(c.keepalived_log(keepalived), "Entering MASTER STATE"), 0u)
        << "keepalived followed node1's adverts past its Master_Down_Interval\n"
        << c.keepalived_log(keepalived);
    expect_client_reaches_vip_through(c, successor);
}

}  // namespace
}  // namespace xvip::test
