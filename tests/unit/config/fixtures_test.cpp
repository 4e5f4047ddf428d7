// Every keepalived.conf that produced the captures in ../shared/fixtures reads to the model that
// describes those captures (fixtures/README.md's table).
#include <gtest/gtest.h>

#include "config/keepalived_conf.hpp"
#include "config_test_support.hpp"

namespace xvip {
namespace {

using test::fixture_path;
using test::ip;
using test::rendered;

struct FixtureExpectation {
    const char* file;
    VrrpVersion version;
    Milliseconds interval;
    bool unicast;
    const char* password;  // nullptr: no auth
    bool sets_garp;
};

class FixtureConfig : public ::testing::TestWithParam<FixtureExpectation> {};

TEST_P(FixtureConfig, ReadsToTheCapturedSettings) {
    const FixtureExpectation& e = GetParam();
    const std::string path = fixture_path(e.file);
    const ReadResult result = read_keepalived_conf_file(path);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(rendered(result.diagnostics));

    // router_id and `state` are the only things keepalived uses here that xvip does not.
    const std::vector<std::string> expected{
        path + ":1:15: warning: `router_id` is ignored: xvip does not use a router name (fix: remove it to silence this warning)",
        path + ":" + (e.sets_garp ? "7" : "5") +
            ":5: warning: `state` is ignored: xvip starts every instance as backup (RFC 5798 §6.4.1); priority 255 "
            "still becomes active at once (fix: remove it to silence this warning)",
    };
    EXPECT_EQ(rendered(result.diagnostics), expected);

    ASSERT_EQ(result.config.instances.size(), 1u);
    const Instance& i = result.config.instances.front();
    EXPECT_EQ(i.interface, "va");
    EXPECT_EQ(i.priority, 150);
    EXPECT_EQ(i.version, e.version);
    EXPECT_EQ(i.advert_interval, e.interval);
    EXPECT_TRUE(i.preempt);
    EXPECT_FALSE(i.use_virtual_mac);
    if (e.unicast) {
        EXPECT_EQ(i.source_address, ip("10.88.0.11"));
        ASSERT_EQ(i.unicast_peers.size(), 1u);
        EXPECT_EQ(i.unicast_peers[0].address, ip("10.88.0.12"));
    } else {
        EXPECT_FALSE(i.source_address);
        EXPECT_TRUE(i.unicast_peers.empty());
    }
    if (e.password != nullptr) {
        ASSERT_TRUE(i.auth);
        EXPECT_EQ(i.auth->password, e.password);
    } else {
        EXPECT_FALSE(i.auth);
    }
    GarpSettings garp;
    if (e.sets_garp) {
        garp.repeat = 2;
        garp.second_burst_delay = Milliseconds{0};
    }
    EXPECT_EQ(i.garp, garp);
    EXPECT_EQ(i.v3_ipv4_checksum, V3Ipv4Checksum::pseudo_header_real_destination);
}

INSTANTIATE_TEST_SUITE_P(
    Keepalived, FixtureConfig,
    ::testing::Values(FixtureExpectation{"v2-mcast-noauth.conf", VrrpVersion::v2, Milliseconds{1000}, false, nullptr, true},
                      FixtureExpectation{"v2-mcast-pass.conf", VrrpVersion::v2, Milliseconds{1000}, false, "s3cr3t", true},
                      FixtureExpectation{"v2-ucast.conf", VrrpVersion::v2, Milliseconds{1000}, true, nullptr, true},
                      FixtureExpectation{"v3-mcast.conf", VrrpVersion::v3, Milliseconds{100}, false, nullptr, true},
                      FixtureExpectation{"v3-ucast.conf", VrrpVersion::v3, Milliseconds{100}, true, nullptr, true},
                      FixtureExpectation{"v3-ipv6.conf", VrrpVersion::v3, Milliseconds{100}, false, nullptr, false}),
    [](const auto& generated) {
        std::string name = generated.param.file;
        name = name.substr(0, name.find('.'));
        for (char& c : name) if (c == '-') c = '_';
        return name;
    });

TEST(FixtureConfig, AddressesAndVridsMatchTheCaptures) {
    const ReadResult v4 = read_keepalived_conf_file(fixture_path("v3-ucast.conf"));
    const Instance& a = v4.config.instances.at(0);
    EXPECT_EQ(a.name, "VI_1");
    EXPECT_EQ(a.vrid, 51);
    ASSERT_EQ(a.vips.size(), 2u);
    EXPECT_EQ(a.vips[0], (VirtualAddress{ip("10.88.0.50"), 24, {}}));
    EXPECT_EQ(a.vips[1], (VirtualAddress{ip("10.88.0.51"), 24, {}}));
    EXPECT_EQ(a.family(), AddressFamily::ipv4);

    const ReadResult v6 = read_keepalived_conf_file(fixture_path("v3-ipv6.conf"));
    const Instance& b = v6.config.instances.at(0);
    EXPECT_EQ(b.name, "VI_6");
    EXPECT_EQ(b.vrid, 52);
    ASSERT_EQ(b.vips.size(), 2u);
    EXPECT_EQ(b.vips[0], (VirtualAddress{ip("fe80::5:50"), 64, {}}));
    EXPECT_EQ(b.vips[1], (VirtualAddress{ip("2001:db8:88::50"), 64, {}}));
    EXPECT_EQ(b.family(), AddressFamily::ipv6);
    EXPECT_EQ(b.vips[1].where, (SourceLocation{fixture_path("v3-ipv6.conf"), 12, 9}));
}

}  // namespace
}  // namespace xvip
