// The advert guard and the conflict reports: a VRRP advert that outranks an instance this node is
// active for puts its state word standby in the kernel (RFC 5798 §6.4.3, as the daemon would on
// reading it); anything else leaves the word as it was. Another MAC claiming an active VIP is
// reported to xvipd, at most once a millisecond per instance. Each case loads a fresh program, so
// every counter but the one named must stay at zero, and the word is read back after the run.
#include <gtest/gtest.h>

#include <cstring>

#include "dataplane/counters.hpp"
#include "xdp_scenario.hpp"

namespace xvip::test {
namespace {

using namespace std::chrono_literals;
using Counter = __u64 xvip_counters::*;

const IpAddress own4 = ip("192.0.2.10");  // our primary address: the source of our adverts
const IpAddress own6 = ip("fe80::10");
const IpAddress group4 = ip("224.0.0.18");
const IpAddress group6 = ip("ff02::12");
const Mac group4_mac{0x01, 0x00, 0x5e, 0, 0, 0x12};
const Mac group6_mac{0x33, 0x33, 0, 0, 0, 0x12};
constexpr std::uint8_t our_priority = 100;

// VRID 51 speaks v3 (IPv4 and IPv6); 52 is a v2 instance, 53 a v2 instance with a password, 54
// an instance whose guard is off; all active. 55 has a guard but is standby, 56 draining.
constexpr std::uint32_t v2_plain = 52, v2_password = 53, guard_off = 54, standby4 = 55, draining4 = 56;
const std::array<std::uint8_t, 8> password{'s', 'e', 'c', 'r', 'e', 't', '1', '2'};

struct Advert {
    std::uint8_t version = 3;
    std::uint8_t type = 1;
    std::uint8_t vrid = 51;
    std::uint8_t priority = 150;
    IpAddress source = ip("192.0.2.5");
    std::uint8_t ttl = 255;
    std::vector<IpAddress> addresses{vip4};
    std::uint16_t interval = 100;        // v3: centiseconds; v2: seconds
    std::uint8_t auth_type = 0;          // v2
    std::array<std::uint8_t, 8> auth{};  // v2
    int count_delta = 0;                 // the count field says this many more than present
    Bytes ip_options;
    std::uint16_t frag = 0;
};

Bytes message(const Advert& a) {
    Bytes m{static_cast<std::uint8_t>(a.version << 4 | a.type), a.vrid, a.priority,
            static_cast<std::uint8_t>(static_cast<int>(a.addresses.size()) + a.count_delta)};
    if (a.version == 2) {
        m.insert(m.end(), {a.auth_type, static_cast<std::uint8_t>(a.interval)});
    } else {
        m.insert(m.end(), {static_cast<std::uint8_t>(a.interval >> 8 & 0x0f), static_cast<std::uint8_t>(a.interval)});
    }
    m.insert(m.end(), {0, 0});  // checksum: the program does not check it (the daemon does)
    for (const auto& address : a.addresses) {
        const auto bytes = address.bytes();
        m.insert(m.end(), bytes.begin(), bytes.end());
    }
    if (a.version == 2) m.insert(m.end(), a.auth.begin(), a.auth.end());
    return m;
}

Bytes advert4(const Advert& a) {
    return ethernet(
        group4_mac, other_mac, ethertype_ipv4,
        ipv4({.src = a.source, .dst = group4, .protocol = 112, .ttl = a.ttl, .options = a.ip_options, .frag = a.frag},
             message(a)));
}

Bytes advert6(Advert a) {
    if (a.source.is_v4()) a.source = ip("fe80::5");
    if (a.addresses == std::vector<IpAddress>{vip4}) a.addresses = {vip6};
    return ethernet(group6_mac, other_mac, ethertype_ipv6, ipv6(a.source, group6, 112, a.ttl, message(a)));
}

struct GuardCase {
    std::string name;
    Bytes input;
    std::uint32_t instance;  // whose word the case reads back
    bool demoted;            // the word went standby (and was active before)
    Counter counter;
};

// One case per row, its columns in GuardCase order: kept as written, not reflowed.
std::vector<GuardCase> guard_cases() {
    const auto v2 = [](Advert a) {
        a.version = 2;
        a.vrid = v2_plain;
        if (a.interval == Advert{}.interval) a.interval = 1;  // the instance's 1 s, unless the case says
        return a;
    };
    const auto with_password = [&](Advert a, const std::array<std::uint8_t, 8>& auth) {
        a = v2(a);
        a.vrid = v2_password;
        a.auth_type = 1;
        a.auth = auth;
        return a;
    };
    std::array<std::uint8_t, 8> wrong = password;
    wrong[7] = '3';
    Bytes too_long = advert4({});
    too_long[14 + 3] += 4;  // the IP total length claims 4 bytes more than the message has
    Bytes longer_frame = advert4({});
    longer_frame.resize(longer_frame.size() + 4, 0);  // Ethernet padding: the IP length still rules
    Bytes advert_to_a_vip =
        ethernet(node_mac, other_mac, ethertype_ipv4,
                 ipv4({.src = ip("192.0.2.5"), .dst = vip4, .protocol = 112, .ttl = 255}, message({})));
    const std::uint32_t i4 = instance4, i6 = instance6;
    const Counter outranked = &xvip_counters::vrrp_outranked, passed = &xvip_counters::pass_not_vip;
    // clang-format off
    return {
        {"v3_higher_priority_demotes", advert4({}), i4, true, outranked},
        {"v3_priority_255_demotes", advert4({.priority = 255}), i4, true, outranked},
        {"v3_equal_priority_higher_address_demotes", advert4({.priority = our_priority, .source = ip("192.0.2.20")}), i4, true, outranked},
        {"v3_equal_priority_lower_address_keeps", advert4({.priority = our_priority, .source = ip("192.0.2.5")}), i4, false, passed},
        {"v3_equal_priority_higher_address_other_octet", advert4({.priority = our_priority, .source = ip("192.0.3.1")}), i4, true, outranked},
        {"v3_equal_priority_lower_first_octet_keeps", advert4({.priority = our_priority, .source = ip("10.255.255.255")}), i4, false, passed},
        {"v3_lower_priority_keeps", advert4({.priority = 99}), i4, false, passed},
        {"v3_priority_0_is_a_resignation", advert4({.priority = 0}), i4, false, passed},
        {"v3_ttl_254_keeps", advert4({.ttl = 254}), i4, false, passed},
        {"v3_ttl_1_keeps", advert4({.ttl = 1}), i4, false, passed},
        {"v2_advert_to_a_v3_instance_keeps", advert4({.version = 2, .interval = 1}), i4, false, passed},
        {"version_4_keeps", advert4({.version = 4}), i4, false, passed},
        {"type_2_keeps", advert4({.type = 2}), i4, false, passed},
        {"v3_count_beyond_addresses_keeps", advert4({.count_delta = 1}), i4, false, passed},
        {"v3_count_short_of_addresses_keeps", advert4({.addresses = {vip4, vip4_b}, .count_delta = -1}), i4, false, passed},
        {"v3_count_0_keeps", advert4({.addresses = {}}), i4, false, passed},
        {"v3_ip_length_beyond_frame_keeps", too_long, i4, false, passed},
        {"v3_padded_frame_demotes", longer_frame, i4, true, outranked},
        {"v3_two_addresses_demotes", advert4({.addresses = {vip4, vip4_b}}), i4, true, outranked},
        {"v3_interval_0_keeps", advert4({.interval = 0}), i4, false, passed},
        {"v3_with_ip_options_demotes", advert4({.ip_options = {0x94, 0x04, 0, 0}}), i4, true, outranked},
        {"v3_fragment_keeps", advert4({.frag = 0x2000}), i4, false, passed},
        {"v3_to_a_vip_is_vip_traffic", advert_to_a_vip, i4, false, &xvip_counters::vip_pass_active},
        {"v3_unknown_vrid_keeps", advert4({.vrid = 99}), i4, false, passed},
        {"v3_guard_off_keeps", advert4({.vrid = guard_off}), guard_off, false, passed},
        {"v3_standby_instance_stays_standby", advert4({.vrid = standby4}), standby4, false, passed},
        {"v3_draining_instance_keeps_draining", advert4({.vrid = draining4}), draining4, false, passed},
        {"v2_higher_priority_demotes", advert4(v2({})), v2_plain, true, outranked},
        {"v2_equal_priority_higher_address_demotes", advert4(v2({.priority = our_priority, .source = ip("192.0.2.20")})), v2_plain, true, outranked},
        {"v2_lower_priority_keeps", advert4(v2({.priority = 50})), v2_plain, false, passed},
        {"v2_priority_0_keeps", advert4(v2({.priority = 0})), v2_plain, false, passed},
        {"v2_other_interval_keeps", advert4(v2({.interval = 2})), v2_plain, false, passed},
        {"v2_ttl_64_keeps", advert4(v2({.ttl = 64})), v2_plain, false, passed},
        {"v2_without_auth_data_keeps", [&] { Bytes f = advert4(v2({})); f.resize(f.size() - 8); f[14 + 3] -= 8; return f; }(), v2_plain, false, passed},
        {"v2_password_demotes", advert4(with_password({}, password)), v2_password, true, outranked},
        {"v2_wrong_password_keeps", advert4(with_password({}, wrong)), v2_password, false, passed},
        {"v2_no_auth_to_a_password_instance_keeps", [&] { Advert a = with_password({}, password); a.auth_type = 0; return advert4(a); }(), v2_password, false, passed},
        {"v3_ipv6_higher_priority_demotes", advert6({}), i6, true, outranked},
        {"v3_ipv6_equal_priority_higher_address_demotes", advert6({.priority = our_priority, .source = ip("fe80::20")}), i6, true, outranked},
        {"v3_ipv6_equal_priority_higher_in_last_word", advert6({.priority = our_priority, .source = ip("fe80::11")}), i6, true, outranked},
        {"v3_ipv6_equal_priority_lower_address_keeps", advert6({.priority = our_priority, .source = ip("fe80::f")}), i6, false, passed},
        {"v3_ipv6_lower_priority_keeps", advert6({.priority = 1}), i6, false, passed},
        {"v3_ipv6_priority_0_keeps", advert6({.priority = 0}), i6, false, passed},
        {"v3_ipv6_hop_limit_64_keeps", advert6({.ttl = 64}), i6, false, passed},
        {"v3_ipv6_count_beyond_addresses_keeps", advert6({.count_delta = 1}), i6, false, passed},
        {"v2_over_ipv6_keeps", advert6({.version = 2, .interval = 1}), i6, false, passed},
        // An IPv4 advert does not touch the IPv6 instance of the same VRID, nor the other way.
        {"v3_ipv4_advert_leaves_the_ipv6_instance", advert4({}), i6, false, outranked},
        {"v3_ipv6_advert_leaves_the_ipv4_instance", advert6({}), i4, false, outranked},
    };
    // clang-format on
}

void PrintTo(const GuardCase& c, std::ostream* os) {
    *os << c.name;
}

void set_up_guards(XdpHarness& xdp) {
    set_up(xdp, Situation::active);  // VRID 51, both families, active with their VIPs
    const auto active = StateWord::active_until(monotonic_now() + 60s);
    AdvertGuard v3{.priority = our_priority, .version = 3, .primary = own4};
    xdp.write_guard(instance4, v3);
    v3.primary = own6;
    xdp.write_guard(instance6, v3);
    xdp.write_guard(v2_plain, {.priority = our_priority, .version = 2, .primary = own4, .interval_s = 1});
    xdp.write_guard(v2_password, {.priority = our_priority,
                                  .version = 2,
                                  .primary = own4,
                                  .auth_type = 1,
                                  .auth_data = password,
                                  .interval_s = 1});
    xdp.write_guard(guard_off, {.priority = 0, .version = 3, .primary = own4});
    xdp.write_guard(standby4, {.priority = our_priority, .version = 3, .primary = own4});
    xdp.write_guard(draining4, {.priority = our_priority, .version = 3, .primary = own4});
    for (const auto index : {v2_plain, v2_password, guard_off}) xdp.write_state(index, active);
    xdp.write_state(standby4, StateWord::standby());
    xdp.write_state(draining4, StateWord::draining_until(monotonic_now() + 60s));
}

std::string case_name(const ::testing::TestParamInfo<GuardCase>& param) {
    return param.param.name;
}

class AdvertGuardCases : public ::testing::TestWithParam<GuardCase> {};

TEST_P(AdvertGuardCases, WordVerdictCounterAndEvent) {
    const GuardCase& c = GetParam();
    XdpHarness xdp;
    set_up_guards(xdp);
    const XdpRole before = xdp.role(c.instance);

    const RunResult r = xdp.run(c.input);
    ASSERT_EQ(r.error, 0) << "BPF_PROG_TEST_RUN failed: " << std::strerror(r.error);
    EXPECT_EQ(r.verdict, static_cast<std::uint32_t>(XDP_PASS)) << "an advert always reaches the daemon";
    EXPECT_EQ(r.output, c.input) << "the advert passes untouched";

    if (c.demoted) {
        EXPECT_EQ(before, XdpRole::active);
        EXPECT_EQ(xdp.role(c.instance), XdpRole::standby) << "the advert outranks us: standby at once";
    } else {
        EXPECT_EQ(xdp.role(c.instance), before) << "the word is left as it was";
    }
    const auto events = xdp.events();
    if (c.demoted) {
        ASSERT_EQ(events.size(), 1u) << "xvipd is told";
        EXPECT_EQ(events[0].kind, static_cast<std::uint32_t>(XVIP_EVENT_OUTRANKED));
        EXPECT_EQ(events[0].instance, c.instance);
    } else if (c.counter != &xvip_counters::vrrp_outranked) {
        EXPECT_TRUE(events.empty()) << "no event when nothing was demoted";
    }

    const xvip_counters counters = xdp.counters();
    for (const auto& f : counter_fields()) {
        EXPECT_EQ(counters.*f.member, f.member == c.counter ? 1u : 0u) << "counter " << f.name;
    }
}

INSTANTIATE_TEST_SUITE_P(Adverts, AdvertGuardCases, ::testing::ValuesIn(guard_cases()), case_name);

// A second outranking advert finds the word standby already: nothing more to do, nothing told.
TEST(AdvertGuard, DemotesOnceAndTellsOnce) {
    XdpHarness xdp;
    set_up_guards(xdp);
    const Bytes advert = advert4({});
    ASSERT_EQ(xdp.run(advert).error, 0);
    ASSERT_EQ(xdp.run(advert).error, 0);
    EXPECT_EQ(xdp.role(instance4), XdpRole::standby);
    EXPECT_EQ(xdp.events().size(), 1u);
    EXPECT_EQ(xdp.counters().vrrp_outranked, 1u);
    EXPECT_EQ(xdp.counters().pass_not_vip, 1u);
}

// --- conflicts ---------------------------------------------------------------------------------

Bytes garp_from(const Mac& mac) {
    return ethernet(broadcast_mac, mac, ethertype_arp, arp({.op = 1, .sha = mac, .spa = vip4, .tha = {}, .tpa = vip4}));
}

Bytes unsolicited_na_from(const Mac& mac, std::uint8_t hop_limit = 255) {
    const IpAddress all_nodes = ip("ff02::1");
    return ethernet({0x33, 0x33, 0, 0, 0, 1}, mac, ethertype_ipv6,
                    ipv6(vip6, all_nodes, 58, hop_limit,
                         icmpv6(vip6, all_nodes, 136, 0, nd_body(0x20000000, vip6, lladdr_option(2, mac)))));
}

TEST(ConflictReport, AnotherMacClaimingAnActiveVipIsReportedOnceAMillisecond) {
    XdpHarness xdp;
    set_up_guards(xdp);
    const auto first = monotonic_now();
    ASSERT_EQ(xdp.run(garp_from(other_mac)).verdict, static_cast<std::uint32_t>(XDP_PASS));
    ASSERT_EQ(xdp.run(garp_from(other_mac)).verdict, static_cast<std::uint32_t>(XDP_PASS));
    const bool within_a_millisecond = monotonic_now() - first < 1ms;
    auto events = xdp.events();
    ASSERT_GE(events.size(), 1u);
    EXPECT_EQ(events[0].kind, static_cast<std::uint32_t>(XVIP_EVENT_CONFLICT));
    EXPECT_EQ(events[0].instance, instance4);
    if (within_a_millisecond) {
        EXPECT_EQ(events.size(), 1u) << "rate-limited to one per instance per ms";
    }
    EXPECT_EQ(xdp.counters().arp_conflict, 2u) << "every claim is still counted";
    EXPECT_EQ(xdp.role(instance4), XdpRole::active) << "a claim demotes nothing";

    // A millisecond later the next claim is reported again.
    const auto until = monotonic_now() + 1100us;
    while (monotonic_now() < until) {
    }
    ASSERT_EQ(xdp.run(garp_from(other_mac)).verdict, static_cast<std::uint32_t>(XDP_PASS));
    events = xdp.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, static_cast<std::uint32_t>(XVIP_EVENT_CONFLICT));
}

TEST(ConflictReport, OurOwnGratuitousArpIsNoConflict) {
    XdpHarness xdp;
    set_up_guards(xdp);
    ASSERT_EQ(xdp.run(garp_from(node_mac)).verdict, static_cast<std::uint32_t>(XDP_PASS));
    EXPECT_TRUE(xdp.events().empty());
    EXPECT_EQ(xdp.counters().arp_conflict, 0u);
    EXPECT_EQ(xdp.counters().arp_pass_from_vip, 1u);
}

TEST(ConflictReport, NoReportWhileStandby) {
    XdpHarness xdp;
    set_up(xdp, Situation::standby);
    ASSERT_EQ(xdp.run(garp_from(other_mac)).verdict, static_cast<std::uint32_t>(XDP_PASS));
    ASSERT_EQ(xdp.run(unsolicited_na_from(other_mac)).verdict, static_cast<std::uint32_t>(XDP_PASS));
    EXPECT_TRUE(xdp.events().empty());
    EXPECT_EQ(xdp.counters().arp_pass_from_vip, 1u);
    EXPECT_EQ(xdp.counters().pass_not_vip, 1u);
}

TEST(ConflictReport, UnsolicitedNeighbourAdvertFromAnotherMacIsReported) {
    XdpHarness xdp;
    set_up_guards(xdp);
    const Bytes na = unsolicited_na_from(other_mac);
    const RunResult r = xdp.run(na);
    EXPECT_EQ(r.verdict, static_cast<std::uint32_t>(XDP_PASS));
    EXPECT_EQ(r.output, na);
    const auto events = xdp.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, static_cast<std::uint32_t>(XVIP_EVENT_CONFLICT));
    EXPECT_EQ(events[0].instance, instance6);
    EXPECT_EQ(xdp.counters().na_conflict, 1u);
}

TEST(ConflictReport, NeighbourAdvertFromUsOrWithAWrongHopLimitIsNot) {
    XdpHarness xdp;
    set_up_guards(xdp);
    ASSERT_EQ(xdp.run(unsolicited_na_from(node_mac)).verdict, static_cast<std::uint32_t>(XDP_PASS));
    ASSERT_EQ(xdp.run(unsolicited_na_from(other_mac, 64)).verdict, static_cast<std::uint32_t>(XDP_PASS));
    EXPECT_TRUE(xdp.events().empty());
    EXPECT_EQ(xdp.counters().na_conflict, 0u);
    EXPECT_EQ(xdp.counters().pass_not_vip, 2u);
}

}  // namespace
}  // namespace xvip::test
