// xvip-selftest: the BPF test-run suite of test_xdp as a stand-alone program that checks the
// running kernel and prints KTAP, for an operator vetting a kernel and for kernel CI.
#include "selftest_main.hpp"

int main(int argc, char** argv) {
    return xvip::test::selftest_main(
        argc, argv,
        {.name = "xvip-selftest",
         .description = "Checks that the running kernel accepts xvip's XDP program and that the program\n"
                        "answers, passes and drops crafted frames as it must: each case loads the\n"
                        "program and runs it with BPF_PROG_TEST_RUN. Needs root (CAP_BPF,\n"
                        "CAP_PERFMON and CAP_NET_ADMIN); it attaches nothing and changes no interface,\n"
                        "address or route.",
         .needs_bpf = true});
}
