// The chaos soak's rules (tests/soak/analysis.hpp) on made-up recordings: each bound catches what
// it names and lets through what it allows.
#include "soak/analysis.hpp"

#include <gtest/gtest.h>

#include <string>

namespace xvip::soak {
namespace {

using namespace std::chrono;

constexpr std::uint8_t kNode0 = 1, kNode1 = 2;
constexpr TimePoint kStart{seconds(100)};  // the ARP recording's slot 0

// A recording of `total` ms in which node0 answers, then node1 from `handover_ms` on, with
// `both_ms` of overlap before it and `none_ms` of silence instead (one of the two is zero).
ClientView handover(int total, int handover_ms, int both_ms, int none_ms) {
    ClientView v{.arp_start = kStart};
    for (int i = 0; i < total; ++i) {
        std::uint8_t mask = i < handover_ms ? kNode0 : kNode1;
        if (i >= handover_ms - both_ms && i < handover_ms) mask = kNode0 | kNode1;
        if (i >= handover_ms && i < handover_ms + none_ms) mask = 0;
        v.arp_slots.push_back(mask);
        if (mask != 0) v.echo_replies.push_back(kStart + milliseconds(i) + microseconds(300));
    }
    return v;
}

Fault fault(FaultKind kind, bool on_active) {
    Fault f;
    f.number = 1;
    f.kind = kind;
    f.target_active = on_active;
    f.injected = kStart + milliseconds(100);
    f.healed = kStart + milliseconds(600);
    f.settled = kStart + milliseconds(1500);
    f.quiet_end = kStart + milliseconds(3000);
    return f;
}

const Timing kTiming{
    .advert = milliseconds(100), .round_trip = microseconds(200), .successor_master_down = microseconds(360'938)};

TEST(SoakRuns, LongestRunOfTwoAnsweringAndOfSilence) {
    const auto v = handover(2000, 800, 30, 0);
    const auto both = longest_run(v, kStart, kStart + seconds(2), 2);
    EXPECT_EQ(both.length, milliseconds(30));
    EXPECT_EQ(both.begin, kStart + milliseconds(770));
    EXPECT_EQ(longest_run(v, kStart, kStart + seconds(2), 0).length, nanoseconds(0));
    const auto gap = handover(2000, 800, 0, 45);
    EXPECT_EQ(longest_run(gap, kStart, kStart + seconds(2), 0).length, milliseconds(45));
}

TEST(SoakRuns, WindowClipsTheRunAndTheRecording) {
    const auto v = handover(2000, 800, 0, 45);
    // Only 20 of the 45 silent slots are in the window.
    EXPECT_EQ(longest_run(v, kStart, kStart + milliseconds(820), 0).length, milliseconds(20));
    // A window reaching past the recording counts only recorded slots.
    EXPECT_EQ(longest_run(v, kStart + milliseconds(1990), kStart + seconds(5), 0).length, nanoseconds(0));
    EXPECT_EQ(longest_run(v, kStart - seconds(5), kStart - seconds(1), 0).length, nanoseconds(0));
}

TEST(SoakRuns, ReplyGapIncludesTheWindowEdges) {
    ClientView v;
    v.echo_replies = {kStart + milliseconds(10), kStart + milliseconds(11), kStart + milliseconds(50),
                      kStart + milliseconds(51)};
    EXPECT_EQ(longest_reply_gap(v, kStart, kStart + milliseconds(60)), milliseconds(39));
    EXPECT_EQ(longest_reply_gap(v, kStart, kStart + milliseconds(200)), milliseconds(149));
    EXPECT_EQ(longest_reply_gap(v, kStart + milliseconds(60), kStart + milliseconds(70)), milliseconds(10));
}

TEST(SoakBounds, KillOfTheActiveNodeBoundsBothTwoAnsweringAndSilence) {
    const auto f = fault(FaultKind::kill, true);
    const auto limits = limits_for(f, kTiming);
    ASSERT_TRUE(limits.both_answer && limits.silence);
    EXPECT_EQ(*limits.both_answer, milliseconds(100) + microseconds(200) + milliseconds(1));
    EXPECT_EQ(*limits.silence, microseconds(360'938) + milliseconds(5) + milliseconds(1));

    EXPECT_TRUE(assess(f, kTiming, handover(3000, 800, 0, 60), {}).violations.empty());
    const auto silent = assess(f, kTiming, handover(3000, 800, 0, 380), {});
    ASSERT_EQ(silent.violations.size(), 1u);
    EXPECT_NE(silent.violations[0].find("no node answered ARP for 380.0 ms"), std::string::npos);
    const auto both = assess(f, kTiming, handover(3000, 800, 150, 0), {});
    ASSERT_EQ(both.violations.size(), 1u);
    EXPECT_NE(both.violations[0].find("two nodes answered ARP at once for 150.0 ms"), std::string::npos);
}

TEST(SoakBounds, WithFastFailoverTheDesignatedSuccessorsSilenceIsItsDetectionTime) {
    const auto f = fault(FaultKind::link_down, true);
    Timing fast = kTiming;
    fast.successor_fast_detection = milliseconds(3);
    const auto limits = limits_for(f, fast);
    ASSERT_TRUE(limits.silence);
    EXPECT_EQ(*limits.silence, milliseconds(3) + milliseconds(5) + milliseconds(1));
    EXPECT_TRUE(assess(f, fast, handover(3000, 800, 0, 8), {}).violations.empty());
    EXPECT_EQ(assess(f, fast, handover(3000, 800, 0, 60), {}).violations.size(), 1u)
        << "60 ms is within the MDI, not within fast failover's bound";
}

TEST(SoakBounds, RequestsThatLeftLateWidenTheFastBoundByTheirDelayOnly) {
    const auto f = fault(FaultKind::link_down, true);
    Timing fast = kTiming;
    fast.successor_fast_detection = milliseconds(3);
    fast.successor_late = milliseconds(4);
    EXPECT_EQ(*limits_for(f, fast).silence, milliseconds(3 + 4 + 5 + 1));
    EXPECT_TRUE(assess(f, fast, handover(3000, 800, 0, 12), {}).violations.empty());
    EXPECT_EQ(assess(f, fast, handover(3000, 800, 0, 14), {}).violations.size(), 1u);
    Timing vrrp = kTiming;  // no fast path: the MDI bound, whatever the requests did
    vrrp.successor_late = milliseconds(40);
    EXPECT_EQ(*limits_for(f, vrrp).silence, kTiming.successor_master_down + milliseconds(5) + milliseconds(1));
}

TEST(SoakRuns, SlotsTheClientDidNotProbeNeitherExtendNorEndARun) {
    auto v = handover(2000, 798, 0, 8);  // silent from 798 to 805
    v.arp_requests.assign(v.arp_slots.size(), 1);
    EXPECT_EQ(longest_run(v, kStart, kStart + seconds(2), 0).length, milliseconds(8));
    EXPECT_EQ(unprobed_slots(v, kStart, kStart + seconds(2)), 0u);
    // The client was not scheduled from 798 to 801: no request left then. 798 still counts (a
    // reply to 797's could have landed there); 799-801 say nothing of the nodes.
    for (int i = 798; i <= 801; ++i) v.arp_requests[static_cast<std::size_t>(i)] = 0;
    EXPECT_EQ(unprobed_slots(v, kStart, kStart + seconds(2)), 3u);
    const auto run = longest_run(v, kStart, kStart + seconds(2), 0);
    EXPECT_EQ(run.length, milliseconds(5)) << "798 and 802-805, one run";
    EXPECT_EQ(run.begin, kStart + milliseconds(798));
}

TEST(SoakBounds, OnceSettledTheClientIsAnsweredWithinOneAdvertInterval) {
    const auto f = fault(FaultKind::partition, true);  // settled at 1500 ms, window until 3000 ms
    auto v = handover(3000, 800, 0, 0);
    EXPECT_EQ(limits_for(f, kTiming).settled_echo_gap, milliseconds(100));
    EXPECT_TRUE(assess(f, kTiming, v, {}).violations.empty());
    // The client left pointing at a node that stood by: no reply from 1490 to 2490 ms.
    std::erase_if(v.echo_replies,
                  [](TimePoint t) { return t > kStart + milliseconds(1490) && t < kStart + milliseconds(2490); });
    const auto found = assess(f, kTiming, v, {});
    EXPECT_GE(found.settled_echo_gap, milliseconds(989));
    ASSERT_EQ(found.violations.size(), 1u);
    EXPECT_NE(found.violations[0].find("without an echo reply after it settled"), std::string::npos);
}

TEST(SoakBounds, PartitionCountsTwoAnsweringFromTheHealOnly) {
    auto f = fault(FaultKind::partition, true);
    f.client_with_target = true;  // the client kept the active node: no silence bound
    EXPECT_FALSE(limits_for(f, kTiming).silence);
    // 150 ms of two answering that ended before the heal (600 ms) is not counted...
    EXPECT_TRUE(assess(f, kTiming, handover(3000, 400, 150, 0), {}).violations.empty());
    // ...after it, it is.
    EXPECT_EQ(assess(f, kTiming, handover(3000, 900, 150, 0), {}).violations.size(), 1u);
    // Cut off from the client, the active node failed for it: silence is bounded too...
    f.client_with_target = false;
    EXPECT_TRUE(limits_for(f, kTiming).silence);
    // ...as when a backup is cut off together with the client, and a backup alone is harmless.
    auto backup = fault(FaultKind::partition, false);
    backup.client_with_target = true;
    EXPECT_TRUE(limits_for(backup, kTiming).silence);
    backup.client_with_target = false;
    EXPECT_FALSE(limits_for(backup, kTiming).silence);
}

TEST(SoakBounds, FaultsOnABackupOrLossAreReportedNotBounded) {
    EXPECT_FALSE(limits_for(fault(FaultKind::link_down, false), kTiming).silence);
    const auto loss = limits_for(fault(FaultKind::loss, true), kTiming);
    EXPECT_FALSE(loss.both_answer || loss.silence);
    const auto found = assess(fault(FaultKind::loss, true), kTiming, handover(3000, 800, 400, 0), {});
    EXPECT_TRUE(found.violations.empty());
    EXPECT_EQ(found.both_answer.length, milliseconds(400));
}

TEST(SoakBounds, AnyTransitionInTheFaultFreeWindowIsAViolation) {
    const auto f = fault(FaultKind::restart, true);
    const std::vector<TimePoint> during_fault{kStart + milliseconds(700)};
    const auto calm = assess(f, kTiming, handover(3000, 3000, 0, 0), during_fault);
    EXPECT_TRUE(calm.violations.empty());
    EXPECT_EQ(calm.fault_transitions, 1u);
    const std::vector<TimePoint> in_quiet{kStart + milliseconds(700), kStart + milliseconds(2000)};
    const auto flap = assess(f, kTiming, handover(3000, 3000, 0, 0), in_quiet);
    ASSERT_EQ(flap.violations.size(), 1u);
    EXPECT_EQ(flap.quiet_transitions, 1u);
    // A VRRP transition the daemons counted, with no role change at all, is one too.
    auto counted = f;
    counted.quiet_vrrp_transitions = 2;
    const auto unseen = assess(counted, kTiming, handover(3000, 3000, 0, 0), during_fault);
    ASSERT_EQ(unseen.violations.size(), 1u);
    EXPECT_EQ(unseen.quiet_transitions, 2u);
}

TEST(SoakBounds, NftDropOnTheActiveNodeIsBoundedAsAKill) {
    const auto limits = limits_for(fault(FaultKind::nft_drop, true), kTiming);
    ASSERT_TRUE(limits.both_answer && limits.silence);
    EXPECT_EQ(*limits.both_answer, milliseconds(100) + microseconds(200) + milliseconds(1));
    EXPECT_EQ(*limits.silence, microseconds(360'938) + milliseconds(5) + milliseconds(1));
    EXPECT_EQ(assess(fault(FaultKind::nft_drop, true), kTiming, handover(3000, 800, 150, 0), {}).violations.size(), 1u);
    // On a backup (which sends no adverts) it changes nothing a client sees: no silence bound.
    EXPECT_FALSE(limits_for(fault(FaultKind::nft_drop, false), kTiming).silence);
}

// The host faults: a re-created interface takes the active node off the link (bounded as a link
// down, and no two may answer beyond a kill's bound); a MAC change must move nothing, and makes
// xvipd exit for a restart, as a re-creation does.
TEST(SoakBounds, HostFaultsOnTheInterfaceAreBounded) {
    const auto recreate = limits_for(fault(FaultKind::iface_recreate, true), kTiming);
    ASSERT_TRUE(recreate.both_answer && recreate.silence);
    EXPECT_EQ(*recreate.silence, microseconds(360'938) + milliseconds(5) + milliseconds(1));
    EXPECT_FALSE(limits_for(fault(FaultKind::iface_recreate, false), kTiming).silence);
    // A flush takes an IPv6 node's advert source (its link-local address): bounded as a link down.
    const auto flush = limits_for(fault(FaultKind::addr_flush, true), kTiming);
    EXPECT_TRUE(flush.both_answer && flush.silence);
    const auto mac = limits_for(fault(FaultKind::mac_change, true), kTiming);
    EXPECT_TRUE(mac.both_answer);
    EXPECT_FALSE(mac.silence);
    EXPECT_TRUE(exits_for_restart(FaultKind::iface_recreate));
    EXPECT_TRUE(exits_for_restart(FaultKind::mac_change));
    EXPECT_FALSE(exits_for_restart(FaultKind::addr_flush));
    for (const auto kind : kOperationsFaultKinds) EXPECT_EQ(parse_fault_kind(to_string(kind)), kind);
}

TEST(SoakBounds, AnyChangeDuringAHitlessFaultIsAViolation) {
    const std::vector<TimePoint> during_fault{kStart + milliseconds(700)};
    for (const auto kind : {FaultKind::restart_storm, FaultKind::reload_storm, FaultKind::bad_reload,
                            FaultKind::metrics_flood, FaultKind::mac_change}) {
        SCOPED_TRACE(to_string(kind));
        const auto f = fault(kind, true);
        EXPECT_TRUE(assess(f, kTiming, handover(3000, 3000, 0, 0), {}).violations.empty());
        const auto moved = assess(f, kTiming, handover(3000, 3000, 0, 0), during_fault);
        ASSERT_EQ(moved.violations.size(), 1u);
        EXPECT_NE(moved.violations[0].find("must change nothing"), std::string::npos);
        // A VRRP transition counted by a daemon that lived through it, with no role change, too.
        auto counted = f;
        counted.fault_vrrp_transitions = 1;
        EXPECT_EQ(assess(counted, kTiming, handover(3000, 3000, 0, 0), {}).violations.size(), 1u);
    }
    // The chaos soak's restart is reported, not asserted (a restart storm is).
    EXPECT_TRUE(
        assess(fault(FaultKind::restart, true), kTiming, handover(3000, 3000, 0, 0), during_fault).violations.empty());
}

// A restart that came after the lease ran out (xvipd says so) is promised a crash's bounds, not a
// hitless one: the failover is allowed, a silence or an overlap beyond a kill's bounds is not.
TEST(SoakBounds, ARestartPastTheLeaseIsBoundedAsAKill) {
    const std::vector<TimePoint> failover{kStart + milliseconds(450), kStart + milliseconds(800)};
    for (const auto kind : {FaultKind::restart_storm, FaultKind::mac_change}) {
        SCOPED_TRACE(to_string(kind));
        auto f = fault(kind, true);
        f.lease_lapsed = true;
        EXPECT_FALSE(expected_hitless(f));
        const auto limits = limits_for(f, kTiming);
        ASSERT_TRUE(limits.both_answer && limits.silence);
        EXPECT_EQ(*limits.silence, microseconds(360'938) + milliseconds(5) + milliseconds(1));
        f.fault_vrrp_transitions = 2;
        EXPECT_TRUE(assess(f, kTiming, handover(3000, 800, 0, 300), failover).violations.empty());
        EXPECT_EQ(assess(f, kTiming, handover(3000, 800, 0, 400), failover).violations.size(), 1u) << "silence";
        EXPECT_EQ(assess(f, kTiming, handover(3000, 800, 150, 0), failover).violations.size(), 1u) << "two answering";
        f.lease_lapsed = false;
        EXPECT_TRUE(expected_hitless(f));
        EXPECT_FALSE(assess(f, kTiming, handover(3000, 800, 0, 300), failover).violations.empty());
    }
}

TEST(SoakBounds, NotSettlingIsAViolation) {
    auto f = fault(FaultKind::stall, false);
    f.settled_in_time = false;
    EXPECT_EQ(assess(f, kTiming, handover(3000, 3000, 0, 0), {}).violations.size(), 1u);
}

TEST(SoakUsage, SameDescriptorsAndBoundedMemoryPerDaemon) {
    const std::vector<Usage> readings{
        {.at = kStart + seconds(1), .pid = 10, .node = 0, .fds = 14, .rss_kib = 5000},
        {.at = kStart + seconds(50), .pid = 10, .node = 0, .fds = 14, .rss_kib = 5100},
        {.at = kStart + seconds(2), .pid = 11, .node = 1, .fds = 14, .rss_kib = 5000},
        {.at = kStart + seconds(60), .pid = 11, .node = 1, .fds = 15, .rss_kib = 5000},
        {.at = kStart + seconds(3), .pid = 12, .node = 2, .fds = 14, .rss_kib = 5000},
        {.at = kStart + seconds(70), .pid = 12, .node = 2, .fds = 14, .rss_kib = 6000},
        {.at = kStart + seconds(4), .pid = 13, .node = 2, .fds = 99, .rss_kib = 1},  // read once: not compared
    };
    const auto found = assess_usage(readings, 256);
    EXPECT_EQ(found.daemons_compared, 3u);
    ASSERT_EQ(found.violations.size(), 2u);
    EXPECT_NE(found.violations[0].find("pid 11"), std::string::npos);
    EXPECT_NE(found.violations[0].find("descriptors changed"), std::string::npos);
    EXPECT_NE(found.violations[1].find("pid 12"), std::string::npos);
    EXPECT_NE(found.violations[1].find("memory grew"), std::string::npos);
}

TEST(SoakFaults, NamesRoundTrip) {
    for (const auto kind : kFaultKinds) EXPECT_EQ(parse_fault_kind(to_string(kind)), kind);
    for (const auto kind : kOperationsFaultKinds) EXPECT_EQ(parse_fault_kind(to_string(kind)), kind);
    EXPECT_FALSE(parse_fault_kind("meteor"));
}

}  // namespace
}  // namespace xvip::soak
