// xvip-lb-lab, the load-balancer lab's pieces as commands (the VM lab compares keepalived + IPVS
// with xvipd through them): the client counts held connections as broken when, and only when,
// their backend goes; it times new connections; the flood sends what it says within its bounds;
// bad usage is refused with exit status 2. One client, one backend holding the VIP on lo, the
// client's route to the VIP through the backend (no balancer: the tool is what is tested).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "topology/address_plan.hpp"
#include "topology/poll_until.hpp"
#include "topology/topology.hpp"

namespace xvip::topo {
namespace {

using namespace std::chrono_literals;

const std::string kLbLab = XVIP_LB_LAB;
constexpr const char* kPort = "8080";
constexpr const char* kUdpPort = "9000";

// The value of `key=` in one of the tool's answer lines, or -1.
long field(const std::string& line, const std::string& key) {
    std::smatch m;
    return std::regex_search(line, m, std::regex("(^| )" + key + "=(-?[0-9]+)")) ? std::stol(m[2]) : -1;
}

// The failed attempts a `new` answer lists (failures=MS:PORT:WHY,...; "-" for none).
std::vector<std::string> failures_of(const std::string& line) {
    std::smatch m;
    if (!std::regex_search(line, m, std::regex(" failures=([^ ]+)")) || m[1] == "-") return {};
    std::vector<std::string> out;
    std::istringstream in(m[1].str());
    for (std::string one; std::getline(in, one, ',');) out.push_back(one);
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

class LbLabTool : public ::testing::Test {
protected:
    LbLabTool() : topo_({.nodes = 1, .clients = 2}) {
        // client(1) is the backend: the VIP on lo, the client's route to it through the backend.
        topo_.run_checked(backend().netns, {"ip", "addr", "add", vip_ + "/32", "dev", "lo"});
        topo_.run_checked(client().netns, {"ip", "route", "add", vip_ + "/32", "via", backend().ipv4});
    }
    const Endpoint& client() const { return topo_.client(0); }
    const Endpoint& backend() const { return topo_.client(1); }
    Process& serve() {
        auto& p = topo_.spawn(topo_.bridge_netns(),
                              {kLbLab, "serve", "--port", kPort, "--udp-port", kUdpPort, backend().netns + "=b1"});
        poll_until("xvip-lb-lab serve listening", 5s, [&] { return p.read_stdout().starts_with("serving b1"); });
        return p;
    }
    long backend_rx_packets() const {
        return std::stol(
            topo_.run_checked(backend().netns, {"cat", "/sys/class/net/" + backend().ifname + "/statistics/rx_packets"})
                .out);
    }

    Topology topo_;
    const std::string vip_ = address_plan::vip_ipv4(0);
};

TEST_F(LbLabTool, HeldConnectionsBreakWhenTheirBackendGoesAndNewOnesAreTimed) {
    auto& server = serve();
    // The client's second batch of commands waits for the gate, which the test opens once the
    // backend is gone (bounded: 20 s).
    const auto gate = topo_.run_dir() / "gate";
    const std::string script = "{ printf 'open 4\\ncheck\\nnew 1 10\\n'; for i in $(seq 400); do [ -e " +
                               gate.string() +
                               " ] && break; sleep 0.05; done; printf 'check\\nnew 1 10\\nbogus\\nquit\\n'; } | " +
                               kLbLab + " client --vip " + vip_ + " --port " + kPort + " --interval 50ms";
    auto& client_process = topo_.spawn(client().netns, {"bash", "-c", script});
    poll_until("the client's first three answers", 15s,
               [&] { return lines_of(client_process.read_stdout()).size() >= 3; });
    server.stop();
    std::ofstream(gate).put('\n');
    ASSERT_TRUE(client_process.wait(20s).success()) << client_process.read_stderr();

    const auto answers = lines_of(client_process.read_stdout());
    ASSERT_EQ(answers.size(), 6u) << client_process.read_stdout();
    EXPECT_EQ(field(answers[0], "opened"), 4) << answers[0];
    EXPECT_NE(answers[0].find("spread=b1:4"), std::string::npos) << answers[0];
    EXPECT_EQ(field(answers[1], "kept"), 4) << answers[1];
    EXPECT_EQ(field(answers[1], "broken"), 0) << answers[1];
    EXPECT_EQ(field(answers[2], "attempts"), 10) << answers[2];
    EXPECT_EQ(field(answers[2], "served"), 10) << answers[2];
    EXPECT_EQ(field(answers[2], "last_failed_ms"), -1) << answers[2];
    EXPECT_TRUE(failures_of(answers[2]).empty()) << answers[2];
    // The backend is gone: every held connection is broken and dropped, every new one fails.
    EXPECT_EQ(field(answers[3], "kept"), 0) << answers[3];
    EXPECT_EQ(field(answers[3], "broken"), 4) << answers[3];
    EXPECT_EQ(field(answers[4], "served"), 0) << answers[4];
    EXPECT_EQ(field(answers[4], "failed"), 10) << answers[4];
    EXPECT_EQ(field(answers[4], "first_failed_ms"), 0) << answers[4];
    EXPECT_GE(field(answers[4], "last_failed_ms"), 800) << answers[4];
    // Each failed attempt: when it started, its local port, why (refused here: nothing listens).
    const auto failures = failures_of(answers[4]);
    ASSERT_EQ(failures.size(), 10u) << answers[4];
    for (const std::string& f : failures) {
        EXPECT_TRUE(std::regex_match(f, std::regex("[0-9]+:[1-9][0-9]*:[A-Za-z]+"))) << f;
    }
    EXPECT_TRUE(answers[5].starts_with("error: unknown command 'bogus'")) << answers[5];
}

TEST_F(LbLabTool, FloodSendsWhatItSaysWithinItsBounds) {
    serve();
    const long before = backend_rx_packets();
    const auto counted = topo_.run_checked(client().netns, {kLbLab, "flood", "--vip", vip_, "--port", kUdpPort,
                                                            "--duration", "5s", "--max-packets", "300"});
    EXPECT_EQ(field(counted.out, "sent"), 300) << counted.out;
    // (the backend's counter also takes the client's ARP and whatever else crossed)
    poll_until("the backend received the 300 datagrams", 3s, [&] { return backend_rx_packets() - before >= 300; });

    const auto paced = topo_.run_checked(client().netns, {kLbLab, "flood", "--vip", vip_, "--port", kUdpPort, "--rate",
                                                          "200", "--duration", "1s", "--max-packets", "100000"});
    EXPECT_GE(field(paced.out, "sent"), 150) << paced.out;
    EXPECT_LE(field(paced.out, "sent"), 201) << paced.out;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(paced.out, m, std::regex("seconds=([0-9.]+)"))) << paced.out;
    EXPECT_GE(std::stod(m[1]), 0.99);
    EXPECT_LE(std::stod(m[1]), 1.5);
}

TEST_F(LbLabTool, RefusesBadUsageWithStatusTwo) {
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {kLbLab},
             {kLbLab, "bogus"},
             {kLbLab, "flood", "--port", kUdpPort},
             {kLbLab, "flood", "--vip", "not-an-address"},
             {kLbLab, "flood", "--vip", vip_, "--duration", "forever"},
             {kLbLab, "serve", "--port", kPort, "no-equals-sign"},
             {kLbLab, "serve", "--port", kPort},
             {kLbLab, "client", "--vip", vip_, "--interval", "1ms"},
         }) {
        const auto result = topo_.run(client().netns, argv);
        EXPECT_EQ(result.status.code, 2) << argv.back() << ": " << result.out << result.err;
        if (argv.size() > 1) {
            EXPECT_NE(result.err.find("xvip-lb-lab: "), std::string::npos) << result.err;
        }
    }
}

}  // namespace
}  // namespace xvip::topo
