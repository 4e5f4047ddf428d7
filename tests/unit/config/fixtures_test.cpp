// Every keepalived.conf that produced the captures in tests/fixtures/keepalived reads to the model
// that describes those captures (that directory's README.md table), and the GARP bursts keepalived
// sent follow the GARP settings xvip reads from the same file.
#include <gtest/gtest.h>

#include "config/keepalived_conf.hpp"
#include "config_test_support.hpp"
#include "keepalived_captures.hpp"

namespace xvip {
namespace {

using test::fixture_file;
using test::ip;
using test::rendered;

struct FixtureExpectation {
    const char* file;
    VrrpVersion version;
    Milliseconds interval;
    bool unicast;
    const char* password;  // nullptr: no auth
    bool sets_garp;
    int priority = 150;
    std::uint8_t vrid = 51;
    std::size_t vips = 2;
    bool garp_refresh = false;  // vrrp_garp_master_refresh 1, vrrp_garp_master_refresh_repeat 2
};

class FixtureConfig : public ::testing::TestWithParam<FixtureExpectation> {};

TEST_P(FixtureConfig, ReadsToTheCapturedSettings) {
    const FixtureExpectation& e = GetParam();
    const std::string path = fixture_file(e.file);
    const ReadResult result = read_keepalived_conf_file(path);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(rendered(result.diagnostics));

    // router_id and `state` are the only things keepalived uses here that xvip does not.
    const std::vector<std::string> expected{
        path +
            ":1:15: warning: `router_id` is ignored: xvip does not use a router name (fix: remove it to silence this "
            "warning)",
        path + ":" + std::to_string(5 + (e.sets_garp ? 2 : 0) + (e.garp_refresh ? 2 : 0)) +
            ":5: warning: `state` is ignored: xvip starts every instance as backup (RFC 5798 §6.4.1); priority 255 "
            "still becomes active at once (fix: remove it to silence this warning)",
    };
    EXPECT_EQ(rendered(result.diagnostics), expected);

    ASSERT_EQ(result.config.instances.size(), 1u);
    const Instance& i = result.config.instances.front();
    EXPECT_EQ(i.interface, "va");
    EXPECT_EQ(i.priority, e.priority);
    EXPECT_EQ(i.vrid, e.vrid);
    EXPECT_EQ(i.vips.size(), e.vips);
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
    if (e.garp_refresh) {
        garp.refresh_period = Milliseconds{1000};
        garp.refresh_repeat = 2;
    }
    EXPECT_EQ(i.garp, garp);
    EXPECT_EQ(i.v3_ipv4_checksum, V3Ipv4Checksum::pseudo_header_real_destination);
}

INSTANTIATE_TEST_SUITE_P(
    Keepalived, FixtureConfig,
    ::testing::Values(
        FixtureExpectation{"v2-mcast-noauth.conf", VrrpVersion::v2, Milliseconds{1000}, false, nullptr, true},
        FixtureExpectation{"v2-mcast-pass.conf", VrrpVersion::v2, Milliseconds{1000}, false, "s3cr3t", true},
        FixtureExpectation{"v2-ucast.conf", VrrpVersion::v2, Milliseconds{1000}, true, nullptr, true},
        FixtureExpectation{"v3-mcast.conf", VrrpVersion::v3, Milliseconds{100}, false, nullptr, true},
        FixtureExpectation{"v3-ucast.conf", VrrpVersion::v3, Milliseconds{100}, true, nullptr, true},
        FixtureExpectation{"v3-ipv6.conf", VrrpVersion::v3, Milliseconds{100}, false, nullptr, false, 150, 52},
        FixtureExpectation{"v3-four-vips.conf", VrrpVersion::v3, Milliseconds{100}, false, nullptr, true, 150, 51, 4},
        FixtureExpectation{"v3-owner.conf", VrrpVersion::v3, Milliseconds{1000}, false, nullptr, true, 255},
        FixtureExpectation{"v3-vrid255.conf", VrrpVersion::v3, Milliseconds{100}, false, nullptr, true, 150, 255},
        FixtureExpectation{"v3-garp-refresh.conf", VrrpVersion::v3, Milliseconds{100}, false, nullptr, true, 150, 51, 2,
                           true}),
    [](const auto& generated) {
        std::string name = generated.param.file;
        name = name.substr(0, name.find('.'));
        for (char& c : name)
            if (c == '-') c = '_';
        return name;
    });

TEST(FixtureConfig, AddressesAndVridsMatchTheCaptures) {
    const ReadResult v4 = read_keepalived_conf_file(fixture_file("v3-ucast.conf"));
    const Instance& a = v4.config.instances.at(0);
    EXPECT_EQ(a.name, "VI_1");
    EXPECT_EQ(a.vrid, 51);
    ASSERT_EQ(a.vips.size(), 2u);
    EXPECT_EQ(a.vips[0], (VirtualAddress{ip("10.88.0.50"), 24, {}}));
    EXPECT_EQ(a.vips[1], (VirtualAddress{ip("10.88.0.51"), 24, {}}));
    EXPECT_EQ(a.family(), AddressFamily::ipv4);

    const ReadResult v6 = read_keepalived_conf_file(fixture_file("v3-ipv6.conf"));
    const Instance& b = v6.config.instances.at(0);
    EXPECT_EQ(b.name, "VI_6");
    EXPECT_EQ(b.vrid, 52);
    ASSERT_EQ(b.vips.size(), 2u);
    EXPECT_EQ(b.vips[0], (VirtualAddress{ip("fe80::5:50"), 64, {}}));
    EXPECT_EQ(b.vips[1], (VirtualAddress{ip("2001:db8:88::50"), 64, {}}));
    EXPECT_EQ(b.family(), AddressFamily::ipv6);
    EXPECT_EQ(b.vips[1].where, (SourceLocation{fixture_file("v3-ipv6.conf"), 12, 9}));
}

TEST(FixtureConfig, FourVipsAreReadInOrder) {
    const ReadResult result = read_keepalived_conf_file(fixture_file("v3-four-vips.conf"));
    const Instance& i = result.config.instances.at(0);
    ASSERT_EQ(i.vips.size(), 4u);
    for (std::size_t k = 0; k < 4; ++k) {
        EXPECT_EQ(i.vips[k].address, ip(("10.88.0." + std::to_string(50 + k)).c_str())) << k;
        EXPECT_EQ(i.vips[k].prefix_length, 24) << k;
    }
}

// What keepalived sent, over time, against the GARP settings xvip reads from the same file: the
// first burst holds `repeat` frames per VIP; with garp_master_refresh, a burst of `refresh_repeat`
// frames per VIP follows every refresh period while master; without it (and with no second burst
// inside the 4.5 s as master), nothing follows.
TEST(FixtureConfig, CapturedGarpBurstsFollowTheReadGarpSettings) {
    for (const auto& facts : test::keepalived_captures()) {
        SCOPED_TRACE(facts.name);
        const ReadResult result = read_keepalived_conf_file(fixture_file(facts.name + ".conf"));
        ASSERT_TRUE(result.ok()) << ::testing::PrintToString(rendered(result.diagnostics));
        const Instance& i = result.config.instances.at(0);
        const auto capture = test::dissect_capture(facts.name);
        const auto& bursts = capture.announcement_bursts;
        ASSERT_FALSE(bursts.empty());
        EXPECT_EQ(bursts.front().frames, static_cast<std::size_t>(i.garp.repeat) * i.vips.size());
        if (i.garp.refresh_period == Milliseconds{0}) {
            EXPECT_EQ(bursts.size(), 1u);
            continue;
        }
        // 4.5 s as master with a 1 s refresh: four refreshes, give or take one.
        EXPECT_GE(bursts.size(), facts.bursts_min);
        EXPECT_LE(bursts.size(), facts.bursts_max);
        for (std::size_t b = 1; b < bursts.size(); ++b) {
            EXPECT_EQ(bursts[b].frames, static_cast<std::size_t>(i.garp.refresh_repeat) * i.vips.size())
                << "burst " << b;
            const auto gap = std::chrono::duration_cast<Milliseconds>(bursts[b].at - bursts[b - 1].at);
            EXPECT_GE(gap, i.garp.refresh_period * 7 / 10) << "burst " << b;
            EXPECT_LE(gap, i.garp.refresh_period * 13 / 10) << "burst " << b;
        }
    }
}

}  // namespace
}  // namespace xvip
