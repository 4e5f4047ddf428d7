// `xvipd --check` prints effective_config(): every default filled in, and what is read but not acted
// on said as such.
#include "xvipd/effective_config.hpp"

#include <gtest/gtest.h>

#include "config/toml_config.hpp"

namespace xvip {
namespace {

const std::string kInstance = R"(
[[instance]]
name = "VI_1"
interface = "eth0"
vrid = 51
priority = 100
vips = ["192.0.2.100/24"]
)";

const std::string kServices = R"(
[[virtual_server]]
address = "192.0.2.100"
port = 80
persistence_timeout = "50s"
connect_timeout = "300ms"

[[virtual_server.real_server]]
address = "192.0.2.21"
weight = 3
check = { type = "http", urls = [{ path = "/health", status_codes = [200, "300-399"] }], retry = 2 }

[[virtual_server.real_server]]
address = "192.0.2.22"
weight = 0
)";

nlohmann::json checked(const std::string& text) {
    const ReadResult read = read_toml_config(text, "lb.toml");
    for (const auto& d : read.diagnostics) {
        if (d.severity == Severity::error) ADD_FAILURE() << d.message;
    }
    return effective_config(read.config);
}

TEST(EffectiveConfig, VirtualServersWithEveryDefaultFilledIn) {
    const nlohmann::json j = checked(kInstance + kServices);
    EXPECT_EQ(j["global"]["lb_flow_table_entries"], 65536);
    ASSERT_EQ(j["virtual_servers"].size(), 1u);
    const nlohmann::json& vs = j["virtual_servers"][0];
    EXPECT_EQ(vs["address"], "192.0.2.100:80");
    EXPECT_EQ(vs["protocol"], "tcp");
    EXPECT_EQ(vs["scheduler"], "maglev");
    EXPECT_EQ(vs["quorum"], (nlohmann::json{{"quorum", 1}, {"hysteresis", 0}}));
    EXPECT_EQ(vs["persistence"]["timeout"], "50s");
    EXPECT_EQ(vs["persistence"]["granularity"], 32);
    // The service's own connect_timeout over xvip's defaults for the rest.
    EXPECT_EQ(vs["check_defaults"]["interval"], "200ms");
    EXPECT_EQ(vs["check_defaults"]["connect_timeout"], "300ms");
    EXPECT_EQ(vs["check_defaults"]["retry"], 1);

    ASSERT_EQ(vs["real_servers"].size(), 2u);
    const nlohmann::json& first = vs["real_servers"][0];
    EXPECT_EQ(first["address"], "192.0.2.21:80");  // the service's port
    EXPECT_EQ(first["weight"], 3);
    EXPECT_EQ(first["check"]["type"], "http");
    EXPECT_EQ(first["check"]["connect"], "192.0.2.21:80");
    EXPECT_EQ(first["check"]["timing"]["retry"], 2);                  // the check's own
    EXPECT_EQ(first["check"]["timing"]["connect_timeout"], "300ms");  // the service's
    EXPECT_EQ(first["check"]["urls"][0]["status_codes"], nlohmann::json::array({"200", "300-399"}));
    EXPECT_EQ(vs["real_servers"][1]["check"], "none: always up");
    EXPECT_EQ(vs["real_servers"][1]["weight"], 0);
}

TEST(EffectiveConfig, NoVirtualServersIsAnEmptyList) {
    const nlohmann::json j = checked(kInstance);
    ASSERT_TRUE(j.contains("virtual_servers"));
    EXPECT_TRUE(j["virtual_servers"].empty());
}

TEST(EffectiveConfig, TheQuorumAsPlannedAndTheScriptsAreListed) {
    std::string services = kServices;
    // The weights add up to 3: a quorum of 5 is lowered to 3, a hysteresis of 4 to 2 (keepalived's rules).
    services.insert(services.find("\n[[virtual_server.real_server]]"),
                    "quorum = 5\nhysteresis = 4\nquorum_down = \"/bin/true down\"\n");
    services += "notify_up = \"/bin/true up\"\n";
    const nlohmann::json j = checked(kInstance + services);
    const nlohmann::json& vs = j["virtual_servers"][0];
    EXPECT_EQ(vs["quorum"], (nlohmann::json{{"quorum", 3}, {"hysteresis", 2}, {"quorum_down", "/bin/true down"}}));
    EXPECT_EQ(vs["real_servers"][1]["notify_up"], "/bin/true up");
    EXPECT_FALSE(vs["real_servers"][0].contains("notify_up"));
    EXPECT_FALSE(vs.contains("not_acted_on"));
}

}  // namespace
}  // namespace xvip
