#include "daemon/rise_fall.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace xvip {
namespace {

// Feeds "+" (success) and "-" (failure) and writes what each result reported: "H" healthy,
// "U" unhealthy, "." nothing.
std::string feed(RiseFall& verdict, const std::string& results) {
    std::string reports;
    for (char c : results) {
        const auto change = verdict.record(c == '+');
        reports += change ? (*change ? 'H' : 'U') : '.';
    }
    return reports;
}

TEST(RiseFall, FirstResultDecidesWithoutInitFail) {
    RiseFall a(3, 3, false);
    EXPECT_EQ(a.healthy(), std::nullopt);
    EXPECT_EQ(feed(a, "+"), "H") << "one success is enough at start, whatever rise is";
    RiseFall b(3, 3, false);
    EXPECT_EQ(feed(b, "-"), "U") << "and so is one failure";
    EXPECT_EQ(b.healthy(), false);
}

TEST(RiseFall, FallConsecutiveFailuresToGoDown) {
    RiseFall verdict(2, 3, false);
    EXPECT_EQ(feed(verdict, "+"), "H");
    EXPECT_EQ(feed(verdict, "--+"), "...") << "a success resets the failure count";
    EXPECT_EQ(feed(verdict, "--"), "..");
    EXPECT_EQ(verdict.healthy(), true);
    EXPECT_EQ(feed(verdict, "-"), "U");
    EXPECT_EQ(feed(verdict, "--"), "..") << "reported once";
}

TEST(RiseFall, RiseConsecutiveSuccessesToComeBack) {
    RiseFall verdict(3, 1, false);
    EXPECT_EQ(feed(verdict, "-"), "U");
    EXPECT_EQ(feed(verdict, "++-"), "...") << "a failure restarts the count";
    EXPECT_EQ(feed(verdict, "++"), "..");
    EXPECT_EQ(feed(verdict, "+"), "H");
    EXPECT_EQ(feed(verdict, "++"), "..");
    EXPECT_EQ(feed(verdict, "-"), "U") << "fall 1";
}

TEST(RiseFall, InitFailStartsFailedAndNeedsRiseSuccesses) {
    RiseFall verdict(2, 2, true);
    EXPECT_EQ(verdict.healthy(), false);
    EXPECT_EQ(feed(verdict, "-"), ".") << "already failed: nothing to report";
    EXPECT_EQ(feed(verdict, "++"), ".H");
}

// Reload: the same script keeps its verdict and its place between rise and fall (keepalived's
// mapping onto the new rise and fall).
TEST(RiseFall, CarriedIntoKeepsTheVerdictAndItsCounts) {
    RiseFall unknown(2, 2, false);
    EXPECT_EQ(unknown.carried_into(2, 2).healthy(), std::nullopt) << "no verdict yet stays none";

    RiseFall failing(2, 3, false);
    EXPECT_EQ(feed(failing, "-"), "U");
    RiseFall carried = failing.carried_into(2, 3);
    EXPECT_EQ(carried.healthy(), false) << "failing before its next run";
    EXPECT_EQ(feed(carried, "+"), ".") << "rise 2 still needs two successes";
    EXPECT_EQ(feed(carried, "+"), "H");

    RiseFall one_up(3, 1, false);
    EXPECT_EQ(feed(one_up, "-+"), "U.");
    RiseFall one_up_carried = one_up.carried_into(3, 1);
    EXPECT_EQ(feed(one_up_carried, "++"), ".H") << "the success already counted is kept";

    RiseFall healthy(2, 3, false);
    EXPECT_EQ(feed(healthy, "+-"), "H.");
    RiseFall healthy_carried = healthy.carried_into(2, 3);
    EXPECT_EQ(healthy_carried.healthy(), true);
    EXPECT_EQ(feed(healthy_carried, "--"), ".U") << "one failure already counted against fall 3";

    RiseFall to_narrower = healthy.carried_into(1, 1);
    EXPECT_EQ(to_narrower.healthy(), true);
    EXPECT_EQ(feed(to_narrower, "-"), "U") << "fall 1 now";
}

}  // namespace
}  // namespace xvip
