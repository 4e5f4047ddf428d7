// Fast failover in the data plane (docs/architecture.md, "Fast failover"): on the active node, the
// designation of one successor among those that ask (Up to the highest, AdminDown to the others);
// on a successor, what it learns from adverts, the answers it records, and the detector (a
// bpf_timer) that takes over when requests go unanswered and reverts when the old active answers
// after all. Each test loads a fresh program, so every counter but the ones named stays at zero.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "xdp_scenario.hpp"

namespace xvip::test {
namespace {

using namespace std::chrono_literals;

const IpAddress successor_a = ip("192.0.2.98");
const IpAddress successor_b = ip("192.0.2.97");
const Mac successor_mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x98};
const IpAddress own4 = client4;  // the successor's own address, when the node under test is one
constexpr std::uint16_t bfd_port = 3784;
constexpr std::uint16_t answer_port = 49152 + instance4;
constexpr std::uint32_t answer_discriminator = 0x58560000u | instance4;
constexpr std::uint8_t our_priority = 100;

std::uint32_t request_discriminator(std::uint8_t priority) {
    return xvip_bfd_request_discriminator(instance4, priority);
}

struct Bfd {
    std::uint8_t diag = 0;
    std::uint8_t state = 3;  // Up
    std::uint8_t flags = 0;
    std::uint8_t multiplier = 3;
    std::uint32_t my = 0;
    std::uint32_t your = answer_discriminator;
    std::uint32_t desired_tx = 1'000;  // µs
    std::uint32_t required_rx = 1'000;
};

Bytes control(const Bfd& f) {
    Bytes b{static_cast<std::uint8_t>(1 << 5 | f.diag), static_cast<std::uint8_t>(f.state << 6 | f.flags), f.multiplier,
            24};
    for (const std::uint32_t word : {f.my, f.your, f.desired_tx, f.required_rx, std::uint32_t{0}}) {
        for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(word >> shift));
    }
    return b;
}

// A successor's request to the VIP, addressed to this (the active) node's MAC.
Bytes request(const IpAddress& from, std::uint8_t priority, Bfd f = {}) {
    f.my = request_discriminator(priority);
    return ethernet(node_mac, successor_mac, ethertype_ipv4,
                    ipv4({.src = from, .dst = vip4, .protocol = 17, .ttl = 255}, udp(50000, bfd_port, control(f))));
}

// The active node's answer to this node's request, as its program builds it.
Bytes answer(std::uint8_t state, std::uint8_t ttl = 255, std::uint16_t source_port = answer_port,
             const IpAddress& from = vip4, std::uint32_t my = answer_discriminator,
             std::uint32_t your = xvip_bfd_request_discriminator(instance4, our_priority)) {
    const Bfd f{.state = state, .my = my, .your = your};
    return ethernet(
        node_mac, other_mac, ethertype_ipv4,
        ipv4({.src = from, .dst = own4, .protocol = 17, .ttl = ttl}, udp(source_port, bfd_port, control(f))));
}

// A VRRPv3 advert for VRID 51 from the active node (other_mac, 192.0.2.5).
Bytes advert(std::uint8_t priority = 150) {
    const auto vip = vip4.bytes();
    Bytes m{0x31, 51, priority, 1, 0, 100, 0, 0};
    for (const std::uint8_t byte : vip) m.push_back(byte);
    return ethernet(Mac{0x01, 0x00, 0x5e, 0, 0, 0x12}, other_mac, ethertype_ipv4,
                    ipv4({.src = ip("192.0.2.5"), .dst = ip("224.0.0.18"), .protocol = 112, .ttl = 255}, m));
}

std::uint8_t answered_state(const RunResult& r) {
    return r.output.size() >= 14 + 20 + 8 + 2 ? r.output[14 + 20 + 8 + 1] >> 6 : 0xff;
}
std::uint8_t answered_diag(const RunResult& r) {
    return r.output.size() >= 14 + 20 + 8 + 1 ? r.output[14 + 20 + 8] & 0x1f : 0xff;
}

// Every counter but those named is zero.
void expect_only(const xvip_counters& c, std::initializer_list<std::pair<__u64 xvip_counters::*, __u64>> named) {
    xvip_counters expected{};
    for (const auto& [field, value] : named) expected.*field = value;
    const auto* got = reinterpret_cast<const __u64*>(&c);
    const auto* want = reinterpret_cast<const __u64*>(&expected);
    for (std::size_t i = 0; i < sizeof c / sizeof(__u64); ++i) EXPECT_EQ(got[i], want[i]) << "counter #" << i;
}

class XdpFastFailover : public ::testing::Test {
protected:
    XdpFastFailover() {
        set_up(xdp, Situation::standby);
        // As xvipd writes it for every multicast instance: what an advert is judged against.
        xdp.write_guard(instance4, {.priority = our_priority, .version = 3, .primary = own4});
    }

    const InstanceKey key = InstanceKey::from_index(instance4);

    void become_active() { xdp.write_state(instance4, StateWord::active_until(monotonic_now() + 10s)); }
    void arm(std::chrono::milliseconds interval = 1ms, std::uint8_t multiplier = 3) {
        xdp.dataplane().configure_fast_failover(
            key, {.interval = interval, .multiplier = multiplier, .priority = our_priority});
    }
    void send_request() { xdp.dataplane().prepare_fast_request(key, StateWord::active_until(monotonic_now() + 3s)); }
    FastFailoverStatus status() { return xdp.dataplane().fast_failover_status(key); }

    // Waits up to `limit` for the instance to play `role`; the time it took, or nullopt.
    std::optional<Duration> wait_for_role(XdpRole role, Duration limit) {
        const TimePoint start = monotonic_now();
        while (monotonic_now() - start < limit) {
            if (xdp.role(instance4) == role) return monotonic_now() - start;
            std::this_thread::sleep_for(100us);
        }
        return std::nullopt;
    }

    XdpHarness xdp;
};

// --- The active node: one designated successor ---

TEST_F(XdpFastFailover, TheOnlySuccessorIsAnsweredUp) {
    become_active();
    const RunResult r = xdp.run(request(successor_a, 100));
    EXPECT_EQ(r.verdict, XDP_TX);
    EXPECT_EQ(answered_state(r), 3);
    expect_only(xdp.counters(), {{&xvip_counters::bfd_reply, 1}});
}

TEST_F(XdpFastFailover, ALowerSuccessorGetsAdminDownWithDiag7) {
    become_active();
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 150))), 3);
    const RunResult lower = xdp.run(request(successor_b, 100));
    EXPECT_EQ(lower.verdict, XDP_TX);
    EXPECT_EQ(answered_state(lower), 0);
    EXPECT_EQ(answered_diag(lower), 7);
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 150))), 3);
    expect_only(xdp.counters(), {{&xvip_counters::bfd_reply, 2}, {&xvip_counters::bfd_reply_not_designated, 1}});
}

// How long after its latest Up answer a successor may still be armed, as the active node counts
// it: twice its arming time (default request: 3 x 1 ms).
const auto up_hold = std::chrono::nanoseconds(2 * xvip_fast_arming_ns(3'000'000));

TEST_F(XdpFastFailover, AHigherSuccessorIsHeldAtInitUntilTheOneAnsweredUpCanNoLongerBeArmed) {
    become_active();
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 3);
    // .98 outranks .97 at once, but .97 may still be armed: .98 gets Init, .97 AdminDown.
    const RunResult held = xdp.run(request(successor_a, 150));
    EXPECT_EQ(held.verdict, XDP_TX);
    EXPECT_EQ(answered_state(held), 2);
    EXPECT_EQ(answered_diag(held), 0);
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 0);
    std::this_thread::sleep_for(up_hold + 5ms);
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 150))), 3);
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 0);
    expect_only(xdp.counters(), {{&xvip_counters::bfd_reply, 2},
                                 {&xvip_counters::bfd_reply_held, 1},
                                 {&xvip_counters::bfd_reply_not_designated, 2}});
}

TEST_F(XdpFastFailover, AHeldSuccessorThatIsStillDownIsAnsweredInitAsAnyOther) {
    become_active();
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 3);
    // A successor starting its session (Down) is answered Init whether held or not: not counted held.
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 150, {.state = 1}))), 2);
    expect_only(xdp.counters(), {{&xvip_counters::bfd_reply, 2}});
}

TEST_F(XdpFastFailover, AtEqualPriorityTheHigherAddressIsDesignated) {
    become_active();
    // .97 asks first; .98, higher, is designated as soon as it asks, and answered Up once .97 can
    // no longer be armed.
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 3);
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 100))), 2);
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 0);
    std::this_thread::sleep_for(up_hold + 5ms);
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 100))), 3);
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 0);
}

TEST_F(XdpFastFailover, ADesignatedSuccessorLateByMoreThanItsDetectionTimeKeepsTheDesignation) {
    become_active();
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 150))), 3);
    // 3 x 1 ms detection; its daemon's next request is 20 ms late: a lower one is not designated.
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 0);
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 150))), 3);
}

TEST_F(XdpFastFailover, ASuccessorSilentForTheHoldIsForgotten) {
    become_active();
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 150))), 3);
    std::this_thread::sleep_for(std::chrono::nanoseconds(XVIP_FAST_REQUESTER_HOLD_NS) + 5ms);
    EXPECT_EQ(answered_state(xdp.run(request(successor_b, 100))), 3);
}

TEST_F(XdpFastFailover, APlainBfdPeerIsAnsweredUpWhateverTheSuccessors) {
    become_active();
    EXPECT_EQ(answered_state(xdp.run(request(successor_a, 150))), 3);
    Bfd plain{.state = 3};
    plain.my = 0x11;
    const Bytes frame = ethernet(
        node_mac, client_mac, ethertype_ipv4,
        ipv4({.src = successor_b, .dst = vip4, .protocol = 17, .ttl = 255}, udp(50000, bfd_port, control(plain))));
    EXPECT_EQ(answered_state(xdp.run(frame)), 3);
}

TEST_F(XdpFastFailover, AStandbyAnswersNoSuccessor) {
    EXPECT_EQ(xdp.run(request(successor_a, 150)).verdict, XDP_DROP);
    expect_only(xdp.counters(), {{&xvip_counters::bfd_drop_inactive, 1}});
}

// --- The successor: learning and recording ---

TEST_F(XdpFastFailover, AnAdvertTeachesTheActiveNodesMac) {
    arm();
    EXPECT_EQ(xdp.run(advert()).verdict, XDP_PASS);
    const auto s = status();
    ASSERT_TRUE(s.active_mac);
    EXPECT_EQ(*s.active_mac, other_mac);
    EXPECT_EQ(s.active_address, ip("192.0.2.5"));
    expect_only(xdp.counters(), {{&xvip_counters::pass_not_vip, 1}});
}

TEST_F(XdpFastFailover, NothingIsLearntWithFastFailoverOffOrFromAResignation) {
    xdp.run(advert());
    EXPECT_FALSE(status().active_mac);
    arm();
    xdp.run(advert(0));
    EXPECT_FALSE(status().active_mac);
}

TEST_F(XdpFastFailover, AnUpAnswerIsRecordedDroppedAndArms) {
    arm();
    send_request();
    const RunResult r = xdp.run(answer(3));
    EXPECT_EQ(r.verdict, XDP_DROP);
    const auto s = status();
    EXPECT_TRUE(s.armed);
    EXPECT_EQ(s.answer_state, 3);
    EXPECT_EQ(s.answers, 1u);
    EXPECT_TRUE(s.last_answer);
    expect_only(xdp.counters(), {{&xvip_counters::bfd_answer, 1}});
}

TEST_F(XdpFastFailover, TheDetectorsMarginIsRecordedWhileArmed) {
    arm();
    send_request();
    xdp.run(answer(0));  // not armed yet: no margin is taken from this one
    send_request();
    xdp.run(answer(3));
    EXPECT_EQ(status().most_unanswered, 0u);
    EXPECT_EQ(status().largest_gap, Duration{});
    send_request();
    send_request();
    std::this_thread::sleep_for(5ms);
    xdp.run(answer(3));
    const auto s = status();
    EXPECT_EQ(s.most_unanswered, 2u);
    EXPECT_GE(s.largest_gap, 5ms);
    EXPECT_LT(s.largest_gap, 1s);
    send_request();
    xdp.run(answer(3));
    EXPECT_EQ(status().most_unanswered, 2u) << "the most, not the latest";
    EXPECT_EQ(status().largest_gap, s.largest_gap);
}

TEST_F(XdpFastFailover, AnAdminDownAnswerDisarms) {
    arm();
    xdp.run(answer(3));
    EXPECT_EQ(xdp.run(answer(0)).verdict, XDP_DROP);
    EXPECT_FALSE(status().armed);
    EXPECT_EQ(status().answer_state, 0);
}

TEST_F(XdpFastFailover, WhatIsNoAnswerToOurRequestIsLeftAlone) {
    arm();
    const std::vector<std::pair<std::string, Bytes>> others{
        {"ttl 254", answer(3, 254)},
        {"another source port", answer(3, 255, answer_port + 1)},
        {"from an address that is no VIP", answer(3, 255, answer_port, ip("192.0.2.5"))},
        {"another My Discriminator", answer(3, 255, answer_port, vip4, 0x11)},
        {"a Your Discriminator that is not a request", answer(3, 255, answer_port, vip4, answer_discriminator, 0x11)},
        {"a request of another instance", answer(3, 255, answer_port, vip4, answer_discriminator,
                                                 xvip_bfd_request_discriminator(instance4 + 1, our_priority))},
    };
    for (const auto& [what, frame] : others) {
        EXPECT_EQ(xdp.run(frame).verdict, XDP_PASS) << what;
    }
    EXPECT_EQ(status().answers, 0u);
    expect_only(xdp.counters(), {{&xvip_counters::pass_not_vip, others.size()}});
}

TEST_F(XdpFastFailover, AnswersPassWhereFastFailoverIsOff) {
    EXPECT_EQ(xdp.run(answer(3)).verdict, XDP_PASS);
    expect_only(xdp.counters(), {{&xvip_counters::pass_not_vip, 1}});
}

// --- The detector (a bpf_timer: it runs after the test run returns) ---

TEST_F(XdpFastFailover, UnansweredRequestsTakeOverOnceTheLatestAnswerIsMultiplierIntervalsOld) {
    arm(1ms, 3);
    send_request();
    const TimePoint before_answer = monotonic_now();
    xdp.run(answer(3));
    for (int i = 0; i < 3; ++i) {
        send_request();
        std::this_thread::sleep_for(1ms);
    }
    const auto took = wait_for_role(XdpRole::active, 200ms);
    ASSERT_TRUE(took) << "the detector never took over";
    const auto s = status();
    ASSERT_TRUE(s.takeover);
    ASSERT_TRUE(s.last_answer);
    EXPECT_GE(*s.takeover - *s.last_answer, 3ms);
    EXPECT_GE(*s.takeover - before_answer, 3ms);
    EXPECT_FALSE(s.armed);
    const auto events = xdp.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, XVIP_EVENT_FAST_TAKEOVER);
    EXPECT_EQ(events[0].instance, instance4);
}

TEST_F(XdpFastFailover, RequestsOutSoonerStillWaitForTheDetectionTime) {
    arm(1ms, 3);
    send_request();
    xdp.run(answer(3));
    for (int i = 0; i < 3; ++i) send_request();  // all three out at once
    ASSERT_TRUE(wait_for_role(XdpRole::active, 200ms)) << "the detector never took over";
    const auto s = status();
    ASSERT_TRUE(s.takeover && s.last_answer);
    EXPECT_GE(*s.takeover - *s.last_answer, 3ms);
}

TEST_F(XdpFastFailover, TheSilenceCountsFromTheLatestAnswerNotFromTheFirstUnansweredRequest) {
    // 20 ms x 3, and the requests leave 30 ms after the answer: counted from the answer the
    // takeover comes at 60 ms; counted from the first of those requests it would come at 90.
    arm(20ms, 3);
    send_request();
    xdp.run(answer(3));
    std::this_thread::sleep_for(30ms);
    for (int i = 0; i < 3; ++i) send_request();
    ASSERT_TRUE(wait_for_role(XdpRole::active, 500ms)) << "the detector never took over";
    const auto s = status();
    ASSERT_TRUE(s.takeover && s.last_answer);
    EXPECT_GE(*s.takeover - *s.last_answer, 60ms);
    // The slack covers the timer's own lateness on a loaded (or emulated) machine.
    EXPECT_LT(*s.takeover - *s.last_answer, 80ms);
}

TEST_F(XdpFastFailover, ALateLastRequestTakesOverWithinAnEighthOfAnInterval) {
    // A long interval, so that waiting for the next whole interval would show: 20 ms x 3.
    arm(20ms, 3);
    send_request();
    xdp.run(answer(3));
    send_request();
    send_request();
    std::this_thread::sleep_for(75ms);  // past the 60 ms detection time with two requests out
    ASSERT_EQ(xdp.role(instance4), XdpRole::standby);
    send_request();
    const TimePoint third = monotonic_now();
    ASSERT_TRUE(wait_for_role(XdpRole::active, 500ms)) << "the detector never took over";
    const auto s = status();
    ASSERT_TRUE(s.takeover);
    // It looks again every 2.5 ms (a whole interval would be 20); the slack covers the timer's
    // own lateness on a loaded (or emulated) machine.
    EXPECT_LT(*s.takeover - third, 10ms);
}

TEST_F(XdpFastFailover, FewerThanMultiplierUnansweredRequestsNeverTakeOver) {
    arm(1ms, 3);
    send_request();
    xdp.run(answer(3));
    send_request();
    send_request();  // two unanswered: a stalled daemon sends no third
    EXPECT_FALSE(wait_for_role(XdpRole::active, 30ms));
    EXPECT_TRUE(xdp.events().empty());
}

TEST_F(XdpFastFailover, AnArmingWithNoAnswerForTheArmingTimeLapsesAndNeverTakesOver) {
    arm(1ms, 3);
    send_request();
    xdp.run(answer(3));
    ASSERT_TRUE(status().armed);
    // The daemon stalls past the arming time (2 x 3 ms + 50 ms): by then the active node may have
    // armed another successor, so this one must not take over when its requests resume.
    std::this_thread::sleep_for(std::chrono::nanoseconds(xvip_fast_arming_ns(3'000'000)) + 10ms);
    EXPECT_FALSE(status().armed);
    for (int i = 0; i < 3; ++i) {
        send_request();
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_FALSE(wait_for_role(XdpRole::active, 30ms));
    EXPECT_TRUE(xdp.events().empty());
}

TEST_F(XdpFastFailover, AnAdminDownAnswerMeansNoTakeover) {
    arm(1ms, 3);
    send_request();
    xdp.run(answer(3));
    xdp.run(answer(0));
    for (int i = 0; i < 3; ++i) send_request();
    EXPECT_FALSE(wait_for_role(XdpRole::active, 30ms));
}

TEST_F(XdpFastFailover, AWordThatIsNotStandbyIsNeverSwapped) {
    arm(1ms, 3);
    send_request();
    xdp.run(answer(3));
    xdp.write_state(instance4, StateWord::draining_until(monotonic_now() + 10s));
    for (int i = 0; i < 3; ++i) send_request();
    EXPECT_FALSE(wait_for_role(XdpRole::active, 30ms));
    EXPECT_EQ(xdp.role(instance4), XdpRole::draining);
}

TEST_F(XdpFastFailover, AnUpAnswerAfterATakeoverRevertsIt) {
    arm(1ms, 3);
    send_request();
    xdp.run(answer(3));
    for (int i = 0; i < 3; ++i) send_request();
    ASSERT_TRUE(wait_for_role(XdpRole::active, 200ms));
    xdp.events();
    EXPECT_EQ(xdp.run(answer(3)).verdict, XDP_DROP);
    EXPECT_EQ(xdp.role(instance4), XdpRole::standby);
    const auto events = xdp.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, XVIP_EVENT_FAST_REVERTED);
}

TEST_F(XdpFastFailover, AnUpAnswerToAnActiveNodeThatDidNotTakeOverFastChangesNothing) {
    arm();
    become_active();
    EXPECT_EQ(xdp.run(answer(3)).verdict, XDP_DROP);
    EXPECT_EQ(xdp.role(instance4), XdpRole::active);
    EXPECT_TRUE(xdp.events().empty());
}

}  // namespace
}  // namespace xvip::test
