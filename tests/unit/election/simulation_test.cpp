// Whole elections: several InstanceRunners on a simulated network with injected time. Timing
// bounds are computed here from the RFC formulas, independently of election/timing.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "sim_network.hpp"

namespace xvip::sim {
namespace {

using namespace std::chrono_literals;

constexpr Duration delay = 1ms;

// RFC 5798 §6.1, written out again so that a wrong formula in the library fails these tests.
Duration v3_skew(int priority, Duration interval) {
    return interval * (256 - priority) / 256;
}
Duration v3_down(int priority, Duration interval) {
    return 3 * interval + v3_skew(priority, interval);
}
Duration v2_down(int priority, Duration interval) {
    return 3 * interval + Duration(1s) * (256 - priority) / 256;
}

bool ever_master(const Network& net, int node, TimePoint since = TimePoint{}) {
    const auto& ts = net.transitions();
    return std::any_of(ts.begin(), ts.end(),
                       [&](const Transition& t) { return t.node == node && t.to == State::master && t.at >= since; });
}

std::optional<TimePoint> last_received(const Network& net, int from, int to, TimePoint before) {
    std::optional<TimePoint> last;
    for (const auto& r : net.received()) {
        if (r.from == from && r.to == to && r.at <= before && r.priority > 0) last = r.at;
    }
    return last;
}

class InitialElection : public ::testing::TestWithParam<int> {};

TEST_P(InitialElection, HighestPriorityWinsAndIsTheOnlyMaster) {
    Network net;
    net.set_delay(delay);
    const int n = GetParam();
    // Spread so the winner's advert lands before anyone else's skew runs out; the highest is in
    // the middle of the list so the order of creation does not decide.
    for (int i = 0; i < n; ++i) {
        const int priority = i == n / 2 ? 250 : 100 + 10 * i;
        net.add(router_config(static_cast<std::uint8_t>(i + 1), static_cast<std::uint8_t>(priority)));
    }
    const int winner = n / 2;
    net.start_all();
    const TimePoint t0 = net.now();
    net.run_for(30s);
    EXPECT_EQ(net.masters(), std::vector<int>{winner});
    for (int i = 0; i < n; ++i) {
        if (i != winner) {
            EXPECT_FALSE(ever_master(net, i)) << "router " << i;
        }
        EXPECT_EQ(net.router(i).role(), i == winner ? Role::active : Role::standby);
    }
    auto first = net.first_takeover(t0);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->at - t0, v3_down(250, 1s));  // 3 s + 6/256 s
    EXPECT_EQ(net.router(winner).announcements(), 1);
}

INSTANTIATE_TEST_SUITE_P(Sizes, InitialElection, ::testing::Values(2, 3, 10));

struct Trio {
    Network net;
    Trio(InstanceConfig a = router_config(1, 200), InstanceConfig b = router_config(2, 150),
         InstanceConfig c = router_config(3, 100)) {
        net.set_delay(delay);
        net.add(std::move(a));
        net.add(std::move(b));
        net.add(std::move(c));
        net.start_all();
        net.run_for(10s + 300ms);  // converged, and between two adverts
    }
};

TEST(Simulation, ActiveFailureTakenOverWithinMasterDownInterval) {
    Trio t;
    ASSERT_EQ(t.net.masters(), std::vector<int>{0});
    const TimePoint crash = t.net.now();
    t.net.crash(0);
    t.net.run_for(20s);
    auto takeover = t.net.first_takeover(crash);
    ASSERT_TRUE(takeover);
    EXPECT_EQ(takeover->node, 1);
    auto last = last_received(t.net, 0, 1, crash);
    ASSERT_TRUE(last);
    EXPECT_EQ(takeover->at, *last + v3_down(150, 1s));
    EXPECT_LE(takeover->at - crash, v3_down(150, 1s));
    EXPECT_EQ(t.net.masters(), std::vector<int>{1});
    EXPECT_FALSE(ever_master(t.net, 2));
    RecordProperty("takeover_after_crash_us",
                   std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(takeover->at - crash).count()));
}

TEST(Simulation, GracefulReleaseTakenOverWithinSkewTime) {
    Trio t;
    const TimePoint release = t.net.now();
    t.net.shutdown(0);
    t.net.run_for(10s);
    auto takeover = t.net.first_takeover(release);
    ASSERT_TRUE(takeover);
    EXPECT_EQ(takeover->node, 1);
    EXPECT_EQ(takeover->at - release, delay + v3_skew(150, 1s));  // 1 ms + 414.0625 ms
    EXPECT_FALSE(ever_master(t.net, 2));
    EXPECT_EQ(t.net.masters(), std::vector<int>{1});
}

TEST(Simulation, HigherPriorityRouterPreemptsOnReturn) {
    Trio t;
    t.net.crash(0);
    t.net.run_for(10s);
    ASSERT_EQ(t.net.masters(), std::vector<int>{1});
    const TimePoint back = t.net.now();
    t.net.start(0);
    t.net.run_for(10s);
    auto takeover = t.net.first_takeover(back);
    ASSERT_TRUE(takeover);
    EXPECT_EQ(takeover->node, 0);
    // It ignores the lower-priority master and preempts when its down timer runs out.
    EXPECT_EQ(takeover->at - back, v3_down(200, 1s));
    EXPECT_EQ(t.net.masters(), std::vector<int>{0});
    EXPECT_EQ(t.net.router(1).role(), Role::standby);
}

TEST(Simulation, NopreemptStaysBackup) {
    auto a = router_config(1, 200);
    a.preempt = false;
    Trio t(a);
    ASSERT_EQ(t.net.masters(), std::vector<int>{0});  // nopreempt still wins an empty field
    t.net.crash(0);
    t.net.run_for(10s);
    const TimePoint back = t.net.now();
    t.net.start(0);
    t.net.run_for(120s);
    EXPECT_FALSE(ever_master(t.net, 0, back));
    EXPECT_EQ(t.net.masters(), std::vector<int>{1});
}

TEST(Simulation, PreemptDelayHonoured) {
    auto a = router_config(1, 200);
    a.preempt_delay = 10s;
    Trio t(a);
    t.net.crash(0);
    t.net.run_for(10s);
    const TimePoint back = t.net.now();
    t.net.start(0);
    t.net.run_for(30s);
    auto takeover = t.net.first_takeover(back);
    ASSERT_TRUE(takeover);
    EXPECT_EQ(takeover->node, 0);
    // keepalived semantics: the delay starts at the first lower-priority advert; after it, the
    // down timer (last reset by an advert accepted during the delay) does the preempting.
    std::optional<TimePoint> first_lower;
    for (const auto& r : t.net.received()) {
        if (r.to == 0 && r.from == 1 && r.at >= back) {
            first_lower = r.at;
            break;
        }
    }
    ASSERT_TRUE(first_lower);
    EXPECT_LE(*first_lower - back, 1s + delay);
    EXPECT_GE(takeover->at - *first_lower, 10s + v3_down(200, 1s) - 1s);
    EXPECT_LE(takeover->at - *first_lower, 10s + v3_down(200, 1s));
    RecordProperty("preempt_after_return_us",
                   std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(takeover->at - back).count()));
    EXPECT_EQ(t.net.masters(), std::vector<int>{0});
}

TEST(Simulation, OwnerIsMasterAtOnce) {
    Trio t(router_config(1, 255));
    const auto& ts = t.net.transitions();
    ASSERT_FALSE(ts.empty());
    EXPECT_EQ(ts.front().node, 0);
    EXPECT_EQ(ts.front().to, State::master);
    EXPECT_EQ(ts.front().at, TimePoint{});
    EXPECT_FALSE(ever_master(t.net, 1));
    EXPECT_FALSE(ever_master(t.net, 2));

    t.net.crash(0);
    t.net.run_for(10s);
    ASSERT_EQ(t.net.masters(), std::vector<int>{1});
    const TimePoint back = t.net.now();
    t.net.start(0);
    t.net.run_for(delay);  // one advert's flight
    EXPECT_EQ(t.net.masters(), std::vector<int>{0});
    EXPECT_EQ(t.net.first_takeover(back)->at, back);
}

TEST(Simulation, TieBrokenByGreaterAddress) {
    for (bool greater_first : {false, true}) {
        Network net;
        net.set_delay(delay);
        // 10.0.0.200 > 10.0.0.9 as unsigned numbers, though "200" < "9" as text.
        const int greater = net.add(router_config(greater_first ? 200 : 9, 100)) == 0 && greater_first ? 0 : 1;
        net.add(router_config(greater_first ? 9 : 200, 100));
        net.start_all();
        net.run_for(20s);
        EXPECT_EQ(net.masters(), std::vector<int>{greater}) << "greater_first=" << greater_first;
    }
}

TEST(Simulation, V3BackupAdoptsMasterInterval) {
    auto b = router_config(2, 100);
    b.advert_interval = 3s;
    Network net;
    net.set_delay(delay);
    net.add(router_config(1, 200));
    net.add(b);
    net.start_all();
    net.run_for(20s + 300ms);
    ASSERT_EQ(net.masters(), std::vector<int>{0});
    EXPECT_EQ(net.router(1).runner().election().master_adver_interval(), 1s);
    const TimePoint crash = net.now();
    net.crash(0);
    net.run_for(20s);
    auto takeover = net.first_takeover(crash);
    ASSERT_TRUE(takeover);
    EXPECT_LE(takeover->at - crash, v3_down(100, 1s));  // 3.61 s, not 3 × 3 s + skew
    EXPECT_EQ(takeover->at, *last_received(net, 0, 1, crash) + v3_down(100, 1s));
}

TEST(Simulation, V2IntervalMismatchIsDiscarded) {
    auto a = router_config(1, 200);
    a.version = VrrpVersion::v2;
    auto b = router_config(2, 100);
    b.version = VrrpVersion::v2;
    b.advert_interval = 2s;
    Network net;
    net.set_delay(delay);
    net.add(a);
    net.add(b);
    net.start_all();
    net.run_for(30s);
    // Neither hears the other: a misconfiguration, counted, and both end up active.
    EXPECT_EQ(net.masters(), (std::vector<int>{0, 1}));
    EXPECT_GT(net.router(0).runner().discards()[DiscardReason::interval_mismatch], 0u);
    EXPECT_GT(net.router(1).runner().discards()[DiscardReason::interval_mismatch], 0u);
}

TEST(Simulation, V2MatchingIntervalUsesSecondBasedSkew) {
    auto a = router_config(1, 200);
    a.version = VrrpVersion::v2;
    auto b = router_config(2, 100);
    b.version = VrrpVersion::v2;
    Network net;
    net.set_delay(delay);
    net.add(a);
    net.add(b);
    net.start_all();
    net.run_for(10s + 300ms);
    ASSERT_EQ(net.masters(), std::vector<int>{0});
    const TimePoint crash = net.now();
    net.crash(0);
    net.run_for(10s);
    auto takeover = net.first_takeover(crash);
    ASSERT_TRUE(takeover);
    EXPECT_EQ(takeover->at, *last_received(net, 0, 1, crash) + v2_down(100, 1s));
}

TEST(Simulation, HealedPartitionResolvesWithinOneAdvertInterval) {
    Trio t;
    t.net.partition({{0}, {1, 2}});
    t.net.run_for(20s);
    ASSERT_EQ(t.net.masters(), (std::vector<int>{0, 1}));  // split brain while cut
    const int announcements_before = t.net.router(0).announcements();
    const TimePoint healed = t.net.now();
    t.net.heal();
    t.net.run_for(1s + delay);
    EXPECT_EQ(t.net.masters(), std::vector<int>{0});
    // The rightful master re-announced: caches that followed the other side are corrected.
    EXPECT_GT(t.net.router(0).announcements(), announcements_before);
    for (const auto& tr : t.net.transitions()) {
        if (tr.at >= healed && tr.node == 1) {
            EXPECT_LE(tr.at - healed, 1s + delay);
        }
    }
}

// Under 20 % loss for a simulated hour, a backup takes over exactly when a Master_Down_Interval
// has passed with no advert it had to accept, and never otherwise.
TEST(Simulation, LossyHourTakeoversOnlyAfterSilence) {
    Network net(20240917);
    net.set_delay(delay);
    net.set_loss(0.2);
    const std::vector<int> priorities = {200, 150, 100};
    for (int i = 0; i < 3; ++i) {
        net.add(router_config(static_cast<std::uint8_t>(i + 1),
                              static_cast<std::uint8_t>(priorities[static_cast<std::size_t>(i)])));
    }
    net.start_all();
    const TimePoint end = TimePoint{} + 1h;
    net.run_until(end);

    int takeovers = 0;
    for (int b = 0; b < 3; ++b) {
        const int prio = priorities[static_cast<std::size_t>(b)];
        const Duration down = v3_down(prio, 1s);
        // Everything that (re)starts b's down timer, and b's takeovers, in time order. At equal
        // times a reset sorts first, as the simulation delivers before it fires timers.
        std::multimap<TimePoint, bool> timeline;  // true: takeover
        for (const auto& t : net.transitions()) {
            if (t.node != b) continue;
            if (t.to == State::backup) timeline.emplace(t.at, false);
            if (t.to == State::master) timeline.emplace(t.at, true);
        }
        for (const auto& r : net.received()) {
            if (r.to == b && r.priority >= prio) timeline.emplace(r.at, false);
        }
        std::optional<TimePoint> due;
        for (const auto& [at, is_takeover] : timeline) {
            if (is_takeover) {
                ASSERT_TRUE(due) << "router " << b << " took over while not a backup";
                EXPECT_EQ(at, *due) << "router " << b << " took over early or late";
                due.reset();
                if (b != 0) ++takeovers;
            } else {
                if (due) {
                    EXPECT_GE(*due, at) << "router " << b << " stayed backup through a silence";
                }
                due = at + down;
            }
        }
        if (due) {
            EXPECT_GE(*due, end) << "router " << b << " stayed backup through a silence";
        }
    }
    EXPECT_GT(takeovers, 10);  // loss really did cause takeovers worth checking
    RecordProperty("lossy_hour_takeovers", takeovers);
}

}  // namespace
}  // namespace xvip::sim
