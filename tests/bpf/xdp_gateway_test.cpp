// The forwarding guard, case by case (issue 16): on an interface with gateway instances, a node
// that is active (or draining) for none of them drops every frame to its MAC that the kernel would
// forward, and nothing else. The program asks the kernel with bpf_fib_lookup, which in
// BPF_PROG_TEST_RUN reads the routes of the running thread's network namespace (the frame arrives
// on its loopback device): each case runs on a thread of its own in a fresh namespace with
// forwarding on and these routes, gone with the thread, whatever the outcome.
//   198.51.100.0/24, 2001:db8:f::/64   on-link through fwd0 (a veth pair) (ours: .1, ::1): forwarded
//   203.0.113.0/24, 2001:db8:e::/64    only through a policy rule (iif lo → table 100): forwarded
//   198.18.0.0/15                      blackhole: the kernel drops it itself
//   anything else                      no route: not forwarded
#include <gtest/gtest.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <map>
#include <optional>
#include <random>
#include <system_error>
#include <thread>

#include "dataplane/counters.hpp"
#include "xdp_scenario.hpp"

extern char** environ;

namespace xvip::test {
namespace {

using Counter = __u64 xvip_counters::*;

const char* const routes_script = R"(set -e
ip link set lo up
ip link add fwd0 type veth peer name fwd1
ip link set fwd1 up
ip link set fwd0 up
ip addr add 198.51.100.1/24 dev fwd0
ip -6 addr add 2001:db8:f::1/64 dev fwd0 nodad
ip route add 203.0.113.0/24 dev fwd0 table 100
ip rule add to 203.0.113.0/24 iif lo table 100
ip -6 route add 2001:db8:e::/64 dev fwd0 table 100
ip -6 rule add to 2001:db8:e::/64 iif lo table 100
ip route add blackhole 198.18.0.0/15
echo 1 > /proc/sys/net/ipv4/ip_forward
echo 1 > /proc/sys/net/ipv6/conf/all/forwarding
)";

// Runs the script with /bin/sh in the calling thread's network namespace (a child inherits it).
void run_script(const char* script) {
    const char* argv[] = {"sh", "-c", script, nullptr};
    pid_t pid = 0;
    const int error = posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ);
    if (error != 0) throw std::system_error(error, std::generic_category(), "starting /bin/sh");
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waiting for /bin/sh");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error(std::string("setting up the routes failed (iproute2 needed):\n") + script);
    }
}

// Runs body on a new thread in a new network namespace with the routes above; rethrows here.
template <typename Body>
void in_routed_namespace(Body body) {
    std::exception_ptr failure;
    std::thread worker([&] {
        try {
            if (unshare(CLONE_NEWNET) != 0) {
                throw std::system_error(errno, std::generic_category(), "unshare(CLONE_NEWNET)");
            }
            run_script(routes_script);
            body();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
}

// Which instances are gateways in a case.
enum class Gateways { both, ipv4_only, none };

struct GatewayCase {
    std::string name;
    Situation situation;
    Gateways gateways;
    Bytes input;
    std::uint32_t verdict;
    Counter counter;
};

void PrintTo(const GatewayCase& c, std::ostream* os) {
    *os << c.name;
}

// --- frames ---------------------------------------------------------------------------------

const IpAddress routed4 = ip("198.51.100.7");
const IpAddress routed6 = ip("2001:db8:f::7");
const Bytes udp_payload{0x30, 0x39, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'p', 'i', 'n', 'g'};

Bytes to4(const IpAddress& dst, Ipv4Fields f = {}, const Mac& eth_dst = node_mac, const Mac& eth_src = client_mac) {
    if (f.src == IpAddress{}) f.src = client4;
    f.dst = dst;
    if (f.protocol == 1) f.protocol = 17;
    return ethernet(eth_dst, eth_src, ethertype_ipv4, ipv4(f, udp_payload));
}

Bytes to6(const IpAddress& dst, std::uint8_t next = 17, const Bytes& payload = udp_payload, std::uint8_t hop_limit = 64,
          const Mac& eth_dst = node_mac) {
    return ethernet(eth_dst, client_mac, ethertype_ipv6, ipv6(client6, dst, next, hop_limit, payload));
}

// An extension header of 8 bytes (PadN filling it) followed by `rest`.
Bytes ext(std::uint8_t next, const Bytes& rest) {
    Bytes h{next, 0, 1, 4, 0, 0, 0, 0};
    h.insert(h.end(), rest.begin(), rest.end());
    return h;
}

Bytes fragment_header(std::uint8_t next, std::uint16_t offset_flags, const Bytes& rest) {
    Bytes h{next, 0, static_cast<std::uint8_t>(offset_flags >> 8), static_cast<std::uint8_t>(offset_flags), 0, 0, 0, 7};
    h.insert(h.end(), rest.begin(), rest.end());
    return h;
}

Bytes with_byte(Bytes frame, std::size_t offset, std::uint8_t value) {
    frame.at(offset) = value;
    return frame;
}

Bytes prefix(Bytes frame, std::size_t length) {
    frame.resize(length);
    return frame;
}

constexpr std::uint8_t hbh = 0, routing = 43, fragment = 44, dstopts = 60, udp = 17, icmp6 = 58;

// --- the cases -------------------------------------------------------------------------------

std::vector<GatewayCase> cases() {
    using S = Situation;
    using G = Gateways;
    const Counter drop4 = &xvip_counters::fwd4_drop_standby;
    const Counter drop6 = &xvip_counters::fwd6_drop_standby;
    const Counter not_vip = &xvip_counters::pass_not_vip;
    const Counter unparsed = &xvip_counters::pass_unparsed;
    const Bytes router_alert{0x94, 0x04, 0x00, 0x00};
    const Bytes echo6 = icmpv6(client6, routed6, 128, 0, {0, 1, 0, 1});
    const Bytes ns_routed = icmpv6(client6, routed6, 135, 0, nd_body(0, routed6, lladdr_option(1, client_mac)));
    const Bytes ra = icmpv6(client6, routed6, 134, 0, Bytes(12, 0));
    Bytes long_chain = udp_payload;
    for (int k = 0; k < 5; ++k) long_chain = ext(k == 0 ? udp : dstopts, long_chain);

    // One case per row, its columns in GatewayCase order: kept as written, not reflowed.
    // clang-format off
    return {
        // The role decides: only a node active or draining for a gateway instance forwards.
        {"ipv4_forwarded_standby", S::standby, G::both, to4(routed4), XDP_DROP, drop4},
        {"ipv4_forwarded_active", S::active, G::both, to4(routed4), XDP_PASS, not_vip},
        {"ipv4_forwarded_draining", S::draining, G::both, to4(routed4), XDP_PASS, not_vip},
        {"ipv4_forwarded_lease_expired", S::active_lease_expired, G::both, to4(routed4), XDP_DROP, drop4},
        {"ipv4_forwarded_drain_expired", S::draining_expired, G::both, to4(routed4), XDP_DROP, drop4},
        {"ipv4_forwarded_no_gateway_instance", S::standby, G::none, to4(routed4), XDP_PASS, not_vip},
        {"ipv6_forwarded_standby", S::standby, G::both, to6(routed6), XDP_DROP, drop6},
        {"ipv6_forwarded_active", S::active, G::both, to6(routed6), XDP_PASS, not_vip},
        {"ipv6_forwarded_draining", S::draining, G::both, to6(routed6), XDP_PASS, not_vip},
        {"ipv6_forwarded_lease_expired", S::active_lease_expired, G::both, to6(routed6), XDP_DROP, drop6},
        {"ipv6_forwarded_only_ipv4_is_a_gateway", S::standby, G::ipv4_only, to6(routed6), XDP_PASS, not_vip},
        // Policy routing counts: the route exists only behind an ip rule.
        {"ipv4_policy_routed_standby", S::standby, G::both, to4(ip("203.0.113.9")), XDP_DROP, drop4},
        {"ipv6_policy_routed_standby", S::standby, G::both, to6(ip("2001:db8:e::9")), XDP_DROP, drop6},
        // The kernel would not forward these: they pass.
        {"ipv4_local_address_standby", S::standby, G::both, to4(ip("198.51.100.1")), XDP_PASS, not_vip},
        {"ipv4_subnet_broadcast_standby", S::standby, G::both, to4(ip("198.51.100.255")), XDP_PASS, not_vip},
        {"ipv4_loopback_standby", S::standby, G::both, to4(ip("127.0.0.1")), XDP_PASS, not_vip},
        {"ipv4_no_route_standby", S::standby, G::both, to4(ip("100.64.0.1")), XDP_PASS, not_vip},
        {"ipv4_blackhole_standby", S::standby, G::both, to4(ip("198.18.0.1")), XDP_PASS, not_vip},
        {"ipv4_multicast_standby", S::standby, G::both, to4(ip("239.1.2.3")), XDP_PASS, not_vip},
        {"ipv4_limited_broadcast_standby", S::standby, G::both, to4(ip("255.255.255.255")), XDP_PASS, not_vip},
        {"ipv4_link_local_standby", S::standby, G::both, to4(ip("169.254.1.1")), XDP_PASS, not_vip},
        {"ipv4_vrrp_unicast_standby", S::standby, G::both, to4(routed4, {.protocol = 112, .ttl = 255}), XDP_PASS, not_vip},
        {"ipv6_local_address_standby", S::standby, G::both, to6(ip("2001:db8:f::1")), XDP_PASS, not_vip},
        {"ipv6_link_local_standby", S::standby, G::both, to6(ip("fe80::7")), XDP_PASS, not_vip},
        {"ipv6_multicast_standby", S::standby, G::both, to6(ip("ff0e::1")), XDP_PASS, not_vip},
        {"ipv6_no_route_standby", S::standby, G::both, to6(ip("2001:db8:99::1")), XDP_PASS, not_vip},
        {"ipv6_vrrp_unicast_standby", S::standby, G::both, to6(routed6, 112, Bytes(16, 0), 255), XDP_PASS, not_vip},
        {"ipv6_neighbour_solicitation_standby", S::standby, G::both, to6(routed6, icmp6, ns_routed, 255), XDP_PASS, not_vip},
        {"ipv6_router_advertisement_standby", S::standby, G::both, to6(routed6, icmp6, ra, 255), XDP_PASS, not_vip},
        // Only frames to our MAC are ours to forward.
        {"ipv4_forwarded_to_another_mac", S::standby, G::both, to4(routed4, {}, other_mac), XDP_PASS, not_vip},
        {"ipv4_forwarded_to_broadcast_mac", S::standby, G::both, to4(routed4, {}, broadcast_mac), XDP_PASS, not_vip},
        {"ipv6_forwarded_to_another_mac", S::standby, G::both, to6(routed6, udp, udp_payload, 64, other_mac), XDP_PASS, not_vip},
        {"ipv4_forwarded_from_our_own_mac", S::standby, G::both, to4(routed4, {}, node_mac, node_mac), XDP_DROP, drop4},
        {"ipv4_forwarded_from_another_host", S::standby, G::both, to4(routed4, {}, node_mac, other_mac), XDP_DROP, drop4},
        // VIP traffic keeps its own rule.
        {"ipv4_to_vip_standby", S::standby, G::both, to4(vip4), XDP_DROP, &xvip_counters::vip_drop_standby},
        {"ipv4_to_vip_active", S::active, G::both, to4(vip4), XDP_PASS, &xvip_counters::vip_pass_active},
        {"ipv4_from_vip_forwarded_standby", S::standby, G::both, to4(routed4, {.src = vip4}), XDP_DROP, drop4},
        {"ipv6_to_vip_standby", S::standby, G::both, to6(vip6), XDP_DROP, &xvip_counters::vip_drop_standby},
        // Hostile and unusual forwarded frames: a standby forwards none.
        {"ipv4_ttl_1_standby", S::standby, G::both, to4(routed4, {.ttl = 1}), XDP_DROP, drop4},
        {"ipv4_ttl_0_standby", S::standby, G::both, to4(routed4, {.ttl = 0}), XDP_DROP, drop4},
        {"ipv4_first_fragment_standby", S::standby, G::both, to4(routed4, {.frag = 0x2000}), XDP_DROP, drop4},
        {"ipv4_later_fragment_standby", S::standby, G::both, to4(routed4, {.frag = 185}), XDP_DROP, drop4},
        {"ipv4_options_standby", S::standby, G::both, to4(routed4, {.options = router_alert}), XDP_DROP, drop4},
        {"ipv4_bad_checksum_standby", S::standby, G::both, with_byte(to4(routed4), 24, 0), XDP_DROP, drop4},
        {"ipv4_version_5_standby", S::standby, G::both, with_byte(to4(routed4), 14, 0x55), XDP_PASS, unparsed},
        {"ipv4_header_length_4_words_standby", S::standby, G::both, with_byte(to4(routed4), 14, 0x44), XDP_PASS, unparsed},
        {"ipv4_truncated_header_standby", S::standby, G::both, prefix(to4(routed4), 30), XDP_PASS, unparsed},
        {"ipv6_hop_limit_1_standby", S::standby, G::both, to6(routed6, udp, udp_payload, 1), XDP_DROP, drop6},
        {"ipv6_echo_standby", S::standby, G::both, to6(routed6, icmp6, echo6), XDP_DROP, drop6},
        {"ipv6_hop_by_hop_standby", S::standby, G::both, to6(routed6, hbh, ext(udp, udp_payload)), XDP_DROP, drop6},
        {"ipv6_routing_header_standby", S::standby, G::both, to6(routed6, routing, ext(udp, udp_payload)), XDP_DROP, drop6},
        {"ipv6_fragment_standby", S::standby, G::both, to6(routed6, fragment, fragment_header(udp, 0x0001, udp_payload)), XDP_DROP, drop6},
        {"ipv6_later_fragment_standby", S::standby, G::both, to6(routed6, fragment, fragment_header(udp, 0x00a8, udp_payload)), XDP_DROP, drop6},
        {"ipv6_extension_chain_too_long_standby", S::standby, G::both, to6(routed6, dstopts, long_chain), XDP_DROP, drop6},
        {"ipv6_extension_header_cut_short_standby", S::standby, G::both, to6(routed6, hbh, Bytes{17, 9}), XDP_DROP, drop6},
        {"ipv6_version_4_standby", S::standby, G::both, with_byte(to6(routed6), 14, 0x40), XDP_PASS, unparsed},
        {"ipv6_truncated_header_standby", S::standby, G::both, prefix(to6(routed6), 50), XDP_PASS, unparsed},
    };
    // clang-format on
}

std::string counter_name(Counter c) {
    for (const auto& f : counter_fields()) {
        if (f.member == c) return std::string(f.name);
    }
    return "?";
}

class XdpGateway : public ::testing::TestWithParam<GatewayCase> {};

TEST_P(XdpGateway, VerdictAndCounter) {
    const GatewayCase& c = GetParam();
    in_routed_namespace([&] {
        XdpHarness xdp;
        set_up(xdp, c.situation);
        std::vector<InstanceKey> gateways;
        if (c.gateways != Gateways::none) gateways.push_back(InstanceKey::from_index(instance4));
        if (c.gateways == Gateways::both) gateways.push_back(InstanceKey::from_index(instance6));
        xdp.set_gateways(gateways);

        const RunResult r = xdp.run(c.input);
        ASSERT_EQ(r.error, 0) << "BPF_PROG_TEST_RUN failed: " << std::strerror(r.error);
        EXPECT_EQ(r.verdict, c.verdict) << "situation " << to_string(c.situation) << " (1: drop, 2: pass)";
        EXPECT_EQ(r.output, c.input) << "the frame must come out untouched";
        const xvip_counters counters = xdp.counters();
        for (const auto& f : counter_fields()) {
            EXPECT_EQ(counters.*f.member, f.member == c.counter ? 1u : 0u)
                << "counter " << f.name << " (expected only " << counter_name(c.counter) << ")";
        }
    });
}

INSTANTIATE_TEST_SUITE_P(Frames, XdpGateway, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<GatewayCase>& p) { return p.param.name; });

// The guard follows the instances' words as they change, on the same loaded program: a standby
// that becomes active forwards, and when its lease runs out it stops again; one of two gateway
// instances active is enough.
TEST(XdpGatewayRoles, AnyActiveGatewayInstanceOfTheFamilyLetsFramesThrough) {
    in_routed_namespace([] {
        using namespace std::chrono_literals;
        XdpHarness xdp;
        set_up(xdp, Situation::standby);
        const std::uint32_t second4 = XVIP_SLOT_IPV4 * 256 + 52;
        xdp.bind_vip(ip("192.0.2.60"), second4);
        xdp.set_gateways(
            std::vector<InstanceKey>{InstanceKey::from_index(instance4), InstanceKey::from_index(second4)});
        const Bytes frame = to4(routed4);
        EXPECT_EQ(xdp.run(frame).verdict, XDP_DROP);
        xdp.write_state(second4, StateWord::active_until(monotonic_now() + 60s));
        EXPECT_EQ(xdp.run(frame).verdict, XDP_PASS) << "the second gateway instance is active";
        xdp.write_state(second4, StateWord::standby());
        EXPECT_EQ(xdp.run(frame).verdict, XDP_DROP);
        xdp.set_gateways({});
        EXPECT_EQ(xdp.run(frame).verdict, XDP_PASS) << "no gateway instance any more";
        EXPECT_EQ(xdp.counters().fwd4_drop_standby, 2u);
        EXPECT_EQ(xdp.counters().pass_not_vip, 2u);
    });
}

// Mutated forwarded frames through a standby of a gateway instance, both invariants checked on
// each: nothing the kernel would forward passes (a parseable header to our MAC, routed, not
// exempt), and nothing local, or not to our MAC, or not routed, is dropped (unless it is VIP
// traffic). Seeds are fixed: a failure reproduces.
// Whether the routes above send `a` out through fwd0 (the node's own addresses, the subnet's
// broadcast and IPv6 subnet-router anycast are local). `strict`: leave out the IPv4 network
// address, which kernels treat either way.
bool routed_out(const IpAddress& a, bool strict) {
    const auto b = a.bytes();
    if (a.is_v4()) {
        if (b[0] == 198 && b[1] == 51 && b[2] == 100) return b[3] != 1 && b[3] != 255 && !(strict && b[3] == 0);
        return b[0] == 203 && b[1] == 0 && b[2] == 113;
    }
    const bool prefix = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 && b[4] == 0 &&
                        (b[5] == 0x0f || b[5] == 0x0e) && b[6] == 0 && b[7] == 0;
    const bool host_zero = std::all_of(b.begin() + 8, b.end() - 1, [](auto x) { return x == 0; });
    const bool own = b[5] == 0x0f && host_zero && (b[15] == 1 || b[15] == 0);
    return prefix && !own;
}

std::uint16_t be16_at(const Bytes& f, std::size_t at) {
    return static_cast<std::uint16_t>(f[at] << 8 | f[at + 1]);
}

// The destination of a frame whose IP header the program parses, to our MAC; nullopt otherwise.
std::optional<IpAddress> forwardable_destination(const Bytes& f) {
    if (f.size() < 14 || !std::equal(node_mac.begin(), node_mac.end(), f.begin())) return std::nullopt;
    const auto type = be16_at(f, 12);
    if (type == ethertype_ipv4 && f.size() >= 34 && (f[14] >> 4) == 4 && (f[14] & 0xf) >= 5) {
        return IpAddress::from_bytes({f.data() + 30, 4});
    }
    if (type == ethertype_ipv6 && f.size() >= 54 && (f[14] >> 4) == 6)
        return IpAddress::from_bytes({f.data() + 38, 16});
    return std::nullopt;
}

bool vip_destination(const Bytes& f) {
    const auto type = f.size() >= 14 ? be16_at(f, 12) : 0;
    std::optional<IpAddress> a;
    if (type == ethertype_ipv4 && f.size() >= 34) a = IpAddress::from_bytes({f.data() + 30, 4});
    if (type == ethertype_ipv6 && f.size() >= 54) a = IpAddress::from_bytes({f.data() + 38, 16});
    return a && (*a == vip4 || *a == vip4_b || *a == vip6 || *a == vip6_ll);
}

// Frames the guard may let through whatever their route: VRRP, and IPv6 with ICMPv6 (it may be
// ND) or an extension header (ND may be behind it) after the fixed header.
bool exempt(const Bytes& f) {
    const auto type = be16_at(f, 12);
    if (type == ethertype_ipv4) return f[23] == 112;
    return f[20] == 112 || f[20] == 58 || f[20] == 0 || f[20] == 43 || f[20] == 60 || f[20] == 44;
}

TEST(XdpGatewayHostile, MutatedForwardedFramesThroughAStandby) {
    in_routed_namespace([] {
        XdpHarness xdp;
        set_up(xdp, Situation::standby);
        xdp.set_gateways(
            std::vector<InstanceKey>{InstanceKey::from_index(instance4), InstanceKey::from_index(instance6)});
        const std::vector<Bytes> seeds{
            to4(routed4),
            to4(ip("203.0.113.9"), {.ttl = 1, .options = {0x94, 0x04, 0x00, 0x00}}),
            to4(ip("198.51.100.1")),
            to6(routed6),
            to6(routed6, hbh, ext(udp, udp_payload)),
            to6(ip("2001:db8:f::1")),
        };
        std::mt19937 random(16);
        std::map<std::uint32_t, std::size_t> verdicts;
        for (const auto& seed : seeds) {
            for (int round = 0; round < 600; ++round) {
                Bytes f = seed;
                for (int m = 1 + static_cast<int>(random() % 3); m > 0; --m) {
                    // Mutate the headers mostly (the first 62 bytes), where the decisions are.
                    const std::size_t at = random() % std::min<std::size_t>(f.size(), 62);
                    switch (random() % 3) {
                        case 0: f[at] = static_cast<std::uint8_t>(random()); break;
                        case 1: f[at] ^= static_cast<std::uint8_t>(1u << (random() % 8)); break;
                        default: f.resize(f.size() - std::min<std::size_t>(f.size() - 14, random() % 16));
                    }
                }
                const RunResult r = xdp.run(f);
                ASSERT_EQ(r.error, 0);
                ++verdicts[r.verdict];
                const auto dst = forwardable_destination(f);
                const bool may_drop = dst && routed_out(*dst, false);
                const bool must_drop = dst && routed_out(*dst, true) && !exempt(f);
                if (r.verdict == XDP_DROP) {
                    EXPECT_TRUE(may_drop || vip_destination(f)) << "dropped a frame not forwarded:\n" << hex(f);
                } else {
                    EXPECT_EQ(r.verdict, XDP_PASS) << hex(f);
                    EXPECT_EQ(r.output, f) << "passed, but changed";
                    EXPECT_FALSE(must_drop) << "a standby passed a frame the kernel forwards:\n" << hex(f);
                }
            }
        }
        EXPECT_GT(verdicts[XDP_DROP], 500u);
        EXPECT_GT(verdicts[XDP_PASS], 500u);
    });
}

}  // namespace
}  // namespace xvip::test
