// The lease clock's mapping of CLOCK_MONOTONIC onto jiffies, and the state word's encoding through
// it, with a clock given by hand (dating one needs the kernel: tests/bpf covers that).
#include "dataplane/lease_clock.hpp"

#include <gtest/gtest.h>

#include "dataplane/state_word.hpp"
#include "xvip_abi.h"

namespace xvip {
namespace {

using namespace std::chrono_literals;

// Jiffy 1000 began by t = 10 s; ticks of 4 ms (HZ = 250).
const LeaseClock clock(1000, 10s, 4ms);

TEST(LeaseClock, ATimeMapsToTheLastJiffyBegunByIt) {
    EXPECT_EQ(clock.last_jiffy_by(10s), 1000u);
    EXPECT_EQ(clock.last_jiffy_by(10s + 3999us), 1000u);
    EXPECT_EQ(clock.last_jiffy_by(10s + 4ms), 1001u);
    EXPECT_EQ(clock.last_jiffy_by(10s + 90ms + 1ns), 1022u);
}

TEST(LeaseClock, TimesBeforeTheDatedJiffyRoundDownToo) {
    EXPECT_EQ(clock.last_jiffy_by(10s - 1ns), 999u);
    EXPECT_EQ(clock.last_jiffy_by(10s - 4ms), 999u);
    EXPECT_EQ(clock.last_jiffy_by(10s - 4ms - 1ns), 998u);
    EXPECT_EQ(clock.last_jiffy_by(0s), 0u) << "jiffy 0 would begin at 6 s: before it, nothing";
}

TEST(LeaseClock, AJiffyStartsAWholeNumberOfTicksFromTheDatedOne) {
    EXPECT_EQ(clock.start_of(1000), 10s);
    EXPECT_EQ(clock.start_of(1025), 10s + 100ms);
    EXPECT_EQ(clock.start_of(990), 10s - 40ms);
}

TEST(LeaseClock, ADeadlineEndsNoLaterThanMeantAndAtMostATickEarly) {
    for (std::chrono::nanoseconds meant = 10s - 7ms; meant < 10s + 9ms; meant += 333us) {
        const auto ends = clock.start_of(clock.last_jiffy_by(meant));
        EXPECT_LE(ends, meant);
        EXPECT_GT(ends, meant - clock.tick());
    }
}

TEST(StateWordEncoding, AnActiveWordCarriesTheJiffyOfItsDeadline) {
    const std::uint64_t word = StateWord::active_until(10s + 30ms + 1us).encode(clock);
    EXPECT_EQ(xvip_word_role(word), XVIP_ROLE_ACTIVE);
    EXPECT_EQ(xvip_word_deadline(word), 1007u);
    EXPECT_EQ(xvip_effective_role(word, 1006), XVIP_ROLE_ACTIVE);
    EXPECT_EQ(xvip_effective_role(word, 1007), XVIP_ROLE_STANDBY);
}

TEST(StateWordEncoding, ReadBackTheDeadlineIsWhenItsJiffyBegins) {
    const StateWord draining = StateWord::draining_until(10s + 30ms + 1us);
    const StateWord back = StateWord::decode(draining.encode(clock), clock);
    EXPECT_EQ(back.role, XdpRole::draining);
    EXPECT_EQ(back.deadline, 10s + 28ms);
    EXPECT_EQ(back.effective_role(10s + 28ms - 1ns), XdpRole::draining);
    EXPECT_EQ(back.effective_role(10s + 28ms), XdpRole::standby);
}

TEST(StateWordEncoding, StandbyIgnoresAnyDeadline) {
    const std::uint64_t word = StateWord{XdpRole::standby, 10s + 1h}.encode(clock);
    EXPECT_EQ(word, 0u);
    EXPECT_EQ(StateWord::decode(word, clock), StateWord::standby());
}

}  // namespace
}  // namespace xvip
