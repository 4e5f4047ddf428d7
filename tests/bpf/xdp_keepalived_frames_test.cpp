// keepalived's own announcements, from the captures in tests/fixtures/keepalived, through the
// XDP program of a node that holds the same VIPs: a gratuitous ARP is never answered or dropped;
// while the node is active for the VIP it is counted as a conflict (another router claims it).
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include "keepalived_captures.hpp"
#include "xdp_scenario.hpp"

namespace xvip::test {
namespace {

using namespace std::chrono_literals;

// A capture's VIPs, bound to its VRID as in its config.
void bind_fixture_vips(XdpHarness& xdp, const CaptureFacts& facts, StateWord word) {
    const bool ipv6 = facts.destination == "ff02::12";
    const auto instance = static_cast<std::uint32_t>((ipv6 ? XVIP_SLOT_IPV6 : XVIP_SLOT_IPV4) * 256 + facts.vrid);
    for (const auto& vip : facts.addresses) xdp.bind_vip(ip(vip.c_str()), instance);
    xdp.write_state(instance, word);
}

TEST(XdpKeepalivedFrames, GratuitousArpsPassAndCountAsConflictOnlyWhileActive) {
    std::size_t frames = 0;
    for (const auto& facts : keepalived_captures()) {
        const auto capture = dissect_capture(facts.name);
        for (const bool active : {false, true}) {
            XdpHarness xdp;
            bind_fixture_vips(xdp, facts,
                              active ? StateWord::active_until(monotonic_now() + 60s) : StateWord::standby());
            for (const auto& garp : capture.gratuitous_arps) {
                const auto r = xdp.run(garp);
                ASSERT_EQ(r.error, 0);
                EXPECT_EQ(r.verdict, XDP_PASS) << facts.name << "\n" << hex(garp);
                EXPECT_EQ(r.output, garp) << "passed untouched";
            }
            const auto counters = xdp.counters();
            const auto n = capture.gratuitous_arps.size();
            EXPECT_EQ(counters.arp_conflict, active ? n : 0u) << facts.name;
            EXPECT_EQ(counters.arp_pass_from_vip, active ? 0u : n) << facts.name;
            EXPECT_EQ(counters.arp_reply + counters.arp_drop_inactive, 0u);
            frames += n;
        }
    }
    EXPECT_GT(frames, 0u) << "the fixtures hold gratuitous ARPs";
}

TEST(XdpKeepalivedFrames, UnsolicitedNeighbourAdvertisementsPassUntouched) {
    std::size_t frames = 0;
    for (const auto& facts : keepalived_captures()) {
        const auto capture = dissect_capture(facts.name);
        XdpHarness xdp;
        bind_fixture_vips(xdp, facts, StateWord::standby());
        for (const auto& na : capture.neighbour_adverts) {
            const auto r = xdp.run(na);
            ASSERT_EQ(r.error, 0);
            EXPECT_EQ(r.verdict, XDP_PASS) << "to ff02::1, not to a VIP\n" << hex(na);
            EXPECT_EQ(r.output, na);
            ++frames;
        }
    }
    EXPECT_GT(frames, 0u) << "the IPv6 fixture holds unsolicited NAs";
}

}  // namespace
}  // namespace xvip::test
