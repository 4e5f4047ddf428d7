// The load-balancer plan (userspace/lb/plan.hpp): rings that hold exactly the servers that take new
// flows, by weight; the sorry server and the empty ring; the same rings on both balancers; stable
// ids and backend indices; persistence; the limits; and the services it skips rather than crash on.
#include "lb/plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lb/maglev.hpp"
#include "xvip_abi.h"

// The planner's sizes are the data plane's: a plan that fits the planner fits in the maps.
static_assert(xvip::lb::kMaxServices == XVIP_LB_MAX_SERVICES);
static_assert(xvip::lb::kMaxBackends == XVIP_LB_MAX_BACKENDS);
static_assert(xvip::lb::kRingSize == XVIP_LB_RING_SIZE);
static_assert(xvip::lb::kNoBackend == XVIP_LB_NO_BACKEND);

namespace xvip::lb {
namespace {

using ::testing::HasSubstr;

IpAddress ip(const std::string& text) {
    const auto parsed = IpAddress::parse(text);
    if (!parsed) ADD_FAILURE() << "not an address: " << text;
    return parsed.value_or(IpAddress{});
}

RealServer real(const std::string& address, int weight = 1) {
    RealServer rs;
    rs.address = ip(address);
    rs.port = 80;
    rs.weight = weight;
    return rs;
}

VirtualServer service(const std::string& vip, int port, std::vector<RealServer> servers,
                      ServiceProtocol protocol = ServiceProtocol::tcp) {
    VirtualServer vs;
    vs.address = ip(vip);
    vs.port = port;
    vs.protocol = protocol;
    vs.real_servers = std::move(servers);
    return vs;
}

ServiceKey key(const std::string& vip, int port, ServiceProtocol protocol = ServiceProtocol::tcp) {
    return {ip(vip), protocol, static_cast<std::uint16_t>(port)};
}

Plan plan(const std::vector<VirtualServer>& configured, const HealthMap& health = {}, const Assignment& previous = {}) {
    return plan_services(configured, health, previous);
}

const PlannedService& service_of(const Plan& p, const ServiceKey& k) {
    for (const PlannedService& s : p.services) {
        if (s.key == k) return s;
    }
    ADD_FAILURE() << "no service " << to_string(k);
    static const PlannedService none;
    return none;
}

const PlannedBackend& backend_of(const Plan& p, const std::string& address) {
    for (const PlannedBackend& b : p.backends) {
        if (b.address == ip(address)) return b;
    }
    ADD_FAILURE() << "no backend " << address;
    static const PlannedBackend none;
    return none;
}

// Entries per backend address; "" counts kNoBackend, "?" an index the backend table lacks.
std::map<std::string, std::size_t> shares(const Plan& p, const PlannedService& s) {
    std::map<std::uint16_t, std::string> address_at;
    for (const PlannedBackend& b : p.backends) address_at[b.index] = b.address.to_string();
    std::map<std::string, std::size_t> out;
    for (std::uint16_t e : s.ring) {
        if (e == kNoBackend) {
            ++out[""];
        } else {
            ++out[address_at.contains(e) ? address_at[e] : "?"];
        }
    }
    return out;
}

// The ring by address: what two balancers must agree on, whatever indices each gave out.
std::vector<std::string> ring_by_address(const Plan& p, const PlannedService& s) {
    std::map<std::uint16_t, std::string> address_at;
    for (const PlannedBackend& b : p.backends) address_at[b.index] = b.address.to_string();
    std::vector<std::string> out;
    for (std::uint16_t e : s.ring) out.push_back(e == kNoBackend ? "" : address_at.at(e));
    return out;
}

TEST(LbPlan, TheRingHoldsExactlyTheServersUpWithSharesByWeight) {
    const std::vector<VirtualServer> config{
        service("192.0.2.100", 80,
                {real("192.0.2.21", 1), real("192.0.2.22", 2), real("192.0.2.23", 3), real("192.0.2.24", 4),
                 real("192.0.2.25", 5), real("192.0.2.26", 0)})};
    const HealthMap health{{{key("192.0.2.100", 80), ip("192.0.2.25")}, {.up = false}},
                           {{key("192.0.2.100", 80), ip("192.0.2.22")}, {.up = true}}};
    const Plan p = plan(config, health);
    ASSERT_EQ(p.services.size(), 1u);
    const PlannedService& s = p.services[0];
    EXPECT_EQ(s.holds, RingHolds::real_servers);
    ASSERT_EQ(s.ring.size(), kRingSize);

    const auto count = shares(p, s);
    // Up with a weight: 21-24. Down (25) and weight 0 (26): no entry, and no stray index either.
    EXPECT_EQ(count.size(), 4u);
    const std::map<std::string, double> weight{
        {"192.0.2.21", 1}, {"192.0.2.22", 2}, {"192.0.2.23", 3}, {"192.0.2.24", 4}};
    for (const auto& [address, w] : weight) {
        ASSERT_TRUE(count.contains(address)) << address;
        // Maglev's bound (maglev.hpp): within N + 2 entries of size·w / S.
        EXPECT_NEAR(static_cast<double>(count.at(address)), kRingSize * w / 10.0, 4 + 2) << address;
    }

    EXPECT_TRUE(backend_of(p, "192.0.2.21").takes_new_flows);
    EXPECT_TRUE(backend_of(p, "192.0.2.24").takes_new_flows);
    EXPECT_FALSE(backend_of(p, "192.0.2.25").takes_new_flows);  // down: in the table, not in a ring
    EXPECT_FALSE(backend_of(p, "192.0.2.26").takes_new_flows);  // weight 0
    EXPECT_EQ(p.backends.size(), 6u);
}

TEST(LbPlan, TheRingIsTheMaglevTableOfAddressAndServicePort) {
    // The keys are the cross-host contract: "ADDRESS:PORT" with the service's port, whatever port
    // the real server was written with.
    VirtualServer vs = service("192.0.2.100", 8080, {real("192.0.2.21", 2), real("192.0.2.22", 1)});
    vs.real_servers[0].port = 0;
    const Plan p = plan({vs});
    const std::vector<MaglevBackend> expected_keys{{"192.0.2.21:8080", 2}, {"192.0.2.22:8080", 1}};
    const std::vector<std::uint16_t> table = build_maglev_table(expected_keys, kRingSize);
    std::vector<std::string> expected;
    for (std::uint16_t e : table) expected.push_back(e == 0 ? "192.0.2.21" : "192.0.2.22");
    EXPECT_EQ(ring_by_address(p, p.services.at(0)), expected);
}

TEST(LbPlan, ADynamicWeightReplacesTheConfiguredOne) {
    const std::vector<VirtualServer> config{
        service("192.0.2.100", 80, {real("192.0.2.21", 1), real("192.0.2.22", 1), real("192.0.2.23", 5)})};
    const ServiceKey k = key("192.0.2.100", 80);
    const HealthMap health{{{k, ip("192.0.2.21")}, {.up = true, .dynamic_weight = 3}},
                           {{k, ip("192.0.2.23")}, {.up = true, .dynamic_weight = 0}}};
    const Plan p = plan(config, health);
    const auto count = shares(p, p.services.at(0));
    EXPECT_EQ(count.size(), 2u);
    EXPECT_FALSE(count.contains("192.0.2.23"));  // dynamic weight 0: no new flows
    EXPECT_NEAR(static_cast<double>(count.at("192.0.2.21")), kRingSize * 3 / 4.0, 2 + 2);
    EXPECT_NEAR(static_cast<double>(count.at("192.0.2.22")), kRingSize * 1 / 4.0, 2 + 2);

    // A negative dynamic weight counts as 0; a down server's dynamic weight does not matter.
    const HealthMap odd{{{k, ip("192.0.2.21")}, {.up = true, .dynamic_weight = -4}},
                        {{k, ip("192.0.2.22")}, {.up = false, .dynamic_weight = 7}}};
    const Plan q = plan(config, odd);
    EXPECT_EQ(shares(q, q.services.at(0)), (std::map<std::string, std::size_t>{{"192.0.2.23", kRingSize}}));
}

TEST(LbPlan, HealthIsPerServiceEvenForASharedAddress) {
    // 192.0.2.21 serves both; it is down for :443 only. One backend, named by :80's ring alone.
    const std::vector<VirtualServer> config{service("192.0.2.100", 80, {real("192.0.2.21"), real("192.0.2.22")}),
                                            service("192.0.2.100", 443, {real("192.0.2.21"), real("192.0.2.22")})};
    const HealthMap health{{{key("192.0.2.100", 443), ip("192.0.2.21")}, {.up = false}}};
    const Plan p = plan(config, health);
    EXPECT_EQ(p.backends.size(), 2u);
    EXPECT_TRUE(shares(p, service_of(p, key("192.0.2.100", 80))).contains("192.0.2.21"));
    EXPECT_FALSE(shares(p, service_of(p, key("192.0.2.100", 443))).contains("192.0.2.21"));
    EXPECT_TRUE(backend_of(p, "192.0.2.21").takes_new_flows);
}

TEST(LbPlan, BothBalancersBuildTheSameRingsWhateverTheOrderOfTheFile) {
    const VirtualServer web =
        service("192.0.2.100", 80, {real("192.0.2.21", 3), real("192.0.2.22", 1), real("192.0.2.23", 2)});
    const VirtualServer dns =
        service("192.0.2.101", 53, {real("192.0.2.31"), real("192.0.2.32")}, ServiceProtocol::udp);
    VirtualServer web_reordered = web;
    std::reverse(web_reordered.real_servers.begin(), web_reordered.real_servers.end());
    std::swap(web_reordered.real_servers[0], web_reordered.real_servers[1]);
    VirtualServer dns_reordered = dns;
    std::reverse(dns_reordered.real_servers.begin(), dns_reordered.real_servers.end());
    const HealthMap health{{{key("192.0.2.100", 80), ip("192.0.2.22")}, {.up = false}}};

    const Plan a = plan({web, dns}, health);
    // The other balancer: another file order and, after its own history, other backend indices.
    const Assignment its_history{.service_ids = {{key("192.0.2.101", 53, ServiceProtocol::udp), 0}},
                                 .backend_indices = {{ip("192.0.2.23"), 0}, {ip("192.0.2.31"), 9}}};
    const Plan b = plan({dns_reordered, web_reordered}, health, its_history);

    for (const ServiceKey& k : {key("192.0.2.100", 80), key("192.0.2.101", 53, ServiceProtocol::udp)}) {
        EXPECT_EQ(ring_by_address(a, service_of(a, k)), ring_by_address(b, service_of(b, k))) << to_string(k);
    }
    EXPECT_NE(backend_of(a, "192.0.2.23").index, backend_of(b, "192.0.2.23").index);  // indices are local

    // The same input twice: the same plan, index for index.
    const Plan again = plan({web, dns}, health);
    EXPECT_EQ(again.backends, a.backends);
    for (std::size_t i = 0; i < a.services.size(); ++i) EXPECT_EQ(again.services[i].ring, a.services[i].ring);
}

TEST(LbPlan, TheSorryServerAloneWhenNoRealServerTakesFlows) {
    VirtualServer vs = service("192.0.2.100", 80, {real("192.0.2.21"), real("192.0.2.22", 0)});
    vs.sorry_server = SorryServer{ip("192.0.2.99"), 80, {}};
    const ServiceKey k = key("192.0.2.100", 80);

    const Plan up = plan({vs});
    EXPECT_EQ(up.services.at(0).holds, RingHolds::real_servers);
    // The default quorum, 1: had while some real server takes new flows.
    EXPECT_TRUE(up.services.at(0).quorum.up);
    EXPECT_EQ(shares(up, up.services.at(0)), (std::map<std::string, std::size_t>{{"192.0.2.21", kRingSize}}));
    EXPECT_FALSE(backend_of(up, "192.0.2.99").takes_new_flows);  // in the table, ready

    const Plan down = plan({vs}, {{{k, ip("192.0.2.21")}, {.up = false}}});
    EXPECT_EQ(down.services.at(0).holds, RingHolds::sorry_server);
    EXPECT_FALSE(down.services.at(0).quorum.up);
    EXPECT_EQ(shares(down, down.services.at(0)), (std::map<std::string, std::size_t>{{"192.0.2.99", kRingSize}}));
    EXPECT_TRUE(backend_of(down, "192.0.2.99").takes_new_flows);
    EXPECT_FALSE(backend_of(down, "192.0.2.21").takes_new_flows);
    // The sorry server's index does not move when it starts taking flows.
    EXPECT_EQ(backend_of(down, "192.0.2.99").index, backend_of(up, "192.0.2.99").index);
}

TEST(LbPlan, NoServerAndNoSorryServerIsARingOfNoBackend) {
    const std::vector<VirtualServer> config{service("192.0.2.100", 80, {real("192.0.2.21"), real("192.0.2.22")}),
                                            service("192.0.2.100", 81, {real("192.0.2.23", 0)}),
                                            service("192.0.2.100", 82, {})};
    const ServiceKey k = key("192.0.2.100", 80);
    const Plan p = plan(config, {{{k, ip("192.0.2.21")}, {.up = false}}, {{k, ip("192.0.2.22")}, {.up = false}}});
    ASSERT_EQ(p.services.size(), 3u);
    for (const PlannedService& s : p.services) {
        EXPECT_EQ(s.holds, RingHolds::nothing) << to_string(s.key);
        EXPECT_EQ(s.ring, std::vector<std::uint16_t>(kRingSize, kNoBackend)) << to_string(s.key);
    }
    for (const PlannedBackend& b : p.backends) EXPECT_FALSE(b.takes_new_flows) << b.address.to_string();
}

// Health for `k` with the first `down` of `addresses` down and the others up.
HealthMap first_down(const ServiceKey& k, const std::vector<std::string>& addresses, std::size_t down) {
    HealthMap health;
    for (std::size_t i = 0; i < addresses.size(); ++i) health[{k, ip(addresses[i])}] = {.up = i >= down};
    return health;
}

TEST(LbPlan, QuorumIsLostBelowQuorumLessHysteresisAndGainedAtQuorumPlusHysteresis) {
    const std::vector<std::string> servers{"192.0.2.21", "192.0.2.22", "192.0.2.23", "192.0.2.24"};
    VirtualServer vs = service("192.0.2.100", 80, {});
    for (const auto& a : servers) vs.real_servers.push_back(real(a));
    vs.sorry_server = SorryServer{ip("192.0.2.99"), 80, {}};
    vs.quorum = 3;
    vs.hysteresis = 1;
    const ServiceKey k = key("192.0.2.100", 80);

    // Servers down, one step after another, then back: lost at 1 live (< 3-1), regained at 4 (>= 3+1).
    const std::vector<std::pair<std::size_t, bool>> steps{{0, true},  {1, true},  {2, true}, {3, false},
                                                          {2, false}, {1, false}, {0, true}};
    Assignment previous;
    for (const auto& [down, quorum_up] : steps) {
        const Plan p = plan({vs}, first_down(k, servers, down), previous);
        const PlannedService& s = p.services.at(0);
        EXPECT_EQ(s.quorum.up, quorum_up) << down << " down";
        EXPECT_EQ(s.quorum.live_weight, static_cast<std::int64_t>(servers.size() - down)) << down << " down";
        EXPECT_EQ(s.holds, quorum_up ? RingHolds::real_servers : RingHolds::sorry_server) << down << " down";
        EXPECT_EQ(backend_of(p, "192.0.2.99").takes_new_flows, !quorum_up) << down << " down";
        // Without quorum the sorry server alone: a live real server takes no new flow.
        EXPECT_EQ(backend_of(p, "192.0.2.24").takes_new_flows, quorum_up) << down << " down";
        EXPECT_EQ(p.assignment().quorum_up, (std::map<ServiceKey, bool>{{k, quorum_up}}));
        previous = p.assignment();
    }
}

TEST(LbPlan, AFirstPlanHasQuorumOnlyAtQuorumPlusHysteresis) {
    const std::vector<std::string> servers{"192.0.2.21", "192.0.2.22", "192.0.2.23", "192.0.2.24"};
    VirtualServer vs = service("192.0.2.100", 80, {});
    for (const auto& a : servers) vs.real_servers.push_back(real(a));
    vs.quorum = 3;
    vs.hysteresis = 1;
    const ServiceKey k = key("192.0.2.100", 80);
    EXPECT_FALSE(plan({vs}, first_down(k, servers, 1)).services.at(0).quorum.up) << "3 live, 4 needed";
    EXPECT_TRUE(plan({vs}, first_down(k, servers, 0)).services.at(0).quorum.up);
    // The same 3 live, with quorum before: kept.
    EXPECT_TRUE(plan({vs}, first_down(k, servers, 1), {.quorum_up = {{k, true}}}).services.at(0).quorum.up);
}

TEST(LbPlan, WithoutASorryServerALostQuorumKeepsTheLiveRealServersInTheRing) {
    VirtualServer vs = service("192.0.2.100", 80, {real("192.0.2.21"), real("192.0.2.22"), real("192.0.2.23")});
    vs.quorum = 3;
    const ServiceKey k = key("192.0.2.100", 80);
    const Plan p = plan({vs}, {{{k, ip("192.0.2.21")}, {.up = false}}});
    const PlannedService& s = p.services.at(0);
    EXPECT_FALSE(s.quorum.up);
    EXPECT_EQ(s.holds, RingHolds::real_servers);
    EXPECT_EQ(shares(p, s).size(), 2u);
    EXPECT_TRUE(backend_of(p, "192.0.2.22").takes_new_flows);
}

TEST(LbPlan, TheLiveWeightCountsDynamicWeightsAndNotDrainedServers) {
    VirtualServer vs =
        service("192.0.2.100", 80, {real("192.0.2.21", 2), real("192.0.2.22", 3), real("192.0.2.23", 0)});
    vs.quorum = 4;
    const ServiceKey k = key("192.0.2.100", 80);
    EXPECT_EQ(plan({vs}).services.at(0).quorum.live_weight, 5);
    const Plan p = plan({vs}, {{{k, ip("192.0.2.22")}, {.up = true, .dynamic_weight = 1}}});
    EXPECT_EQ(p.services.at(0).quorum.live_weight, 3);
    EXPECT_FALSE(p.services.at(0).quorum.up) << "3 < 4";
}

TEST(LbPlan, AQuorumAboveTheWeightsAndAHysteresisNotBelowItAreLoweredAsKeepalivedDoes) {
    VirtualServer vs = service("192.0.2.100", 80, {real("192.0.2.21", 2), real("192.0.2.22", 2)});
    vs.quorum = 10;
    vs.hysteresis = 7;
    EXPECT_EQ(quorum_rule(vs).quorum, 4);
    EXPECT_EQ(quorum_rule(vs).hysteresis, 3);
    const Plan p = plan({vs});
    // keepalived's rule to the letter: gained at 4+3, which these weights never reach.
    EXPECT_EQ(p.services.at(0).quorum, (Quorum{.up = false, .live_weight = 4, .quorum = 4, .hysteresis = 3}));
    // Weights that add up to nothing leave the quorum as written: the service never has it.
    VirtualServer drained = service("192.0.2.100", 81, {real("192.0.2.21", 0)});
    drained.quorum = 2;
    EXPECT_EQ(quorum_rule(drained).quorum, 2);
    EXPECT_FALSE(plan({drained}).services.at(0).quorum.up);
}

TEST(LbPlan, PersistenceMapsOntoTheHashing) {
    VirtualServer plain = service("192.0.2.100", 80, {real("192.0.2.21")});
    VirtualServer timeout_only = plain;
    timeout_only.port = 81;
    timeout_only.persistence_timeout = Milliseconds{300'000};
    VirtualServer prefix = timeout_only;
    prefix.port = 82;
    prefix.persistence_granularity = 24;
    VirtualServer prefix_alone = plain;  // the readers never make this: it is not persistent
    prefix_alone.port = 83;
    prefix_alone.persistence_granularity = 16;

    const Plan p = plan({plain, timeout_only, prefix, prefix_alone});
    EXPECT_EQ(service_of(p, key("192.0.2.100", 80)).hashing, (Hashing{false, 32}));
    EXPECT_EQ(service_of(p, key("192.0.2.100", 81)).hashing, (Hashing{true, 32}));
    EXPECT_EQ(service_of(p, key("192.0.2.100", 82)).hashing, (Hashing{true, 24}));
    EXPECT_EQ(service_of(p, key("192.0.2.100", 83)).hashing, (Hashing{false, 32}));
}

TEST(LbPlan, IdsAreGivenInConfigurationOrderAndKeptAcrossPlans) {
    const VirtualServer a = service("192.0.2.100", 80, {real("192.0.2.21")});
    const VirtualServer b = service("192.0.2.100", 443, {real("192.0.2.21")});
    const VirtualServer c = service("192.0.2.101", 53, {real("192.0.2.31")}, ServiceProtocol::udp);
    const VirtualServer d = service("192.0.2.101", 53, {real("192.0.2.31")}, ServiceProtocol::tcp);

    const Plan first = plan({b, a});
    EXPECT_EQ(service_of(first, key("192.0.2.100", 443)).id, 0);
    EXPECT_EQ(service_of(first, key("192.0.2.100", 80)).id, 1);

    // c is added before both in the file: they keep their ids, c takes the lowest free one.
    const Plan second = plan({c, a, b}, {}, first.assignment());
    EXPECT_EQ(service_of(second, key("192.0.2.100", 443)).id, 0);
    EXPECT_EQ(service_of(second, key("192.0.2.100", 80)).id, 1);
    EXPECT_EQ(service_of(second, key("192.0.2.101", 53, ServiceProtocol::udp)).id, 2);

    // b goes; d (same VIP and port as c, other protocol: another service) takes b's id.
    const Plan third = plan({d, c, a}, {}, second.assignment());
    EXPECT_EQ(service_of(third, key("192.0.2.100", 80)).id, 1);
    EXPECT_EQ(service_of(third, key("192.0.2.101", 53, ServiceProtocol::udp)).id, 2);
    EXPECT_EQ(service_of(third, key("192.0.2.101", 53, ServiceProtocol::tcp)).id, 0);

    // A health change alone changes no id.
    const Plan fourth =
        plan({d, c, a}, {{{key("192.0.2.100", 80), ip("192.0.2.21")}, {.up = false}}}, third.assignment());
    for (const PlannedService& s : third.services) EXPECT_EQ(service_of(fourth, s.key).id, s.id);
}

TEST(LbPlan, APreviousAssignmentThatCannotHoldIsIgnoredWhereItCannot) {
    const VirtualServer a = service("192.0.2.100", 80, {real("192.0.2.21")});
    const VirtualServer b = service("192.0.2.100", 81, {real("192.0.2.22")});
    const VirtualServer c = service("192.0.2.100", 82, {real("192.0.2.23")});
    // b's id is out of range; c claims a's id (a comes first in key order, so a keeps it).
    const Assignment broken{
        .service_ids = {{key("192.0.2.100", 80), 5}, {key("192.0.2.100", 81), 200}, {key("192.0.2.100", 82), 5}},
        .backend_indices = {{ip("192.0.2.21"), 4096}, {ip("192.0.2.22"), 7}, {ip("192.0.2.23"), 7}}};
    const Plan p = plan({c, b, a}, {}, broken);
    EXPECT_EQ(service_of(p, key("192.0.2.100", 80)).id, 5);
    EXPECT_EQ(service_of(p, key("192.0.2.100", 82)).id, 0);
    EXPECT_EQ(service_of(p, key("192.0.2.100", 81)).id, 1);
    EXPECT_EQ(backend_of(p, "192.0.2.22").index, 7);
    EXPECT_EQ(backend_of(p, "192.0.2.21").index, 0);
    EXPECT_EQ(backend_of(p, "192.0.2.23").index, 1);
}

TEST(LbPlan, BackendIndicesStayWithTheirAddresses) {
    const VirtualServer web = service("192.0.2.100", 80, {real("192.0.2.30"), real("192.0.2.40")});
    const Plan first = plan({web});
    EXPECT_EQ(backend_of(first, "192.0.2.30").index, 0);  // fresh: in address order from 0
    EXPECT_EQ(backend_of(first, "192.0.2.40").index, 1);

    // Addresses that sort before the others join, one of them twice (one backend), and a sorry
    // server; 192.0.2.30 leaves. 40 keeps 1; the new ones, in address order, fill 0, then 2, 3.
    VirtualServer web2 = service("192.0.2.100", 80, {real("192.0.2.40"), real("192.0.2.20")});
    web2.sorry_server = SorryServer{ip("192.0.2.9"), 80, {}};
    const VirtualServer other = service("192.0.2.101", 80, {real("192.0.2.10"), real("192.0.2.20")});
    const Plan second = plan({web2, other}, {}, first.assignment());
    EXPECT_EQ(second.backends, (std::vector<PlannedBackend>{{0, ip("192.0.2.9"), false},
                                                            {1, ip("192.0.2.40"), true},
                                                            {2, ip("192.0.2.10"), true},
                                                            {3, ip("192.0.2.20"), true}}));
}

TEST(LbPlan, SixtyFiveServicesAreAnError) {
    std::vector<VirtualServer> config;
    for (int port = 1; port <= 64; ++port) config.push_back(service("192.0.2.100", port, {real("192.0.2.21")}));
    const Plan p = plan(config);
    EXPECT_EQ(p.services.size(), 64u);
    std::vector<bool> seen(kMaxServices, false);
    for (const PlannedService& s : p.services) {
        ASSERT_LT(s.id, kMaxServices);
        EXPECT_FALSE(seen[s.id]) << "id " << int{s.id} << " twice";
        seen[s.id] = true;
    }

    config.push_back(service("192.0.2.100", 65, {real("192.0.2.21")}));
    try {
        plan(config);
        ADD_FAILURE() << "65 services planned";
    } catch (const PlanError& e) {
        EXPECT_THAT(e.what(), HasSubstr("65 virtual services"));
        EXPECT_THAT(e.what(), HasSubstr("64"));
    }
    // A skipped service does not count.
    config.back().address = ip("2001:db8::1");
    EXPECT_EQ(plan(config).services.size(), 64u);
}

TEST(LbPlan, MoreBackendAddressesThanTheTableHoldsAreAnError) {
    // 17 services of 241 real servers each: 4097 distinct addresses, each service within its limit.
    std::vector<VirtualServer> config;
    int made = 0;
    for (int port = 1; port <= 17; ++port) {
        std::vector<RealServer> servers;
        for (int i = 0; i < 241; ++i, ++made) {
            servers.push_back(real("10.0." + std::to_string(made / 256) + "." + std::to_string(made % 256)));
        }
        config.push_back(service("192.0.2.100", port, std::move(servers)));
    }
    ASSERT_EQ(made, 4097);
    try {
        plan(config);
        ADD_FAILURE() << "4097 backends planned";
    } catch (const PlanError& e) {
        EXPECT_THAT(e.what(), HasSubstr("4097 distinct"));
        EXPECT_THAT(e.what(), HasSubstr("4096"));
    }
}

TEST(LbPlan, ServicesItCannotPlanAreSkippedWithAReason) {
    const VirtualServer good = service("192.0.2.100", 80, {real("192.0.2.21")});
    std::vector<std::pair<VirtualServer, std::string>> bad;
    bad.emplace_back(service("2001:db8::100", 80, {real("192.0.2.22")}), "not IPv4");
    bad.emplace_back(service("192.0.2.100", 81, {real("2001:db8::22")}), "real server 2001:db8::22 is not IPv4");
    bad.emplace_back(service("192.0.2.100", 82, {real("192.0.2.22"), real("192.0.2.22")}), "listed twice");
    bad.emplace_back(service("192.0.2.100", 0, {real("192.0.2.22")}), "port 0");
    bad.emplace_back(service("192.0.2.100", 70000, {real("192.0.2.22")}), "port 70000");
    bad.emplace_back(service("192.0.2.100", 83, {real("192.0.2.22", -1)}), "weight -1");
    bad.emplace_back(service("192.0.2.100", 84, {real("192.0.2.22", 65536)}), "weight 65536");
    bad.emplace_back(service("192.0.2.100", 80, {real("192.0.2.22")}), "same service");
    VirtualServer coarse = service("192.0.2.100", 85, {real("192.0.2.22")});
    coarse.persistence_timeout = Milliseconds{1000};
    coarse.persistence_granularity = 33;
    bad.emplace_back(coarse, "persistence_granularity 33");
    VirtualServer sorry6 = service("192.0.2.100", 86, {real("192.0.2.22")});
    sorry6.sorry_server = SorryServer{ip("2001:db8::99"), 86, {}};
    bad.emplace_back(sorry6, "sorry server is not IPv4");
    VirtualServer crowded = service("192.0.2.100", 87, {});
    for (int i = 0; i <= 256; ++i)
        crowded.real_servers.push_back(real("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256)));
    bad.emplace_back(crowded, "257 real servers");

    std::vector<VirtualServer> config{good};
    for (const auto& [vs, reason] : bad) config.push_back(vs);
    const Plan p = plan(config);
    ASSERT_EQ(p.services.size(), 1u);
    EXPECT_EQ(p.services[0].key, key("192.0.2.100", 80));
    // Only the planned service's servers are backends.
    EXPECT_EQ(p.backends, (std::vector<PlannedBackend>{{0, ip("192.0.2.21"), true}}));
    ASSERT_EQ(p.skipped.size(), bad.size());
    for (std::size_t i = 0; i < bad.size(); ++i) EXPECT_THAT(p.skipped[i].reason, HasSubstr(bad[i].second)) << i;
    EXPECT_EQ(p.skipped[0].service, "tcp [2001:db8::100]:80");
    EXPECT_EQ(p.skipped[4].service, "tcp 192.0.2.100:70000");
}

TEST(LbPlan, TheAssignmentIsWhatThePlanGaveOut) {
    VirtualServer web = service("192.0.2.100", 80, {real("192.0.2.21"), real("192.0.2.22")});
    web.sorry_server = SorryServer{ip("192.0.2.99"), 80, {}};
    const Plan p = plan({web}, {}, {.service_ids = {{key("192.0.2.100", 80), 17}}});
    const Assignment a = p.assignment();
    EXPECT_EQ(a.service_ids, (std::map<ServiceKey, std::uint8_t>{{key("192.0.2.100", 80), 17}}));
    EXPECT_EQ(a.backend_indices, (std::map<IpAddress, std::uint16_t>{
                                     {ip("192.0.2.21"), 0}, {ip("192.0.2.22"), 1}, {ip("192.0.2.99"), 2}}));
}

}  // namespace
}  // namespace xvip::lb
