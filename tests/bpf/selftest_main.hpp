// The command line of a stand-alone self-test made of the GoogleTest cases linked into it:
// xvip-selftest, and the KTAP sample whose failing cases show how a failure is reported.
#pragma once

namespace xvip::test {

struct SelftestProgram {
    const char* name;         // in messages and --help
    const char* description;  // the --help paragraph
    bool needs_bpf;           // capabilities to load an XDP program, checked before any test runs
};

// Runs the linked-in test cases (all, or those a filter names) with KTAP on stdout, or lists
// them. Returns kselftest's exit status: 0 all passed, 1 a failure, 4 skipped; 2 for bad usage.
int selftest_main(int argc, char** argv, const SelftestProgram& program);

}  // namespace xvip::test
