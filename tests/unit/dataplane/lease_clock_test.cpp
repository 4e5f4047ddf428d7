// The lease clock's mapping of CLOCK_MONOTONIC onto jiffies, and the state word's encoding through
// it, with a clock given by hand (dating one needs the kernel: tests/bpf covers that).
#include "dataplane/lease_clock.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "common/monotonic_clock.hpp"
#include "dataplane/state_word.hpp"
#include "xvip_abi.h"

namespace xvip {
namespace {

using namespace std::chrono_literals;

// CLOCK_MONOTONIC's zero: the times below are since boot.
constexpr TimePoint boot{};

// Jiffy 1000 began by t = 10 s; ticks of 4 ms (HZ = 250).
const LeaseClock clock(1000, boot + 10s, 4ms);

TEST(LeaseClock, ATimeMapsToTheLastJiffyBegunByIt) {
    EXPECT_EQ(clock.last_jiffy_by(boot + 10s), 1000u);
    EXPECT_EQ(clock.last_jiffy_by(boot + 10s + 3999us), 1000u);
    EXPECT_EQ(clock.last_jiffy_by(boot + 10s + 4ms), 1001u);
    EXPECT_EQ(clock.last_jiffy_by(boot + 10s + 90ms + 1ns), 1022u);
}

TEST(LeaseClock, TimesBeforeTheDatedJiffyRoundDownToo) {
    EXPECT_EQ(clock.last_jiffy_by(boot + 10s - 1ns), 999u);
    EXPECT_EQ(clock.last_jiffy_by(boot + 10s - 4ms), 999u);
    EXPECT_EQ(clock.last_jiffy_by(boot + 10s - 4ms - 1ns), 998u);
    EXPECT_EQ(clock.last_jiffy_by(boot), 0u) << "jiffy 0 would begin at 6 s: before it, nothing";
}

TEST(LeaseClock, AJiffyStartsAWholeNumberOfTicksFromTheDatedOne) {
    EXPECT_EQ(clock.start_of(1000), boot + 10s);
    EXPECT_EQ(clock.start_of(1025), boot + 10s + 100ms);
    EXPECT_EQ(clock.start_of(990), boot + 10s - 40ms);
}

TEST(LeaseClock, ADeadlineEndsNoLaterThanMeantAndAtMostATickEarly) {
    for (TimePoint meant = boot + 10s - 7ms; meant < boot + 10s + 9ms; meant += 333us) {
        const auto ends = clock.start_of(clock.last_jiffy_by(meant));
        EXPECT_LE(ends, meant);
        EXPECT_GT(ends, meant - clock.tick());
    }
}

// A simulated kernel for LeaseClock::date: jiffy j begins at j ticks; each sample reads the count
// and the time together, and the next one comes `step` later. `frozen`: the tick never runs (a
// stalled vCPU), so the count never moves.
struct SimulatedKernel {
    Duration tick = 4ms;
    TimePoint now = boot + 10s + 1ms;
    Duration step = 50us;
    bool frozen = false;
    int samples = 0;

    std::uint64_t jiffy_at(TimePoint t) const { return static_cast<std::uint64_t>((t - boot) / tick); }
    TimePoint start_of(std::uint64_t jiffy) const { return boot + static_cast<std::int64_t>(jiffy) * tick; }
    LeaseClock::Sample operator()() {
        const std::uint64_t jiffies = frozen ? jiffy_at(boot + 10s) : jiffy_at(now);
        const LeaseClock::Sample sample{jiffies, now};
        now += step;
        ++samples;
        return sample;
    }
};

LeaseClock date_on(SimulatedKernel& kernel) {
    return LeaseClock::date(std::ref(kernel), kernel.tick, 8 * kernel.tick + 20ms);
}

TEST(LeaseClockDating, APairAcrossAMoveDatesTheJiffyWithinItsGap) {
    SimulatedKernel kernel;
    const LeaseClock dated = date_on(kernel);
    EXPECT_FALSE(dated.dated_from_one_sample());
    EXPECT_LE(dated.uncertainty(), kernel.step);
    const std::uint64_t jiffy = kernel.jiffy_at(boot + 10s + 4ms);
    EXPECT_GE(dated.start_of(jiffy), kernel.start_of(jiffy)) << "never early";
    EXPECT_LE(dated.start_of(jiffy), kernel.start_of(jiffy) + kernel.step);
    EXPECT_LT(kernel.samples, 200) << "a close pair ends the sampling";
}

// An emulated or overcommitted VM: 60 ms between two samples, so the count jumps by 15 and no
// pair sees it move by one. Dating must still succeed, from one sample, and never date early.
TEST(LeaseClockDating, AStalledMachineIsDatedFromOneSampleNeverEarly) {
    SimulatedKernel kernel{.step = 60ms};
    const LeaseClock dated = date_on(kernel);
    EXPECT_TRUE(dated.dated_from_one_sample());
    EXPECT_EQ(dated.uncertainty(), kernel.tick);
    for (std::uint64_t jiffy = kernel.jiffy_at(boot + 10s); jiffy < kernel.jiffy_at(boot + 11s); ++jiffy) {
        ASSERT_GE(dated.start_of(jiffy), kernel.start_of(jiffy)) << "jiffy " << jiffy;
        ASSERT_LE(dated.start_of(jiffy), kernel.start_of(jiffy) + dated.uncertainty()) << jiffy;
    }
    EXPECT_LE(kernel.samples, 3) << "sampling stops after its patience (52 ms)";
}

TEST(LeaseClockDating, ACountThatNeverMovesStillDatesAndStopsInTime) {
    SimulatedKernel kernel{.frozen = true};
    const LeaseClock dated = date_on(kernel);
    EXPECT_TRUE(dated.dated_from_one_sample());
    EXPECT_GE(dated.start_of(kernel.jiffy_at(boot + 10s)), kernel.start_of(kernel.jiffy_at(boot + 10s)));
    EXPECT_LE(kernel.samples, (8 * 4ms + 20ms) / kernel.step + 2);
}

// A lease written through a clock dated from one sample still ends no later than meant.
TEST(LeaseClockDating, ALeaseThroughAOneSampleDatingEndsNoLaterThanMeant) {
    SimulatedKernel kernel{.step = 60ms};
    const LeaseClock dated = date_on(kernel);
    for (TimePoint meant = boot + 11s; meant < boot + 11s + 20ms; meant += 333us) {
        const std::uint64_t deadline = dated.last_jiffy_by(meant);
        EXPECT_LE(kernel.start_of(deadline), meant) << "the program sees the deadline jiffy begin";
        EXPECT_GT(kernel.start_of(deadline), meant - dated.tick() - dated.uncertainty());
    }
}

// Jiffy 1007 begins at boot + 10 s + 28 ms; a deadline just after it is written a tick early.
TEST(StateWordEncoding, AnActiveWordCarriesTheJiffyATickBeforeItsDeadline) {
    const std::uint64_t word = StateWord::active_until(boot + 10s + 30ms + 1us).encode(clock);
    EXPECT_EQ(xvip_word_role(word), XVIP_ROLE_ACTIVE);
    EXPECT_EQ(xvip_word_deadline(word), 1006u);
    EXPECT_EQ(xvip_effective_role(word, 1005), XVIP_ROLE_ACTIVE);
    EXPECT_EQ(xvip_effective_role(word, 1006), XVIP_ROLE_STANDBY);
}

// The program sees jiffy j when the count has moved to it. In a VM the count may move up to a tick
// after jiffy j began; the role must still end by the deadline meant.
TEST(StateWordEncoding, ARoleEndsByItsDeadlineWhenTheJiffyCountRunsATickLate) {
    const TimePoint jiffy_1000 = boot + 10s;
    for (TimePoint meant = boot + 10s + 20ms; meant < boot + 10s + 40ms; meant += 250us) {
        const std::uint64_t deadline = xvip_word_deadline(StateWord::active_until(meant).encode(clock));
        const TimePoint count_moves_late = jiffy_1000 + (deadline - 1000) * 4ms + 4ms;
        EXPECT_LE(count_moves_late, meant)
            << "the role would outlive its deadline by " << (count_moves_late - meant).count() << " ns";
        EXPECT_GT(jiffy_1000 + (deadline - 1000) * 4ms, meant - 2 * 4ms) << "at most two ticks early";
    }
}

TEST(StateWordEncoding, ReadBackTheDeadlineIsWhenItsJiffyBegins) {
    const StateWord draining = StateWord::draining_until(boot + 10s + 30ms + 1us);
    const StateWord back = StateWord::decode(draining.encode(clock), clock);
    EXPECT_EQ(back.role, XdpRole::draining);
    EXPECT_EQ(back.deadline, boot + 10s + 24ms) << "jiffy 1006, a tick before the one of 30 ms";
    EXPECT_EQ(back.effective_role(boot + 10s + 24ms - 1ns), XdpRole::draining);
    EXPECT_EQ(back.effective_role(boot + 10s + 24ms), XdpRole::standby);
}

TEST(StateWordEncoding, StandbyIgnoresAnyDeadline) {
    const std::uint64_t word = StateWord{XdpRole::standby, boot + 10s + 1h}.encode(clock);
    EXPECT_EQ(word, 0u);
    EXPECT_EQ(StateWord::decode(word, clock), StateWord::standby());
}

}  // namespace
}  // namespace xvip
