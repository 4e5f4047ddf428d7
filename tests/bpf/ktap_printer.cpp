#include "ktap_printer.hpp"

#include <string>

namespace xvip::test {
namespace {

// A result line's description may hold any character but '#' and a newline (ktap.rst).
std::string description(std::string_view name) {
    std::string text(name);
    for (char& c : text) {
        if (c == '#' || c == '\n') c = '_';
    }
    return text;
}

// "file:line: " of a failure, without the build machine's source path; nothing for an exception.
std::string location(const ::testing::TestPartResult& result) {
    if (result.file_name() == nullptr) return "";
    const std::string_view path = result.file_name();
    std::string where(path.substr(path.rfind('/') + 1));  // npos + 1 == 0: the whole path
    if (result.line_number() >= 0) where += ":" + std::to_string(result.line_number());
    return where + ": ";
}

std::string skip_reason(const ::testing::TestResult& result) {
    for (int i = 0; i < result.total_part_count(); ++i) {
        const auto& part = result.GetTestPartResult(i);
        if (!part.skipped()) continue;
        const std::string_view message = part.message();
        const std::string_view first_line = message.substr(0, message.find('\n'));
        if (!first_line.empty()) return description(first_line);
    }
    return "skipped";
}

}  // namespace

void KtapPrinter::OnTestIterationStart(const ::testing::UnitTest& unit_test, int) {
    int suites = 0;
    for (int i = 0; i < unit_test.total_test_suite_count(); ++i) {
        if (unit_test.GetTestSuite(i)->test_to_run_count() > 0) ++suites;
    }
    line(0, "KTAP version 1");
    line(0, "1.." + std::to_string(suites));
}

void KtapPrinter::OnTestSuiteStart(const ::testing::TestSuite& suite) {
    ++suite_number_;
    case_number_ = 0;
    depth_ = 1;
    line(1, "KTAP version 1");
    // KUnit's header line: a reader that is cut off mid-suite still knows which suite it was.
    line(1, "# Subtest: " + description(suite.name()));
    line(1, "1.." + std::to_string(suite.test_to_run_count()));
}

void KtapPrinter::OnTestPartResult(const ::testing::TestPartResult& result) {
    // A skip's message becomes the SKIP directive of the result line instead.
    if (!result.failed()) return;
    // Printed as it happens, so a test that then crashes the process has said what it saw.
    line(depth_, "# " + location(result) + "Failure");
    diagnostics(depth_, result.message());
}

void KtapPrinter::OnTestEnd(const ::testing::TestInfo& test) {
    ++case_number_;
    const ::testing::TestResult& result = *test.result();
    const std::string number_and_name = std::to_string(case_number_) + " " + description(test.name());
    if (result.Failed()) {
        ++totals_.fail;
        line(1, "not ok " + number_and_name);
    } else if (result.Skipped()) {
        ++totals_.skip;
        line(1, "ok " + number_and_name + " # SKIP " + skip_reason(result));
    } else {
        ++totals_.pass;
        line(1, "ok " + number_and_name);
    }
}

void KtapPrinter::OnTestSuiteEnd(const ::testing::TestSuite& suite) {
    depth_ = 0;
    const std::string number_and_name = std::to_string(suite_number_) + " " + description(suite.name());
    if (suite.Failed()) {
        line(0, "not ok " + number_and_name);
    } else if (suite.skipped_test_count() == suite.test_to_run_count()) {
        line(0, "ok " + number_and_name + " # SKIP every test case skipped");
    } else {
        line(0, "ok " + number_and_name);
    }
}

void KtapPrinter::OnTestIterationEnd(const ::testing::UnitTest&, int) {
    // kselftest's own summary line, which its runners and readers look for.
    line(0, "# Totals: pass:" + std::to_string(totals_.pass) + " fail:" + std::to_string(totals_.fail) +
                " xfail:0 xpass:0 skip:" + std::to_string(totals_.skip) + " error:0");
}

void KtapPrinter::line(int depth, std::string_view text) {
    std::fprintf(out_, "%*s%.*s\n", depth * 2, "", static_cast<int>(text.size()), text.data());
    std::fflush(out_);  // a crash loses no line already decided
}

void KtapPrinter::diagnostics(int depth, std::string_view text) {
    while (!text.empty()) {
        const auto end = text.find('\n');
        const std::string_view one = text.substr(0, end);
        line(depth, one.empty() ? std::string("#") : "# " + std::string(one));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

}  // namespace xvip::test
