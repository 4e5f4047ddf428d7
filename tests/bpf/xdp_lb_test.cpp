// Forwarding for virtual services (issue 18), under BPF_PROG_TEST_RUN: on a node active or draining
// for a VIP, TCP and UDP frames to a service go to a backend (destination MAC the backend's,
// source MAC ours, XDP_TX, the IP datagram untouched); everything else to the VIP behaves as
// before. Services, rings and backends go in through the data-plane layer's writers, rings built
// by lb::build_maglev_table. Every case checks that only the counters it names moved.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <utility>

#include "dataplane/counters.hpp"
#include "dataplane/dataplane_error.hpp"
#include "lb/maglev.hpp"
#include "xdp_scenario.hpp"

namespace xvip::test {
namespace {

// The forwarding maps sized for services, as xvipd loads them when virtual servers are configured.
const LbCapacity with_services{.services = true, .flows = 4096};

using namespace std::chrono_literals;
using Counter = __u64 xvip_counters::*;

constexpr std::uint8_t tcp_proto = 6, udp_proto = 17, icmp_proto = 1;
constexpr std::uint8_t syn = 0x02, ack = 0x10;

// The backends, on the VIP's segment (direct routing): backend i is at index i of the table.
struct BackendSpec {
    const char* address;
    Mac mac;
};
const BackendSpec backend_specs[] = {
    {"192.0.2.21", {0x02, 0, 0, 0, 0x01, 0x21}},
    {"192.0.2.22", {0x02, 0, 0, 0, 0x01, 0x22}},
    {"192.0.2.23", {0x02, 0, 0, 0, 0x01, 0x23}},
    {"192.0.2.24", {0x02, 0, 0, 0, 0x01, 0x24}},
};
constexpr std::size_t backend_count = std::size(backend_specs);

// The services: vip4 TCP 80 (id 0), UDP 53 (id 1), TCP 443 persistent per /24 (id 2), UDP 54
// and TCP 55 with no backend at all (ids 3 and 5). vip4_b (same instance) has none.
const LbServiceKey http{vip4, tcp_proto, 80};
const LbServiceKey dns{vip4, udp_proto, 53};
const LbServiceKey sticky{vip4, tcp_proto, 443};
const LbServiceKey empty{vip4, udp_proto, 54};
const LbServiceKey empty_tcp{vip4, tcp_proto, 55};
const LbHashing per_flow{};
const LbHashing per_client{.persistent = true, .persist_prefix = 24};

LbRing ring_for(const std::vector<std::uint32_t>& weights) {
    std::vector<lb::MaglevBackend> backends;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        backends.push_back({std::string(backend_specs[i].address) + ":80", weights[i]});
    }
    return lb::build_maglev_table(backends, XVIP_LB_RING_SIZE);
}

// The hashing of a service, as the program's word carries it.
xvip_lb_service word_of(const LbHashing& h) {
    xvip_lb_service s{};
    s.flags = h.persistent ? XVIP_LB_PERSISTENT : 0;
    s.persist_prefix = h.persistent ? h.persist_prefix : 0;
    return s;
}

Bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags) {
    return {static_cast<std::uint8_t>(sport >> 8),
            static_cast<std::uint8_t>(sport),
            static_cast<std::uint8_t>(dport >> 8),
            static_cast<std::uint8_t>(dport),
            0,
            0,
            0x10,
            0x01,  // seq
            0,
            0,
            0,
            0,  // ack
            0x50,
            flags,
            0xff,
            0xff,  // data offset 5, flags, window
            0,
            0,
            0,
            0,  // checksum (not checked here), urgent
            'h',
            'i'};
}

struct Flow {
    IpAddress src = client4;
    std::uint16_t sport = 40000;
    IpAddress dst = vip4;
    std::uint16_t dport = 80;
    std::uint8_t protocol = tcp_proto;
    std::uint8_t flags = syn;  // TCP only
    Bytes options{};           // IPv4 options
    std::uint16_t frag = 0;
    Mac eth_src = client_mac;
};

Bytes transport(const Flow& f) {
    return f.protocol == tcp_proto ? tcp(f.sport, f.dport, f.flags) : udp(f.sport, f.dport, {'q', 'u', 'e', 'r', 'y'});
}

Bytes frame(const Flow& f) {
    return ethernet(
        node_mac, f.eth_src, ethertype_ipv4,
        ipv4({.src = f.src, .dst = f.dst, .protocol = f.protocol, .options = f.options, .frag = f.frag}, transport(f)));
}

xvip_lb_flow_key key_of(const Flow& f) {
    xvip_lb_flow_key k{};
    std::memcpy(&k.saddr, f.src.bytes().data(), 4);
    std::memcpy(&k.daddr, f.dst.bytes().data(), 4);
    k.sport = htons(f.sport);
    k.dport = htons(f.dport);
    k.protocol = f.protocol;
    return k;
}

// The backend a flow unknown to the table must get: the ring entry its hash names, computed here
// with the ABI's own hash (which tests/unit/lb/flow_hash_test.cpp pins).
std::uint16_t hashed_backend(const Flow& f, const LbRing& ring, const LbHashing& hashing = per_flow) {
    const xvip_lb_service s = word_of(hashing);
    const xvip_lb_flow_key k = key_of(f);
    return ring.at(xvip_lb_flow_hash(&s, &k) % XVIP_LB_RING_SIZE);
}

// The frame as it leaves for backend b: only the MACs differ.
Bytes to_backend(Bytes f, std::size_t b) {
    std::copy(backend_specs[b].mac.begin(), backend_specs[b].mac.end(), f.begin());
    std::copy(node_mac.begin(), node_mac.end(), f.begin() + 6);
    return f;
}

// An ICMP error from a router about a datagram the backend sent for `f` (from VIP:port to the
// client), quoting its IP header and `quoted` bytes of its transport header.
Bytes icmp_error(const Flow& f, std::uint8_t type, std::uint8_t code, std::size_t quoted = 8) {
    Flow back = f;
    std::swap(back.src, back.dst);
    std::swap(back.sport, back.dport);
    back.flags = syn | ack;
    Bytes inner = ipv4({.src = back.src, .dst = back.dst, .protocol = back.protocol}, transport(back));
    inner.resize(20 + quoted);
    Bytes icmp(8 + inner.size(), 0);
    icmp[0] = type;
    icmp[1] = code;
    icmp[6] = 0x05;  // next-hop MTU 1500
    icmp[7] = 0xdc;
    std::copy(inner.begin(), inner.end(), icmp.begin() + 8);
    return ethernet(node_mac, other_mac, ethertype_ipv4,
                    ipv4({.src = ip("198.51.100.1"), .dst = f.dst, .protocol = icmp_proto}, icmp));
}

// Every counter at its expected total, every other at 0.
using Expected = std::vector<std::pair<Counter, std::uint64_t>>;

void expect_counters(const XdpHarness& xdp, const Expected& expected) {
    const xvip_counters counters = xdp.counters();
    for (const auto& field : counter_fields()) {
        std::uint64_t want = 0;
        for (const auto& [counter, total] : expected) {
            if (counter == field.member) want = total;
        }
        EXPECT_EQ(counters.*field.member, want) << "counter " << field.name;
    }
}

// A loaded program with the scenario's VIPs, the backends (all usable, weight 1) and the services.
class Balancer {
public:
    explicit Balancer(Situation situation = Situation::active) {
        set_up(xdp, situation);
        for (std::size_t i = 0; i < backend_count; ++i) set_backend(i, true);
        xdp.dataplane().add_lb_service(http, 0, ring, per_flow);
        xdp.dataplane().add_lb_service(dns, 1, ring, per_flow);
        xdp.dataplane().add_lb_service(sticky, 2, ring, per_client);
        xdp.dataplane().add_lb_service(empty, 3, ring_for({0, 0, 0, 0}), per_flow);
        xdp.dataplane().add_lb_service(empty_tcp, 5, ring_for({0, 0, 0, 0}), per_flow);
    }
    void set_backend(std::size_t i, bool usable, bool resolved = true) {
        LbBackend b{.address = ip(backend_specs[i].address), .mac = std::nullopt, .usable = usable};
        if (resolved) b.mac = MacAddress(backend_specs[i].mac);
        xdp.dataplane().write_lb_backend(static_cast<std::uint16_t>(i), b);
    }
    RunResult run(const Bytes& f) {
        RunResult r = xdp.run(f);
        EXPECT_EQ(r.error, 0) << "BPF_PROG_TEST_RUN failed: " << std::strerror(r.error);
        return r;
    }
    // Runs a frame that must be forwarded; returns the backend its destination MAC names.
    std::optional<std::size_t> forwarded_to(const Bytes& f) {
        const RunResult r = run(f);
        if (r.verdict != XDP_TX || r.output.size() != f.size()) return std::nullopt;
        for (std::size_t b = 0; b < backend_count; ++b) {
            if (r.output == to_backend(f, b)) return b;
        }
        ADD_FAILURE() << "forwarded, but not as to any backend:\n" << hex(r.output);
        return std::nullopt;
    }

    XdpHarness xdp{with_services};
    LbRing ring = ring_for({1, 1, 1, 1});
};

// --- one frame, one verdict ------------------------------------------------------------------

struct LbCase {
    std::string name;
    Situation situation;
    Bytes input;
    std::uint32_t verdict;
    Counter counter;
    bool rewritten = false;  // XDP_TX to the backend the hash names: only the MACs change
    Flow flow{};             // the flow whose backend that is
};

void PrintTo(const LbCase& c, std::ostream* os) {
    *os << c.name;
}

std::vector<LbCase> cases() {
    using S = Situation;
    const Counter fresh = &xvip_counters::lb_flow_new;
    const Counter vip_active = &xvip_counters::vip_pass_active;
    const Counter standby = &xvip_counters::vip_drop_standby;
    const Counter bad_source = &xvip_counters::lb_bad_source;
    const Flow syn80{};
    const Flow ack80{.flags = ack};
    const Flow dns53{.sport = 5353, .dport = 53, .protocol = udp_proto};
    const Flow options{.options = {0x94, 0x04, 0x00, 0x00}};  // router alert
    const Flow long_options{.options = Bytes(40, 0x01)};      // 40 bytes of NOPs: IHL 15
    const auto from = [](const char* src) { return frame(Flow{.src = ip(src)}); };
    const auto cut = [](Bytes f, std::size_t length) {
        f.resize(length);
        return f;
    };
    Bytes ihl_beyond = frame(syn80);
    ihl_beyond[14] = 0x4f;  // IHL 15: 60 bytes of header claimed, 40 there
    ihl_beyond.resize(14 + 40);
    // One case per row, its columns in LbCase order: kept as written, not reflowed.
    // clang-format off
    return {
        // Forwarded: a new flow to the backend its hash picks, active or draining.
        {"tcp_syn_new_flow", S::active, frame(syn80), XDP_TX, fresh, true, syn80},
        {"tcp_ack_unknown_flow_hashed", S::active, frame(ack80), XDP_TX, fresh, true, ack80},
        {"udp_new_flow", S::active, frame(dns53), XDP_TX, fresh, true, dns53},
        {"tcp_new_flow_draining", S::draining, frame(syn80), XDP_TX, fresh, true, syn80},
        {"ip_options_router_alert", S::active, frame(options), XDP_TX, fresh, true, options},
        {"ip_options_40_bytes", S::active, frame(long_options), XDP_TX, fresh, true, long_options},
        // The lease fences forwarding as it fences answering.
        {"standby_drops", S::standby, frame(syn80), XDP_DROP, standby},
        {"lease_expired_drops", S::active_lease_expired, frame(syn80), XDP_DROP, standby},
        {"drain_expired_drops", S::draining_expired, frame(syn80), XDP_DROP, standby},
        {"standby_drops_udp", S::standby, frame(dns53), XDP_DROP, standby},
        // No service: VIP traffic as before.
        {"no_service_port", S::active, frame(Flow{.dport = 81}), XDP_PASS, vip_active},
        {"no_service_protocol", S::active, frame(Flow{.dport = 80, .protocol = udp_proto}), XDP_PASS, vip_active},
        {"no_service_other_vip", S::active, frame(Flow{.dst = vip4_b}), XDP_PASS, vip_active},
        {"no_service_port_standby", S::standby, frame(Flow{.dport = 81}), XDP_DROP, standby},
        {"no_service_draining", S::draining, frame(Flow{.dport = 81}), XDP_PASS, &xvip_counters::vip_pass_draining},
        {"not_a_vip", S::active, frame(Flow{.dst = ip("192.0.2.77")}), XDP_PASS, &xvip_counters::pass_not_vip},
        // A service with no backend: a datagram or a SYN, the kernel refuses; a segment of a
        // connection some backend holds is dropped, never reset by the kernel.
        {"no_backend", S::active, frame(Flow{.dport = 54, .protocol = udp_proto}), XDP_PASS, &xvip_counters::lb_no_backend},
        {"no_backend_tcp_syn", S::active, frame(Flow{.dport = 55}), XDP_PASS, &xvip_counters::lb_no_backend},
        {"no_backend_tcp_syn_ack", S::active, frame(Flow{.dport = 55, .flags = syn | ack}), XDP_PASS, &xvip_counters::lb_no_backend},
        {"no_backend_tcp_ack_dropped", S::active, frame(Flow{.dport = 55, .flags = ack}), XDP_DROP, &xvip_counters::lb_no_backend_drop},
        {"no_backend_tcp_fin_dropped", S::active, frame(Flow{.dport = 55, .flags = 0x11}), XDP_DROP, &xvip_counters::lb_no_backend_drop},
        {"no_backend_tcp_rst_dropped", S::active, frame(Flow{.dport = 55, .flags = 0x04}), XDP_DROP, &xvip_counters::lb_no_backend_drop},
        {"no_backend_tcp_ack_standby", S::standby, frame(Flow{.dport = 55, .flags = ack}), XDP_DROP, standby},
        // Fragments: the first to a service counts as the service's; later ones carry no ports.
        {"first_fragment", S::active, frame(Flow{.frag = 0x2000}), XDP_PASS, &xvip_counters::lb_fragment_pass},
        {"later_fragment", S::active, frame(Flow{.frag = 0x00b9}), XDP_PASS, vip_active},
        {"last_fragment", S::active, frame(Flow{.frag = 0x0001}), XDP_PASS, vip_active},
        {"first_fragment_standby", S::standby, frame(Flow{.frag = 0x2000}), XDP_DROP, standby},
        {"dont_fragment_forwarded", S::active, frame(Flow{.frag = 0x4000}), XDP_TX, fresh, true, Flow{.frag = 0x4000}},
        // Truncated: nothing is read past the end; what cannot be read is VIP traffic as before.
        {"tcp_header_cut_at_19", S::active, cut(frame(syn80), 14 + 20 + 19), XDP_PASS, vip_active},
        {"tcp_header_cut_at_4", S::active, cut(frame(syn80), 14 + 20 + 4), XDP_PASS, vip_active},
        {"udp_header_cut_at_7", S::active, cut(frame(dns53), 14 + 20 + 7), XDP_PASS, vip_active},
        {"no_transport_header", S::active, cut(frame(syn80), 14 + 20), XDP_PASS, vip_active},
        {"ip_options_beyond_frame", S::active, ihl_beyond, XDP_PASS, vip_active},
        {"ipv4_header_cut", S::active, cut(frame(syn80), 14 + 19), XDP_PASS, &xvip_counters::pass_unparsed},
        {"tcp_whole_header_no_payload", S::active, cut(frame(syn80), 14 + 20 + 20), XDP_TX, fresh, true, syn80},
        // Sources no flow comes from: passed, the kernel's martian checks decide.
        {"source_is_the_vip", S::active, from("192.0.2.50"), XDP_PASS, bad_source},
        {"source_is_another_vip", S::active, from("192.0.2.51"), XDP_PASS, bad_source},
        {"source_unspecified", S::active, from("0.0.0.0"), XDP_PASS, bad_source},
        {"source_limited_broadcast", S::active, from("255.255.255.255"), XDP_PASS, bad_source},
        {"source_multicast", S::active, from("224.0.0.1"), XDP_PASS, bad_source},
        {"source_class_e", S::active, from("240.0.0.1"), XDP_PASS, bad_source},
        {"source_loopback", S::active, from("127.0.0.1"), XDP_PASS, bad_source},
        {"source_mac_multicast", S::active, frame(Flow{.eth_src = {0x01, 0x00, 0x5e, 0, 0, 1}}), XDP_PASS, bad_source},
        {"source_bad_standby", S::standby, from("192.0.2.50"), XDP_DROP, standby},
        // ICMP errors: only about a known flow are they forwarded (below); never hashed.
        {"icmp_frag_needed_unknown_flow", S::active, icmp_error(syn80, 3, 4), XDP_PASS, &xvip_counters::lb_icmp_pass},
        {"icmp_time_exceeded_unknown_flow", S::active, icmp_error(dns53, 11, 0), XDP_PASS, &xvip_counters::lb_icmp_pass},
        {"icmp_about_no_service", S::active, icmp_error(Flow{.dport = 81}, 3, 4), XDP_PASS, vip_active},
        {"icmp_quote_cut_short", S::active, icmp_error(syn80, 3, 4, 3), XDP_PASS, vip_active},
        {"icmp_redirect_not_an_error_here", S::active, icmp_error(syn80, 5, 1), XDP_PASS, vip_active},
        {"icmp_frag_needed_standby", S::standby, icmp_error(syn80, 3, 4), XDP_DROP, standby},
    };
    // clang-format on
}

class XdpLb : public ::testing::TestWithParam<LbCase> {};

TEST_P(XdpLb, VerdictFrameAndCounter) {
    const LbCase& c = GetParam();
    Balancer lb(c.situation);
    const RunResult r = lb.run(c.input);
    EXPECT_EQ(r.verdict, c.verdict) << "situation " << to_string(c.situation) << " (1 drop, 2 pass, 3 tx)";
    const Bytes expected = c.rewritten ? to_backend(c.input, hashed_backend(c.flow, lb.ring)) : c.input;
    EXPECT_EQ(r.output, expected) << "got:\n" << hex(r.output) << "\nexpected:\n" << hex(expected);
    expect_counters(lb.xdp, {{c.counter, 1}});
    EXPECT_EQ(lb.xdp.dataplane().lb_flow_backend(key_of(c.flow)).has_value(), c.rewritten)
        << "a flow enters the table exactly when it is forwarded as new";
}

INSTANTIATE_TEST_SUITE_P(Frames, XdpLb, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<LbCase>& p) { return p.param.name; });

// --- flows over time ---------------------------------------------------------------------------

TEST(XdpLbFlows, MissThenHitToTheSameBackend) {
    Balancer lb;
    const Flow f{};
    const auto first = lb.forwarded_to(frame(f));
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, hashed_backend(f, lb.ring));
    EXPECT_EQ(lb.xdp.dataplane().lb_flow_backend(key_of(f)), *first);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(lb.forwarded_to(frame(Flow{.flags = ack})), first);
    expect_counters(lb.xdp, {{&xvip_counters::lb_flow_new, 1}, {&xvip_counters::lb_flow_hit, 3}});
}

// What makes a failover keep connections: the other balancer, which never saw the SYN, sends the
// flow's next segment to the backend the first one chose.
TEST(XdpLbFlows, AnotherBalancerHashesAnUnknownFlowToTheSameBackend) {
    Balancer first, second;
    std::mt19937 random(18);
    for (int i = 0; i < 200; ++i) {
        const Flow f{.src = IpAddress::v4({10, static_cast<std::uint8_t>(random()), static_cast<std::uint8_t>(random()),
                                           static_cast<std::uint8_t>(1 + random() % 254)}),
                     .sport = static_cast<std::uint16_t>(1024 + random() % 60000)};
        Flow next = f;
        next.flags = ack;
        const auto a = first.forwarded_to(frame(f));
        ASSERT_TRUE(a);
        EXPECT_EQ(second.forwarded_to(frame(next)), a) << f.src.to_string() << ":" << f.sport;
    }
    expect_counters(second.xdp, {{&xvip_counters::lb_flow_new, 200}});
}

TEST(XdpLbFlows, NewFlowsSpreadByWeight) {
    Balancer lb;
    const std::vector<std::uint32_t> weights{1, 1, 2, 4};
    lb.ring = ring_for(weights);
    lb.xdp.dataplane().replace_lb_ring(0, lb.ring, per_flow);
    std::map<std::size_t, int> seen;
    std::mt19937 random(7);
    constexpr int flows = 4000;
    for (int i = 0; i < flows; ++i) {
        const Flow f{.src = IpAddress::v4({198, 51, 100, static_cast<std::uint8_t>(1 + random() % 250)}),
                     .sport = static_cast<std::uint16_t>(1024 + random() % 60000)};
        const auto b = lb.forwarded_to(frame(f));
        ASSERT_TRUE(b);
        EXPECT_EQ(*b, hashed_backend(f, lb.ring));
        ++seen[*b];
    }
    for (std::size_t b = 0; b < backend_count; ++b) {
        const double share = flows * weights[b] / 8.0;
        EXPECT_NEAR(seen[b], share, share * 0.2) << "backend " << b << " of weight " << weights[b];
    }
}

// A flow established before its backend is drained (weight 0, the ring rebuilt without it) stays
// with it; new flows never go there. The ring is switched by generation.
TEST(XdpLbFlows, DrainedBackendKeepsItsFlowsAndTakesNoNewOnes) {
    Balancer lb;
    const Flow established{};
    const auto b = lb.forwarded_to(frame(established));
    ASSERT_TRUE(b);
    std::vector<std::uint32_t> weights(backend_count, 1);
    weights[*b] = 0;
    lb.ring = ring_for(weights);
    EXPECT_EQ(lb.xdp.dataplane().replace_lb_ring(0, lb.ring, per_flow), 1) << "generation 1 now";
    EXPECT_EQ(lb.forwarded_to(frame(Flow{.flags = ack})), b);
    for (std::uint16_t port = 1000; port < 1500; ++port) {
        const auto to = lb.forwarded_to(frame(Flow{.sport = port}));
        ASSERT_TRUE(to);
        EXPECT_NE(*to, *b) << "port " << port;
    }
    expect_counters(lb.xdp, {{&xvip_counters::lb_flow_new, 501}, {&xvip_counters::lb_flow_hit, 1}});
}

// A backend marked unusable (failed checks) before its ring is rebuilt: its established flows stay
// (the design: a flow keeps its backend), a new flow the ring still sends there passes to the
// kernel, and once the ring is rebuilt without it, new flows go elsewhere.
TEST(XdpLbFlows, FailedBackendTakesNoNewFlows) {
    Balancer lb;
    const Flow established{};
    const auto b = lb.forwarded_to(frame(established));
    ASSERT_TRUE(b);
    lb.set_backend(*b, false);
    EXPECT_EQ(lb.forwarded_to(frame(Flow{.flags = ack})), b);
    int passed = 0, forwarded = 0;
    for (std::uint16_t port = 1000; port < 1400; ++port) {
        const Flow f{.sport = port};
        const RunResult r = lb.run(frame(f));
        if (hashed_backend(f, lb.ring) == *b) {
            EXPECT_EQ(r.verdict, XDP_PASS) << "port " << port;
            EXPECT_EQ(r.output, frame(f));
            EXPECT_FALSE(lb.xdp.dataplane().lb_flow_backend(key_of(f))) << "not entered";
            ++passed;
        } else {
            EXPECT_EQ(r.verdict, XDP_TX) << "port " << port;
            ++forwarded;
        }
    }
    EXPECT_GT(passed, 50);
    expect_counters(lb.xdp, {{&xvip_counters::lb_flow_new, 1 + forwarded},
                             {&xvip_counters::lb_flow_hit, 1},
                             {&xvip_counters::lb_no_backend, passed}});
    std::vector<std::uint32_t> weights(backend_count, 1);
    weights[*b] = 0;
    lb.ring = ring_for(weights);
    lb.xdp.dataplane().replace_lb_ring(0, lb.ring, per_flow);
    for (std::uint16_t port = 1000; port < 1400; ++port) {
        const auto to = lb.forwarded_to(frame(Flow{.sport = port}));
        ASSERT_TRUE(to);
        EXPECT_NE(*to, *b);
    }
}

// A SYN on the 5-tuple of a flow entered for a backend that takes no new flows is a new connection
// (a client gave up on a connect and its port came round again): hashed onto the ring, which no
// longer names that backend, and the flow entered anew. The flow's other segments still go to it.
TEST(XdpLbFlows, ASynReusingAFlowOfABackendThatTakesNoNewFlowsIsHashedElsewhere) {
    Balancer lb;
    const Flow f{};
    const auto b = lb.forwarded_to(frame(f));
    ASSERT_TRUE(b);
    lb.set_backend(*b, false);
    EXPECT_EQ(lb.forwarded_to(frame(Flow{.flags = ack})), b) << "an established segment keeps its backend";
    EXPECT_EQ(lb.forwarded_to(frame(Flow{.flags = syn | ack})), b) << "not a new connection's SYN";
    std::vector<std::uint32_t> weights(backend_count, 1);
    weights[*b] = 0;
    lb.ring = ring_for(weights);
    lb.xdp.dataplane().replace_lb_ring(0, lb.ring, per_flow);
    const auto again = lb.forwarded_to(frame(f));
    ASSERT_TRUE(again) << "the SYN is forwarded";
    EXPECT_NE(*again, *b);
    EXPECT_EQ(*again, hashed_backend(f, lb.ring));
    EXPECT_EQ(lb.xdp.dataplane().lb_flow_backend(key_of(f)), static_cast<std::uint16_t>(*again)) << "entered anew";
    EXPECT_EQ(lb.forwarded_to(frame(Flow{.flags = ack})), again) << "the new connection's segments follow it";
    expect_counters(lb.xdp, {{&xvip_counters::lb_flow_new, 2}, {&xvip_counters::lb_flow_hit, 3}});
    // A usable backend keeps a SYN on its flow (a retransmitted SYN stays with its connection).
    const Flow other{.sport = 40001};
    const auto kept = lb.forwarded_to(frame(other));
    ASSERT_TRUE(kept);
    EXPECT_EQ(lb.forwarded_to(frame(other)), kept);
}

// A backend whose MAC is no longer known takes nothing, not even its flows: they are hashed again,
// and the ring still names it. Its connections' segments are dropped (the kernel would reset them),
// a new connection's SYN goes to the kernel.
TEST(XdpLbFlows, BackendWithoutMacForwardsNothing) {
    Balancer lb;
    const Flow f{};
    const auto b = lb.forwarded_to(frame(f));
    ASSERT_TRUE(b);
    lb.set_backend(*b, true, false);
    const RunResult r = lb.run(frame(Flow{.flags = ack}));
    EXPECT_EQ(r.verdict, XDP_DROP) << "the established flow's segment";
    EXPECT_EQ(lb.run(frame(f)).verdict, XDP_PASS) << "a SYN of the same 5-tuple";
    expect_counters(lb.xdp, {{&xvip_counters::lb_flow_new, 1},
                             {&xvip_counters::lb_no_backend_drop, 1},
                             {&xvip_counters::lb_no_backend, 1}});
    lb.set_backend(*b, true, true);
    EXPECT_EQ(lb.forwarded_to(frame(Flow{.flags = ack})), b) << "its MAC known again: the retransmission goes on";
}

// An established flow through a node that goes standby, or whose lease runs out: nothing forwarded.
TEST(XdpLbFlows, StandbyForwardsNoEstablishedFlow) {
    Balancer lb;
    const Flow f{.flags = ack};
    ASSERT_TRUE(lb.forwarded_to(frame(f)));
    lb.xdp.write_state(instance4, StateWord::standby());
    EXPECT_EQ(lb.run(frame(f)).verdict, XDP_DROP);
    lb.xdp.write_state(instance4, StateWord::active_until(monotonic_now() - 1s));
    EXPECT_EQ(lb.run(frame(f)).verdict, XDP_DROP);
    EXPECT_EQ(lb.run(icmp_error(f, 3, 4)).verdict, XDP_DROP);
    lb.xdp.write_state(instance4, StateWord::draining_until(monotonic_now() + 60s));
    EXPECT_TRUE(lb.forwarded_to(frame(f))) << "draining forwards again";
    expect_counters(
        lb.xdp,
        {{&xvip_counters::lb_flow_new, 1}, {&xvip_counters::vip_drop_standby, 3}, {&xvip_counters::lb_flow_hit, 1}});
}

TEST(XdpLbFlows, IcmpFragNeededFollowsItsFlow) {
    Balancer lb;
    for (const Flow& f : {Flow{}, Flow{.sport = 5353, .dport = 53, .protocol = udp_proto}}) {
        const auto b = lb.forwarded_to(frame(f));
        ASSERT_TRUE(b);
        const Bytes error = icmp_error(f, 3, 4);
        const RunResult r = lb.run(error);
        EXPECT_EQ(r.verdict, XDP_TX);
        EXPECT_EQ(r.output, to_backend(error, *b));
        // Even when the ring has changed since: the flow decides, not the hash.
        std::vector<std::uint32_t> weights(backend_count, 1);
        weights[*b] = 0;
        lb.xdp.dataplane().replace_lb_ring(f.protocol == tcp_proto ? 0 : 1, ring_for(weights), per_flow);
        EXPECT_EQ(lb.run(error).output, to_backend(error, *b));
    }
    expect_counters(lb.xdp, {{&xvip_counters::lb_flow_new, 2}, {&xvip_counters::lb_icmp_forwarded, 4}});
}

// Persistence: every connection of one client (and of its /24) goes to one backend.
TEST(XdpLbFlows, PersistentServiceKeepsAClientOnOneBackend) {
    Balancer lb;
    const auto first = lb.forwarded_to(frame(Flow{.sport = 1111, .dport = 443}));
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, hashed_backend(Flow{.dport = 443}, lb.ring, per_client));
    for (std::uint16_t port = 2000; port < 2100; ++port) {
        EXPECT_EQ(lb.forwarded_to(frame(Flow{.sport = port, .dport = 443})), first);
        EXPECT_EQ(lb.forwarded_to(frame(Flow{.src = ip("192.0.2.77"), .sport = port, .dport = 443})), first);
    }
    std::map<std::size_t, int> clients;
    for (int net = 1; net < 200; ++net) {
        const auto b = lb.forwarded_to(
            frame(Flow{.src = IpAddress::v4({10, 0, static_cast<std::uint8_t>(net), 9}), .dport = 443}));
        ASSERT_TRUE(b);
        ++clients[*b];
    }
    EXPECT_EQ(clients.size(), backend_count) << "other clients still spread";
}

TEST(XdpLbFlows, ForwardingRewritesOnlyTheMacs) {
    Balancer lb;
    const Flow f{.options = {0x94, 0x04, 0x00, 0x00}};
    const Bytes in = frame(f);
    const RunResult r = lb.run(in);
    ASSERT_EQ(r.verdict, XDP_TX);
    const auto& mac = backend_specs[hashed_backend(f, lb.ring)].mac;
    EXPECT_TRUE(std::equal(mac.begin(), mac.end(), r.output.begin())) << "destination: the backend";
    EXPECT_TRUE(std::equal(node_mac.begin(), node_mac.end(), r.output.begin() + 6)) << "source: ours";
    EXPECT_TRUE(std::equal(in.begin() + 12, in.end(), r.output.begin() + 12, r.output.end()))
        << "EtherType, IP and TCP bytes untouched (checksums hold: direct routing changes no address)";
}

// Mutated and truncated frames through a balancer, seeds fixed: whatever is forwarded differs from
// what came in only in its MACs (a backend's, then ours) and was addressed to the VIP; whatever
// else passes or is dropped leaves untouched. (BFD answers, the only other XDP_TX to a VIP, are
// told apart by their destination MAC.)
TEST(XdpLbHostile, MutatedFramesForwardOnlyAsDirectRouting) {
    Balancer lb;
    const Flow known{.sport = 777};
    ASSERT_TRUE(lb.forwarded_to(frame(known)));
    const std::vector<Bytes> seeds{
        frame(Flow{}),
        frame(Flow{.sport = 5353, .dport = 53, .protocol = udp_proto}),
        frame(Flow{.options = {0x94, 0x04, 0x00, 0x00}}),
        icmp_error(known, 3, 4),
        icmp_error(known, 11, 0, 20),
    };
    std::mt19937 random(18);
    std::map<std::uint32_t, int> verdicts;
    for (const auto& seed : seeds) {
        for (int round = 0; round < 400; ++round) {
            Bytes f = seed;
            for (int m = 1 + static_cast<int>(random() % 3); m > 0; --m) {
                const std::size_t at = 12 + random() % std::min<std::size_t>(f.size() - 12, 70);
                switch (random() % 3) {
                    case 0: f[at] = static_cast<std::uint8_t>(random()); break;
                    case 1: f[at] ^= static_cast<std::uint8_t>(1u << (random() % 8)); break;
                    default: f.resize(f.size() - std::min<std::size_t>(f.size() - 14, random() % 24));
                }
            }
            const RunResult r = lb.run(f);
            ++verdicts[r.verdict];
            std::optional<std::size_t> backend;
            for (std::size_t b = 0; b < backend_count && r.output.size() >= 6; ++b) {
                if (std::equal(backend_specs[b].mac.begin(), backend_specs[b].mac.end(), r.output.begin())) backend = b;
            }
            if (r.verdict == XDP_TX && backend) {
                EXPECT_EQ(r.output, to_backend(f, *backend)) << "input:\n" << hex(f);
                ASSERT_GE(f.size(), 34u);
                EXPECT_EQ(IpAddress::from_bytes({f.data() + 30, 4}), vip4) << hex(f);
            } else if (r.verdict != XDP_TX) {
                EXPECT_EQ(r.output, f) << "not forwarded, but changed";
            }
        }
    }
    const xvip_counters c = lb.xdp.counters();
    EXPECT_GT(verdicts[XDP_TX], 300);
    EXPECT_GT(verdicts[XDP_PASS], 300);
    EXPECT_GT(c.lb_icmp_forwarded, 20u);
    EXPECT_GT(c.lb_flow_new + c.lb_flow_hit, 200u);
}

// A known flow is followed without its service being looked up: only while that service is the
// one live under the flow's id. Removed, its flows are VIP traffic again; the id given to a new
// service, the old flows are hashed anew onto the new ring.
TEST(XdpLbFlows, AFlowOutlivesNeitherItsServiceNorTheReuseOfItsId) {
    Balancer lb;
    Dataplane& dp = lb.xdp.dataplane();
    const Flow f{};
    const auto first = lb.forwarded_to(frame(f));
    ASSERT_TRUE(first);
    dp.remove_lb_service(http);
    EXPECT_TRUE(dp.lb_flow_backend(key_of(f)).has_value()) << "the flow table keeps the flow";
    EXPECT_EQ(lb.run(frame(f)).verdict, XDP_PASS) << "a removed service's flow was followed";
    std::vector<std::uint32_t> weights(backend_count, 0);
    const std::size_t other = (*first + 1) % backend_count;
    weights[other] = 1;
    dp.add_lb_service(http, 0, ring_for(weights), per_flow);
    EXPECT_EQ(lb.forwarded_to(frame(f)), other) << "a flow of the id's earlier service was followed";
    EXPECT_EQ(dp.lb_flow_backend(key_of(f)), other);
    expect_counters(lb.xdp, {{&xvip_counters::lb_flow_new, 2}, {&xvip_counters::vip_pass_active, 1}});
}

// Ports are kept a bit each, whatever the VIP and protocol: a port two services have stays served
// until both are gone.
TEST(XdpLbFlows, APortSharedByTwoServicesIsServedUntilBothAreGone) {
    Balancer lb;
    Dataplane& dp = lb.xdp.dataplane();
    const LbServiceKey quic{vip4, udp_proto, 80};
    dp.add_lb_service(quic, 4, lb.ring, per_flow);
    dp.remove_lb_service(http);
    const Flow udp80{.sport = 4433, .dport = 80, .protocol = udp_proto};
    EXPECT_TRUE(lb.forwarded_to(frame(udp80)).has_value()) << "UDP 80 lost its port with TCP 80's service";
    EXPECT_EQ(lb.run(frame(Flow{})).verdict, XDP_PASS);
    dp.remove_lb_service(quic);
    EXPECT_EQ(lb.run(frame(Flow{.sport = 4434, .dport = 80, .protocol = udp_proto})).verdict, XDP_PASS);
    expect_counters(lb.xdp, {{&xvip_counters::lb_flow_new, 1}, {&xvip_counters::vip_pass_active, 2}});
}

// An id in use is refused, and its service goes on as it was.
TEST(XdpLbWriters, AnIdInUseIsRefused) {
    Balancer lb;
    EXPECT_THROW(lb.xdp.dataplane().add_lb_service({vip4, tcp_proto, 8080}, 0, lb.ring, per_flow), DataplaneError);
    EXPECT_TRUE(lb.forwarded_to(frame(Flow{})).has_value());
    EXPECT_EQ(lb.run(frame(Flow{.dport = 8080})).verdict, XDP_PASS);
}

// The writers refuse what the program cannot hold, and a removed service is VIP traffic again.
TEST(XdpLbWriters, RefuseWhatTheProgramCannotHold) {
    XdpHarness xdp{with_services};
    set_up(xdp, Situation::active);
    Dataplane& dp = xdp.dataplane();
    const LbRing ring = ring_for({1, 1});
    EXPECT_ANY_THROW(dp.add_lb_service(http, XVIP_LB_MAX_SERVICES, ring, per_flow));
    EXPECT_ANY_THROW(dp.add_lb_service({vip6, tcp_proto, 80}, 0, ring, per_flow));
    EXPECT_ANY_THROW(dp.add_lb_service({vip4, icmp_proto, 0}, 0, ring, per_flow));
    EXPECT_ANY_THROW(dp.add_lb_service(http, 0, LbRing(100, 0), per_flow));
    EXPECT_ANY_THROW(dp.add_lb_service(http, 0, LbRing(XVIP_LB_RING_SIZE, XVIP_LB_MAX_BACKENDS), per_flow));
    dp.add_lb_service(http, 0, ring, per_flow);
    EXPECT_ANY_THROW(dp.add_lb_service(http, 1, ring, per_flow)) << "the key is taken";
    EXPECT_EQ(xdp.run(frame(Flow{})).verdict, XDP_PASS) << "the ring names backends without entries";
    dp.remove_lb_service(http);
    EXPECT_ANY_THROW(dp.remove_lb_service(http));
    EXPECT_EQ(xdp.run(frame(Flow{})).verdict, XDP_PASS);
    expect_counters(xdp, {{&xvip_counters::lb_no_backend, 1}, {&xvip_counters::vip_pass_active, 1}});
    EXPECT_ANY_THROW(dp.write_lb_backend(XVIP_LB_MAX_BACKENDS, {.address = ip("192.0.2.21")}));
}

// Loaded for no virtual service (what every node that balances nothing runs), the forwarding maps
// hold one entry each: the writers refuse, saying why and what to do, and the VIP's traffic is
// what it always was.
TEST(XdpLbWriters, ADataPlaneLoadedWithoutServicesRefusesThemAndSaysWhy) {
    XdpHarness xdp;
    set_up(xdp, Situation::active);
    Dataplane& dp = xdp.dataplane();
    EXPECT_FALSE(dp.holds_lb_services());
    try {
        dp.add_lb_service(http, 0, ring_for({1}), per_flow);
        ADD_FAILURE() << "a service was added to maps without room for it";
    } catch (const DataplaneError& e) {
        EXPECT_NE(std::string(e.what()).find("without room for virtual services"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("xvipctl detach"), std::string::npos) << e.what();
    }
    EXPECT_THROW(dp.write_lb_backend(0, {.address = ip("192.0.2.21")}), DataplaneError);
    EXPECT_THROW(dp.replace_lb_ring(0, ring_for({1}), per_flow), DataplaneError);
    EXPECT_EQ(xdp.run(frame(Flow{})).verdict, XDP_PASS);
    expect_counters(xdp, {{&xvip_counters::vip_pass_active, 1}});
}

TEST(XdpLbWriters, ServicesNeedAFlowTable) {
    EXPECT_THROW(XdpHarness(LbCapacity{.services = true, .flows = 0}), std::runtime_error);
}

}  // namespace
}  // namespace xvip::test
