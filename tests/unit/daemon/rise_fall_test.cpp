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

}  // namespace
}  // namespace xvip
