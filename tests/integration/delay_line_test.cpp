// xvip-delay-line, the soak's user-space delay line as a command (the VM lab puts it on a guest's
// tap): on a node's bridge port it loses and delays what it is asked to, both ways, and puts the
// port back on its bridge when its time is up, when it is told to stop, and when it cannot start.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <string>

#include "topology/poll_until.hpp"
#include "topology/topology.hpp"

namespace xvip::topo {
namespace {

using namespace std::chrono_literals;

const std::string kDelayLine = XVIP_DELAY_LINE;

struct PingResult {
    int sent = 0;
    int received = 0;
    double rtt_min_ms = 0;
    double rtt_avg_ms = 0;
};

PingResult ping(const Topology& topo, const Endpoint& from, const Endpoint& to, int count) {
    // Bounded by a deadline too: ping slows its sending while many replies are outstanding.
    const int deadline_s = count / 100 + 6;
    const auto result = topo.run(from.netns,
                                 {"ping", "-n", "-q", "-c", std::to_string(count), "-i", "0.01", "-W", "1", "-w",
                                  std::to_string(deadline_s), to.ipv4},
                                 std::chrono::seconds(deadline_s + 5));
    PingResult p;
    std::smatch m;
    if (std::regex_search(result.out, m, std::regex(R"((\d+) packets transmitted, (\d+) received)"))) {
        p.sent = std::stoi(m[1]);
        p.received = std::stoi(m[2]);
    }
    if (std::regex_search(result.out, m, std::regex(R"(= ([0-9.]+)/([0-9.]+)/)"))) {
        p.rtt_min_ms = std::stod(m[1]);
        p.rtt_avg_ms = std::stod(m[2]);
    }
    return p;
}

// The bridge port's master ("br0") or "" when it has none.
std::string master_of(const Topology& topo, const std::string& port) {
    const auto out = topo.run_checked(topo.bridge_netns(), {"ip", "-o", "link", "show", "dev", port}).out;
    std::smatch m;
    return std::regex_search(out, m, std::regex(R"( master (\S+))")) ? std::string(m[1]) : std::string();
}

bool link_exists(const Topology& topo, const std::string& name) {
    return topo.run(topo.bridge_netns(), {"ip", "link", "show", "dev", name}).success();
}

std::vector<std::string> delay_line(const Topology& topo, const std::string& port, const std::string& loss,
                                    const std::string& duration) {
    return {kDelayLine, "--netns", topo.bridge_netns(), "--port", port, "--loss", loss,
            "--delay",  "10ms",    "--duration",        duration};
}

TEST(DelayLine, LosesAndDelaysWhatItIsAskedBothWaysThenPutsThePortBack) {
    Topology topo({.nodes = 1, .clients = 1});
    const auto& node = topo.node(0);
    const auto& client = topo.client(0);
    ASSERT_EQ(master_of(topo, node.bridge_port), "br0");
    // Both neighbour entries learnt first: an ARP request the relay drops would hold the first
    // echo requests for a second.
    ASSERT_EQ(ping(topo, client, node, 3).received, 3);
    auto& line = topo.spawn(topo.bridge_netns(), delay_line(topo, node.bridge_port, "20", "12s"));
    // The port leaves the bridge last, just before the relay starts.
    poll_until("the port off the bridge", 5s, [&] { return master_of(topo, node.bridge_port).empty(); });
    EXPECT_TRUE(link_exists(topo, node.bridge_port + "-d"));

    const auto during = ping(topo, client, node, 400);
    ASSERT_GE(during.sent, 300);
    // 20 % each way loses 1 - 0.8^2 = 36 % of round trips (sd 2.4 points at 400); +-5 sd.
    const double lost = 100.0 * (during.sent - during.received) / during.sent;
    EXPECT_GT(lost, 24.0) << during.sent - during.received << " of " << during.sent << " round trips lost";
    EXPECT_LT(lost, 48.0) << during.sent - during.received << " of " << during.sent << " round trips lost";
    // 10 ms each way: no round trip shorter than 20 ms.
    EXPECT_GE(during.rtt_min_ms, 19.5);

    const auto status = line.wait(20s);
    EXPECT_TRUE(status.success()) << status.describe() << ": " << line.read_stderr();
    std::smatch m;
    const auto out = line.read_stdout();
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(relayed=(\d+) dropped=(\d+))"))) << out;
    EXPECT_GT(std::stoi(m[2]), 0);
    EXPECT_EQ(master_of(topo, node.bridge_port), "br0");
    EXPECT_FALSE(link_exists(topo, node.bridge_port + "-d"));
    EXPECT_FALSE(link_exists(topo, node.bridge_port + "-b"));

    const auto after = ping(topo, client, node, 50);
    EXPECT_EQ(after.received, 50);
    EXPECT_LT(after.rtt_avg_ms, 5.0);
}

TEST(DelayLine, SigtermEndsItEarlyAndPutsThePortBack) {
    Topology topo({.nodes = 1, .clients = 1});
    const auto& node = topo.node(0);
    auto& line = topo.spawn(topo.bridge_netns(), delay_line(topo, node.bridge_port, "0", "60s"));
    poll_until("the port off the bridge", 5s, [&] { return master_of(topo, node.bridge_port).empty(); });
    line.send_signal(SIGTERM);
    const auto status = line.wait(5s);
    EXPECT_TRUE(status.success()) << status.describe();
    EXPECT_EQ(master_of(topo, node.bridge_port), "br0");
    EXPECT_FALSE(link_exists(topo, node.bridge_port + "-d"));
    EXPECT_EQ(ping(topo, topo.client(0), node, 20).received, 20);
}

TEST(DelayLine, BadInputIsRefusedAndChangesNothing) {
    Topology topo({.nodes = 1, .clients = 1});
    const auto& node = topo.node(0);
    const auto& ns = topo.bridge_netns();
    // Usage errors: 2, before anything is touched.
    for (const auto& argv : std::vector<std::vector<std::string>>{
             delay_line(topo, node.bridge_port, "101", "1s"),
             delay_line(topo, node.bridge_port, "20", "forever"),
             {kDelayLine, "--port", node.bridge_port, "--loss", "20", "--delay", "1ms", "--duration", "1s"},
             {kDelayLine, "--netns", ns, "--port", node.bridge_port, "--loss", "20", "--duration", "1s"},
         }) {
        const auto result = topo.run(ns, argv);
        EXPECT_EQ(result.status.code, 2) << result.err;
        EXPECT_NE(result.err.find("xvip-delay-line: "), std::string::npos) << result.err;
    }
    // A port that is not there: 1, nothing left behind.
    const auto result = topo.run(ns, delay_line(topo, "nosuch", "20", "1s"));
    EXPECT_EQ(result.status.code, 1) << result.err;
    EXPECT_NE(result.err.find("nosuch"), std::string::npos) << result.err;
    EXPECT_FALSE(link_exists(topo, "nosuch-d"));
    EXPECT_EQ(master_of(topo, node.bridge_port), "br0");
    // A port of no bridge (or of another): refused, and left as it was, never enslaved to br0.
    topo.run_checked(ns, {"ip", "link", "add", "loose", "type", "veth", "peer", "name", "loose-p"});
    const auto loose = topo.run(ns, delay_line(topo, "loose", "20", "1s"));
    EXPECT_EQ(loose.status.code, 1) << loose.err;
    EXPECT_NE(loose.err.find("loose is not a port of bridge br0"), std::string::npos) << loose.err;
    EXPECT_EQ(master_of(topo, "loose"), "");
    EXPECT_FALSE(link_exists(topo, "loose-d"));
    EXPECT_EQ(ping(topo, topo.client(0), node, 20).received, 20);
}

}  // namespace
}  // namespace xvip::topo
