// The state machine alone: events in, actions out, against RFC 5798 §6 and keepalived.
#include "election/election.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace xvip {
namespace {

using namespace std::chrono_literals;

const TimePoint t0 = TimePoint{} + 100s;

ElectionConfig config(std::uint8_t priority, const char* address = "10.0.0.2") {
    ElectionConfig c;
    c.priority = priority;
    c.primary_address = *IpAddress::parse(address);
    return c;
}

AdvertReceived advert(std::uint8_t priority, const char* source = "10.0.0.9", Duration interval = 1s) {
    return {*IpAddress::parse(source), priority, interval};
}

template <typename T>
bool has(const Actions& actions, const T& wanted) {
    return std::any_of(actions.begin(), actions.end(), [&](const Action& a) {
        const T* p = std::get_if<T>(&a);
        return p && *p == wanted;
    });
}

template <typename T>
std::size_t position(const Actions& actions) {
    auto it =
        std::find_if(actions.begin(), actions.end(), [](const Action& a) { return std::holds_alternative<T>(a); });
    return static_cast<std::size_t>(it - actions.begin());
}

TEST(Timing, FollowsTheRfcFormulas) {
    // v3, priority 100, 1 s: skew = 156/256 s = 609.375 ms; down = 3.609375 s.
    EXPECT_EQ(skew_time(VrrpVersion::v3, 100, 1s), 609375us);
    EXPECT_EQ(master_down_interval(VrrpVersion::v3, 100, 1s), 3609375us);
    // v3 scales with the interval: 200 ms adverts, priority 200 -> 56*200/256 ms = 43.75 ms.
    EXPECT_EQ(skew_time(VrrpVersion::v3, 200, 200ms), 43750us);
    // v2 ignores the interval.
    EXPECT_EQ(skew_time(VrrpVersion::v2, 100, 5s), 609375us);
    EXPECT_EQ(master_down_interval(VrrpVersion::v2, 100, 5s), 15609375us);
}

TEST(Election, BackupAtStartupArmsMasterDown) {
    Election e(config(100));
    auto out = e.handle(Startup{}, t0);
    EXPECT_EQ(out.state, State::backup);
    EXPECT_TRUE(has(out.actions, BecomeStandby{}));
    EXPECT_TRUE(has(out.actions, ArmTimer{Timer::master_down, t0 + 3609375us}));
    EXPECT_FALSE(has(out.actions, SendAdvert{100}));
}

TEST(Election, OwnerBecomesMasterAtOnceServingAndAnnouncingBeforeItsAdvert) {
    Election e(config(255));
    auto out = e.handle(Startup{}, t0);
    EXPECT_EQ(out.state, State::master);
    EXPECT_TRUE(has(out.actions, ArmTimer{Timer::advert, t0 + 1s}));
    EXPECT_LT(position<BecomeActive>(out.actions), position<Announce>(out.actions));
    EXPECT_LT(position<Announce>(out.actions), position<SendAdvert>(out.actions));
}

TEST(Election, PreemptingMasterAnnouncesBeforeTheOldMasterHearsOfIt) {
    // The old master steps down on our advert; clients must have our GARP by then.
    Election e(config(150));
    e.handle(Startup{}, t0);
    e.handle(advert(100), t0 + 1s);  // a lower-priority master: ignored, the down timer runs on
    const auto due = e.deadline(Timer::master_down);
    ASSERT_TRUE(due);
    auto out = e.handle(TimerExpired{Timer::master_down}, *due);
    ASSERT_EQ(out.state, State::master);
    EXPECT_LT(position<Announce>(out.actions), position<SendAdvert>(out.actions));
}

TEST(Election, DownTimerMakesBackupMaster) {
    Election e(config(100));
    e.handle(Startup{}, t0);
    auto early = e.handle(TimerExpired{Timer::master_down}, t0 + 1s);  // stale: not due yet
    EXPECT_EQ(early.state, State::backup);
    EXPECT_TRUE(early.actions.empty());
    auto out = e.handle(TimerExpired{Timer::master_down}, t0 + 3609375us);
    EXPECT_EQ(out.state, State::master);
    EXPECT_TRUE(has(out.actions, SendAdvert{100}));
    EXPECT_TRUE(has(out.actions, Announce{}));
}

TEST(Election, AFastTakeoverMakesABackupMasterAtOnce) {
    Election e(config(100));
    e.handle(Startup{}, t0);
    e.handle(advert(150), t0 + 1s);
    auto out = e.handle(FastTakeover{}, t0 + 1s + 3ms);
    EXPECT_EQ(out.state, State::master);
    EXPECT_TRUE(has(out.actions, BecomeActive{}));
    EXPECT_TRUE(has(out.actions, Announce{}));
    EXPECT_TRUE(has(out.actions, SendAdvert{100}));
    EXPECT_FALSE(e.deadline(Timer::master_down));
}

TEST(Election, AFastTakeoverMeansNothingOutsideBackup) {
    Election master(config(255));
    master.handle(Startup{}, t0);
    EXPECT_TRUE(master.handle(FastTakeover{}, t0).actions.empty());
    Election faulty(config(100));
    faulty.handle(Startup{}, t0);
    faulty.handle(FaultRaised{}, t0);
    auto out = faulty.handle(FastTakeover{}, t0 + 1ms);
    EXPECT_EQ(out.state, State::fault);
    EXPECT_TRUE(out.actions.empty());
}

TEST(Election, ARevertedFastTakeoverGoesBackToBackupWithoutPriorityZero) {
    Election e(config(100));
    e.handle(Startup{}, t0);
    e.handle(FastTakeover{}, t0 + 1s);
    auto out = e.handle(FastReverted{}, t0 + 1s + 1ms);
    EXPECT_EQ(out.state, State::backup);
    EXPECT_TRUE(has(out.actions, BecomeStandby{}));
    EXPECT_FALSE(has(out.actions, SendAdvert{0}));
    EXPECT_FALSE(e.deadline(Timer::advert));
    EXPECT_TRUE(e.deadline(Timer::master_down));
    EXPECT_TRUE(e.handle(FastReverted{}, t0 + 2s).actions.empty());  // a backup: nothing
}

TEST(Election, BackupLearnsV3IntervalFromAcceptedAdvert) {
    Election e(config(100));
    e.handle(Startup{}, t0);
    auto out = e.handle(advert(200, "10.0.0.9", 300ms), t0 + 1s);
    EXPECT_EQ(e.master_adver_interval(), 300ms);
    // 3 × 300 ms + 156 × 300 / 256 ms = 900 + 182.8125 ms
    EXPECT_TRUE(has(out.actions, ArmTimer{Timer::master_down, t0 + 1s + 1082812500ns}));
}

TEST(Election, PreemptingBackupIgnoresLowerPriority) {
    Election e(config(150));
    e.handle(Startup{}, t0);
    auto out = e.handle(advert(100), t0 + 1s);
    EXPECT_TRUE(out.actions.empty());
    EXPECT_EQ(e.deadline(Timer::master_down), t0 + master_down_interval(VrrpVersion::v3, 150, 1s));
}

TEST(Election, NopreemptBackupAcceptsLowerPriority) {
    auto c = config(150);
    c.preempt = false;
    Election e(c);
    e.handle(Startup{}, t0);
    auto out = e.handle(advert(100), t0 + 1s);
    EXPECT_TRUE(
        has(out.actions, ArmTimer{Timer::master_down, t0 + 1s + master_down_interval(VrrpVersion::v3, 150, 1s)}));
}

TEST(Election, PreemptDelayAcceptsLowerPriorityUntilItRunsOut) {
    auto c = config(150);
    c.preempt_delay = 10s;
    Election e(c);
    e.handle(Startup{}, t0);
    auto first = e.handle(advert(100), t0 + 1s);
    EXPECT_TRUE(has(first.actions, ArmTimer{Timer::preempt_delay, t0 + 11s}));
    auto second = e.handle(advert(100), t0 + 2s);
    EXPECT_FALSE(has(second.actions, ArmTimer{Timer::preempt_delay, t0 + 12s}));  // not restarted
    e.handle(TimerExpired{Timer::preempt_delay}, t0 + 11s);
    auto after = e.handle(advert(100), t0 + 12s);
    EXPECT_TRUE(after.actions.empty());  // now preempting
}

TEST(Election, BackupGivenPriorityZeroWaitsOnlySkew) {
    Election e(config(100));
    e.handle(Startup{}, t0);
    auto out = e.handle(advert(0), t0 + 1s);
    EXPECT_TRUE(has(out.actions, ArmTimer{Timer::master_down, t0 + 1s + 609375us}));
}

TEST(Election, MasterAnswersPriorityZeroAndLowerPriority) {
    Election e(config(255));
    e.handle(Startup{}, t0);
    auto zero = e.handle(advert(0), t0 + 100ms);
    EXPECT_TRUE(has(zero.actions, SendAdvert{255}));
    EXPECT_TRUE(has(zero.actions, ArmTimer{Timer::advert, t0 + 1100ms}));
    auto lower = e.handle(advert(100), t0 + 200ms);
    EXPECT_EQ(lower.state, State::master);
    EXPECT_TRUE(has(lower.actions, SendAdvert{255}));
    EXPECT_TRUE(has(lower.actions, Announce{}));
}

TEST(Election, MasterYieldsToHigherPriorityOrGreaterAddress) {
    Election e(config(255, "10.0.0.20"));
    e.handle(Startup{}, t0);
    auto smaller = e.handle(advert(255, "10.0.0.3"), t0 + 1s);  // equal priority, smaller address
    EXPECT_EQ(smaller.state, State::master);
    auto greater = e.handle(advert(255, "10.0.0.200", 500ms), t0 + 2s);
    EXPECT_EQ(greater.state, State::backup);
    EXPECT_TRUE(has(greater.actions, CancelTimer{Timer::advert}));
    EXPECT_TRUE(has(greater.actions, BecomeStandby{}));
    EXPECT_EQ(e.master_adver_interval(), 500ms);
}

TEST(Election, ShutdownFromMasterReleasesWithPriorityZero) {
    Election e(config(255));
    e.handle(Startup{}, t0);
    auto out = e.handle(Shutdown{}, t0 + 1s);
    EXPECT_EQ(out.state, State::initialize);
    EXPECT_TRUE(has(out.actions, SendAdvert{0}));
    EXPECT_TRUE(has(out.actions, BecomeStandby{}));
    EXPECT_TRUE(has(out.actions, CancelTimer{Timer::advert}));
}

TEST(Election, FaultInMasterReleasesLikeKeepalived) {
    Election e(config(255));
    e.handle(Startup{}, t0);
    auto fault = e.handle(FaultRaised{}, t0 + 1s);
    EXPECT_EQ(fault.state, State::fault);
    EXPECT_TRUE(has(fault.actions, SendAdvert{0}));
    EXPECT_TRUE(has(fault.actions, BecomeStandby{}));
    EXPECT_TRUE(e.handle(advert(100), t0 + 2s).actions.empty());  // deaf in FAULT
    auto cleared = e.handle(FaultCleared{}, t0 + 3s);
    EXPECT_EQ(cleared.state, State::master);  // owner comes back at once
}

TEST(Election, FaultBeforeStartupStartsInFault) {
    Election e(config(100));
    e.handle(FaultRaised{}, t0);
    EXPECT_EQ(e.handle(Startup{}, t0).state, State::fault);
    auto cleared = e.handle(FaultCleared{}, t0 + 1s);
    EXPECT_EQ(cleared.state, State::backup);
    EXPECT_TRUE(has(cleared.actions, ArmTimer{Timer::master_down, t0 + 1s + 3609375us}));
}

TEST(Election, PriorityChangeMovesTheDownDeadlineBySkewDifference) {
    Election e(config(100));
    e.handle(Startup{}, t0);
    auto out = e.handle(PriorityChanged{200}, t0 + 1s);
    // Skew 156/256 s -> 56/256 s: 390.625 ms earlier.
    EXPECT_TRUE(has(out.actions, ArmTimer{Timer::master_down, t0 + 3609375us - 390625us}));
    e.handle(PriorityChanged{255}, t0 + 1s);
    EXPECT_EQ(e.priority(), 254);  // only a configured owner is 255
    e.handle(PriorityChanged{0}, t0 + 1s);
    EXPECT_EQ(e.priority(), 1);
}

TEST(Election, ResumeAsActiveAdvertisesWithoutAnnouncing) {
    Election e(config(100));
    auto out = e.handle(Startup{true}, t0);
    EXPECT_EQ(out.state, State::master);
    EXPECT_TRUE(has(out.actions, SendAdvert{100}));
    EXPECT_FALSE(has(out.actions, Announce{}));
}

}  // namespace
}  // namespace xvip
