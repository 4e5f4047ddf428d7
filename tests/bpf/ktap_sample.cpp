// ktap-sample: xvip-selftest's command line and KTAP printer over cases that pass, fail, skip and
// throw on purpose. Built for the tests only (never installed): they run it to see that a failure
// comes out as "not ok" after its messages and makes the exit status 1.
#include <gtest/gtest.h>

#include <stdexcept>

#include "selftest_main.hpp"

namespace {

TEST(KtapSample, Passes) {
    EXPECT_EQ(2 + 2, 4);
}

TEST(KtapSample, FailsWithItsMessages) {
    EXPECT_EQ(2 + 2, 5) << "the sample's deliberate failure";
    ADD_FAILURE() << "a second failure\nover two lines";
}

TEST(KtapSample, Skips) {
    GTEST_SKIP() << "the sample's deliberate skip";
}

TEST(KtapSkipped, Skips) {
    GTEST_SKIP() << "every case of this suite skips";
}

TEST(KtapThrows, Throws) {
    throw std::runtime_error("the sample's deliberate exception");
}

}  // namespace

int main(int argc, char** argv) {
    return xvip::test::selftest_main(
        argc, argv,
        {.name = "ktap-sample",
         .description = "Cases that pass, fail, skip and throw on purpose, for the tests of the KTAP output.",
         .needs_bpf = false});
}
