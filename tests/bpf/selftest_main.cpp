#include "selftest_main.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "ktap_printer.hpp"

namespace xvip::test {
namespace {

// kselftest's KSFT_PASS, KSFT_FAIL and KSFT_SKIP; bad usage as xvipctl says it (kselftest's
// runner counts it as a failure).
constexpr int exit_pass = 0;
constexpr int exit_fail = 1;
constexpr int exit_usage = 2;
constexpr int exit_skip = 4;

struct Options {
    bool help = false;
    bool list = false;
    std::string filter = "*";
};

std::optional<Options> parse(int argc, char** argv, const char* name) {
    Options options;
    bool have_filter = false;
    bool options_end = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (!options_end && arg == "--") {
            options_end = true;  // a filter may start with '-' (only exclusions)
        } else if (!options_end && (arg == "--help" || arg == "-h")) {
            options.help = true;
        } else if (!options_end && arg == "--list") {
            options.list = true;
        } else if (!options_end && arg.starts_with("-")) {
            std::fprintf(stderr, "%s: unknown option '%s' (--help lists the options)\n", name, argv[i]);
            return std::nullopt;
        } else if (have_filter) {
            std::fprintf(stderr, "%s: one FILTER at most, got '%s' and '%s'\n", name, options.filter.c_str(), argv[i]);
            return std::nullopt;
        } else {
            options.filter = arg;
            have_filter = true;
        }
    }
    return options;
}

void print_help(const SelftestProgram& program) {
    std::printf(
        "Usage: %s [--list] [FILTER]\n"
        "\n"
        "%s\n"
        "\n"
        "Prints KTAP (the kernel selftests' format) on stdout: each test suite a test, its cases\n"
        "nested subtests, a failure's messages as '# ' lines before its 'not ok' line.\n"
        "\n"
        "  FILTER    run only the tests whose SUITE.CASE name matches: '*' and '?' are\n"
        "            wildcards, ':' separates patterns, patterns after a '-' exclude\n"
        "            (e.g. 'XdpLease.*' or '*-XdpHostileFrames*'; '--' before one that starts\n"
        "            with '-')\n"
        "  --list    print the names of the tests FILTER selects, one a line, and exit\n"
        "  --help    print this help and exit\n"
        "\n"
        "Exit status: 0 every test passed, 1 a test failed, 2 bad usage (or no test matches\n"
        "FILTER), 4 skipped (no privileges, or every test selected skipped).\n",
        program.name, program.description);
}

bool has_capability(unsigned capability) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (syscall(SYS_capget, &header, data) != 0) return false;
    return (data[capability / 32].effective & (1u << (capability % 32))) != 0;
}

// What loading xvip's XDP program takes: CAP_BPF, CAP_NET_ADMIN for the program type, and
// CAP_PERFMON, without which the verifier refuses its packet-pointer comparisons. CAP_SYS_ADMIN
// stands for all three.
bool may_load_xdp() {
    if (has_capability(CAP_SYS_ADMIN)) return true;
    return has_capability(CAP_BPF) && has_capability(CAP_PERFMON) && has_capability(CAP_NET_ADMIN);
}

// GoogleTest applies the filter only while it lists, in a format of its own: it lists with
// stdout silenced, then the names it selected are printed one a line.
int list_tests() {
    GTEST_FLAG_SET(list_tests, true);
    std::fflush(stdout);
    const int saved = dup(STDOUT_FILENO);
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved >= 0 && null >= 0) dup2(null, STDOUT_FILENO);
    if (null >= 0) close(null);
    const int listed = RUN_ALL_TESTS();
    std::fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    const auto& unit_test = *::testing::UnitTest::GetInstance();
    for (int s = 0; s < unit_test.total_test_suite_count(); ++s) {
        const auto& suite = *unit_test.GetTestSuite(s);
        for (int t = 0; t < suite.total_test_count(); ++t) {
            const auto& test = *suite.GetTestInfo(t);
            if (test.should_run()) std::printf("%s.%s\n", suite.name(), test.name());
        }
    }
    return listed == 0 ? exit_pass : exit_fail;
}

}  // namespace

int selftest_main(int argc, char** argv, const SelftestProgram& program) {
    const std::optional<Options> options = parse(argc, argv, program.name);
    if (!options) return exit_usage;
    if (options->help) {
        print_help(program);
        return exit_pass;
    }

    // GoogleTest sees none of our arguments: its own flags are not part of this command line.
    int gtest_argc = 1;
    char* gtest_argv[] = {argv[0], nullptr};
    ::testing::InitGoogleTest(&gtest_argc, gtest_argv);
    GTEST_FLAG_SET(filter, options->filter);
    if (options->list) return list_tests();

    if (program.needs_bpf && !may_load_xdp()) {
        // kselftest's way for a test that cannot run here: a skip, with the reason.
        std::printf("KTAP version 1\n1..0 # SKIP needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (root)\n");
        std::fprintf(stderr,
                     "%s: needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (run it as root): it loads "
                     "xvip's XDP program and runs it with BPF_PROG_TEST_RUN\n",
                     program.name);
        return exit_skip;
    }

    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    auto* printer = new KtapPrinter(stdout);
    listeners.Append(printer);  // GoogleTest owns it from here
    const int failed = RUN_ALL_TESTS();

    if (::testing::UnitTest::GetInstance()->test_to_run_count() == 0) {
        std::fprintf(stderr, "%s: no test matches '%s' (--list shows them)\n", program.name, options->filter.c_str());
        return exit_usage;
    }
    if (failed != 0) return exit_fail;
    return printer->totals().pass > 0 ? exit_pass : exit_skip;
}

}  // namespace xvip::test
