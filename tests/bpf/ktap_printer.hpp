// A GoogleTest event listener that prints KTAP version 1, the kernel selftests' output format
// (Documentation/dev-tools/ktap.rst), so kernel CI and an operator's script read xvip-selftest as
// they read any selftest: each test suite is a top-level test, its test cases are nested subtests
// two spaces in, and a failure's messages are "# " diagnostic lines just before its "not ok".
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string_view>

namespace xvip::test {

// Test cases, as kselftest counts them in its "# Totals:" line.
struct KtapTotals {
    int pass = 0;
    int fail = 0;
    int skip = 0;
};

class KtapPrinter : public ::testing::EmptyTestEventListener {
public:
    explicit KtapPrinter(std::FILE* out) : out_(out) {}

    void OnTestIterationStart(const ::testing::UnitTest& unit_test, int iteration) override;
    void OnTestSuiteStart(const ::testing::TestSuite& suite) override;
    void OnTestPartResult(const ::testing::TestPartResult& result) override;
    void OnTestEnd(const ::testing::TestInfo& test) override;
    void OnTestSuiteEnd(const ::testing::TestSuite& suite) override;
    void OnTestIterationEnd(const ::testing::UnitTest& unit_test, int iteration) override;

    const KtapTotals& totals() const { return totals_; }

private:
    void line(int depth, std::string_view text);
    // Every line of a (possibly multi-line) message as a diagnostic line.
    void diagnostics(int depth, std::string_view text);

    std::FILE* out_;
    // 1 inside a suite: its cases' lines, and those of its set-up and tear-down, are nested.
    int depth_ = 0;
    int suite_number_ = 0;
    int case_number_ = 0;
    KtapTotals totals_;
};

}  // namespace xvip::test
