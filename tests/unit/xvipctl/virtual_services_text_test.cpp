// `xvipctl status`'s virtual services, rendered from status documents given by hand in the shape
// xvipd's LoadBalancer::status() and RealServerChecks::status() give them: a line per service, an
// aligned line per real server and sorry server, and why a server that is down failed its check.
#include "xvipctl/virtual_services_text.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace xvip::ctl {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

nlohmann::json status() {
    return nlohmann::json::parse(R"({
      "virtual_servers": [
        {"service": "tcp 192.0.2.100:80", "interface": "eth0", "id": 0, "hashing": "per flow",
         "ring": "real servers", "quorum": {"up": true, "live_weight": 1, "quorum": 1, "hysteresis": 0},
         "real_servers": [
           {"address": "192.0.2.51", "index": 0, "mac": "02:78:76:02:00:01", "takes_new_flows": true,
            "flows": 12, "weight": 1, "health": "up"},
           {"address": "192.0.2.52", "index": 1, "mac": "02:78:76:02:00:02", "takes_new_flows": false,
            "flows": 3, "weight": 1, "health": "down"},
           {"address": "192.0.2.153", "index": 2, "mac": null, "takes_new_flows": false,
            "flows": 0, "weight": 2, "health": "unchecked"}
         ]},
        {"service": "udp 192.0.2.100:53", "interface": "eth0", "id": 1, "hashing": "per client /24",
         "ring": "sorry server", "quorum": {"up": false, "live_weight": 0, "quorum": 2, "hysteresis": 1},
         "real_servers": [
           {"address": "192.0.2.51", "index": 0, "mac": "02:78:76:02:00:01", "takes_new_flows": true,
            "flows": 0, "weight": 1, "health": "down"}
         ],
         "sorry_server": {"address": "192.0.2.60", "index": 3, "mac": "02:78:76:02:00:60",
                          "takes_new_flows": true, "flows": 104}},
        {"service": "tcp 192.0.2.100:443", "interface": "eth0", "ring": "not served",
         "not_served_because": "more than 256 services",
         "real_servers": [{"address": "192.0.2.51", "weight": 1, "health": "unknown"}]}
      ],
      "health_checks": [
        {"service": "tcp 192.0.2.100:80", "address": "192.0.2.51", "check": "TCP_CHECK", "state": "up",
         "attempts": 40, "failed_attempts": 1, "last_error": "timed out"},
        {"service": "tcp 192.0.2.100:80", "address": "192.0.2.52", "check": "TCP_CHECK", "state": "down",
         "attempts": 40, "failed_attempts": 2, "last_error": "connection refused"},
        {"service": "udp 192.0.2.100:53", "address": "192.0.2.51", "check": "MISC_CHECK", "state": "down",
         "attempts": 5, "failed_attempts": 5, "last_error": "exit status 1"}
      ]
    })");
}

TEST(VirtualServicesText, EveryServiceAndServerAlignedWithWhyADownServerFailed) {
    const std::vector<std::string> expected{
        "virtual services:",
        "  tcp 192.0.2.100:80 on eth0 (id 0, per flow): ring of real servers",
        "    192.0.2.51   up            weight 1  02:78:76:02:00:01  new flows      12 flows",
        "    192.0.2.52   down          weight 1  02:78:76:02:00:02  no new flows    3 flows  (TCP_CHECK: connection "
        "refused; 2 of 40 attempts failed)",
        "    192.0.2.153  unchecked     weight 2  no MAC             no new flows    0 flows",
        "  udp 192.0.2.100:53 on eth0 (id 1, per client /24): ring of sorry server; quorum 2 hysteresis 1: down, live "
        "weight 0",
        "    192.0.2.51   down          weight 1  02:78:76:02:00:01  new flows       0 flows  (MISC_CHECK: exit status "
        "1; "
        "5 of 5 attempts failed)",
        "    192.0.2.60   sorry server            02:78:76:02:00:60  new flows     104 flows",
        "  tcp 192.0.2.100:443 on eth0: not served: more than 256 services",
        "    192.0.2.51   unknown       weight 1  -                  -" + std::string(21, ' ') + "-",
    };
    EXPECT_EQ(lines_of(virtual_services_text(status())), expected) << virtual_services_text(status());
}

TEST(VirtualServicesText, AQuorumIsShownWhenItIsNotTheDefault) {
    nlohmann::json s = status();
    s["virtual_servers"][0]["quorum"] = {{"up", true}, {"live_weight", 5}, {"quorum", 3}, {"hysteresis", 0}};
    const auto lines = lines_of(virtual_services_text(s));
    ASSERT_GT(lines.size(), 1u);
    EXPECT_EQ(lines[1],
              "  tcp 192.0.2.100:80 on eth0 (id 0, per flow): ring of real servers; quorum 3: up, live weight 5");
}

TEST(VirtualServicesText, TheErrorOfAServerThatIsUpIsNotShown) {
    const std::string text = virtual_services_text(status());
    EXPECT_EQ(text.find("timed out"), std::string::npos) << text;
}

TEST(VirtualServicesText, ADynamicWeightIsShownAsTheWeightInForce) {
    nlohmann::json s = status();
    s["virtual_servers"][0]["real_servers"][0]["dynamic_weight"] = 7;
    const auto lines = lines_of(virtual_services_text(s));
    ASSERT_GT(lines.size(), 2u);
    EXPECT_NE(lines[2].find("weight 7 (dynamic)"), std::string::npos) << lines[2];
}

TEST(VirtualServicesText, NothingWithoutVirtualServices) {
    EXPECT_EQ(virtual_services_text(nlohmann::json::parse(R"({"instances": []})")), "");
    EXPECT_EQ(virtual_services_text(nlohmann::json::parse(R"({"virtual_servers": [], "health_checks": []})")), "");
}

}  // namespace
}  // namespace xvip::ctl
