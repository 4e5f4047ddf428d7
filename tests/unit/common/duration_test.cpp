#include "common/duration.hpp"

#include <gtest/gtest.h>

namespace xvip {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesEveryUnit) {
    EXPECT_EQ(parse_duration("10ms"), 10ms);
    EXPECT_EQ(parse_duration("1s"), 1s);
    EXPECT_EQ(parse_duration("1.5s"), 1500ms);
    EXPECT_EQ(parse_duration("250us"), 250us);
    EXPECT_EQ(parse_duration("7ns"), 7ns);
    EXPECT_EQ(parse_duration("2m"), 120s);
    EXPECT_EQ(parse_duration("1h"), 3600s);
    EXPECT_EQ(parse_duration("0.01s"), 10ms);
}

TEST(Duration, RefusesAmbiguousOrBadText) {
    for (const char* bad : {"", "10", "s", "-1s", "1.2.3s", "1 s", "1sec", "1S", "ms10", "1e3ms", "99999999999h"}) {
        EXPECT_FALSE(parse_duration(bad)) << bad;
    }
}

TEST(Duration, FormatsInTheLargestUnitWithThreeDecimals) {
    EXPECT_EQ(format_duration(100ms), "100ms");
    EXPECT_EQ(format_duration(1s), "1s");
    EXPECT_EQ(format_duration(1500ms), "1.5s");
    EXPECT_EQ(format_duration(250us), "250us");
    EXPECT_EQ(format_duration(1234567ns), "1.235ms");
    EXPECT_EQ(format_duration(2915427607ns), "2.915s");
    EXPECT_EQ(format_duration(-5ms), "-5ms");
    EXPECT_EQ(format_duration(0ns), "0s");
    EXPECT_EQ(format_duration(3ns), "3ns");
    EXPECT_EQ(parse_duration(format_duration(40950ms)), 40950ms);
}

}  // namespace
}  // namespace xvip
